/**
 * DTB writer: version 17 (last compatible 16), laid out as dtc lays it out — header,
 * memory reservation block, structure block, strings block — with no padding at the end.
 * One pass measures (and builds the strings block), a second writes into one buffer.
 */
import { FdtError } from "./errors.js";
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  H,
  HEADER_SIZE_V17,
  MAX_NAME_LENGTH,
  NAME_CHAR,
  WRITE_LAST_COMP_VERSION,
  WRITE_VERSION,
} from "./format.js";
import { type Fdt, type FdtNode, visit } from "./tree.js";

const align4 = (n: number) => (n + 3) & ~3;

/**
 * The writer refuses what the reader refuses, so every DTB platpass writes reads back: names
 * of 1 to MAX_NAME_LENGTH characters from the reader's set; the root's must be empty. The names
 * are then ASCII and are written a char at a time, without a TextEncoder call each.
 */
function checkName(name: string, what: string, where: FdtNode): void {
  let ok = name.length > 0 && name.length <= MAX_NAME_LENGTH;
  for (let i = 0; ok && i < name.length; i++) ok = NAME_CHAR[name.charCodeAt(i)] === 1;
  if (!ok) {
    const shown = name.length > 40 ? `${name.slice(0, 40)}… (${name.length} characters)` : name;
    throw new FdtError("FDT_BAD_NAME", `cannot write ${what} name "${shown}"`, {
      where: where.path,
      hint: `Names are 1 to ${MAX_NAME_LENGTH} characters of letters, digits and , . _ + * # ? @ - (what the reader accepts).`,
    });
  }
}

function putName(out: Uint8Array, at: number, name: string): number {
  for (let i = 0; i < name.length; i++) out[at + i] = name.charCodeAt(i);
  return name.length;
}

/** TypedArray.set costs more than a loop for the few bytes most property values have. */
function copyBytes(out: Uint8Array, at: number, value: Uint8Array): void {
  if (value.length > 8) out.set(value, at);
  else for (let i = 0; i < value.length; i++) out[at + i] = value[i]!;
}

/** Strings block with each name stored once, in first-use order. */
class Strings {
  readonly offsets = new Map<string, number>();
  size = 0;

  /** The name's offset, adding it if new. */
  add(name: string): number {
    const known = this.offsets.get(name);
    if (known !== undefined) return known;
    const off = this.size;
    this.offsets.set(name, off);
    this.size += name.length + 1;
    return off;
  }

  writeTo(out: Uint8Array, at: number): void {
    for (const [name, off] of this.offsets) putName(out, at + off, name);
  }
}

export function writeDtb(fdt: Fdt): Uint8Array {
  const strings = new Strings();
  // Each property's name offset, in the order the write pass meets the properties.
  const nameoffs: number[] = [];
  let structSize = 4; // FDT_END
  visit(
    fdt.root,
    (n: FdtNode) => {
      if (n !== fdt.root) checkName(n.name, "node", n);
      else if (n.name !== "") {
        throw new FdtError("FDT_BAD_ROOT", `cannot write a root node named "${n.name}"`);
      }
      structSize += 4 + align4(n.name.length + 1) + 4; // BEGIN_NODE, name, END_NODE
      // forEach, not for-of: no [name, value] pair allocated per property.
      n.properties.forEach((value, name) => {
        if (!strings.offsets.has(name)) checkName(name, "property", n);
        nameoffs.push(strings.add(name));
        structSize += 12 + align4(value.length);
      });
    },
    () => {},
  );
  const rsvOff = HEADER_SIZE_V17;
  const structOff = rsvOff + 16 * (fdt.reservations.length + 1);
  const stringsOff = structOff + structSize;
  const total = stringsOff + strings.size;

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(H.magic, FDT_MAGIC);
  dv.setUint32(H.totalsize, total);
  dv.setUint32(H.offDtStruct, structOff);
  dv.setUint32(H.offDtStrings, stringsOff);
  dv.setUint32(H.offMemRsvmap, rsvOff);
  dv.setUint32(H.version, WRITE_VERSION);
  dv.setUint32(H.lastCompVersion, WRITE_LAST_COMP_VERSION);
  dv.setUint32(H.bootCpuidPhys, fdt.bootCpuid);
  dv.setUint32(H.sizeDtStrings, strings.size);
  dv.setUint32(H.sizeDtStruct, structSize);

  let off = rsvOff;
  for (const r of fdt.reservations) {
    dv.setBigUint64(off, r.address);
    dv.setBigUint64(off + 8, r.size);
    off += 16;
  }
  off += 16; // the (0, 0) terminator: already zero
  let k = 0;

  visit(
    fdt.root,
    (n: FdtNode) => {
      dv.setUint32(off, FDT_BEGIN_NODE);
      off += 4 + align4(putName(out, off + 4, n.name) + 1);
      n.properties.forEach((value) => {
        dv.setUint32(off, FDT_PROP);
        dv.setUint32(off + 4, value.length);
        dv.setUint32(off + 8, nameoffs[k++]!);
        copyBytes(out, off + 12, value);
        off += 12 + align4(value.length);
      });
    },
    () => {
      dv.setUint32(off, FDT_END_NODE);
      off += 4;
    },
  );
  dv.setUint32(off, FDT_END);

  strings.writeTo(out, stringsOff);
  return out;
}
