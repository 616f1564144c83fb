/**
 * DTB writer: version 17 (last compatible 16), laid out as dtc lays it out — header,
 * memory reservation block, structure block, strings block — with no padding at the end.
 */
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_PROP,
  H,
  HEADER_SIZE_V17,
  WRITE_LAST_COMP_VERSION,
  WRITE_VERSION,
} from "./format.js";
import type { Fdt, FdtNode } from "./tree.js";

const encoder = new TextEncoder();
const align4 = (n: number) => (n + 3) & ~3;

/** Strings block with each name stored once, in first-use order. */
class Strings {
  readonly offsets = new Map<string, number>();
  readonly parts: Uint8Array[] = [];
  size = 0;

  offset(name: string): number {
    let off = this.offsets.get(name);
    if (off === undefined) {
      off = this.size;
      const bytes = encoder.encode(`${name}\0`);
      this.parts.push(bytes);
      this.size += bytes.length;
      this.offsets.set(name, off);
    }
    return off;
  }
}

type Item =
  | { kind: "begin"; name: Uint8Array }
  | { kind: "prop"; nameoff: number; value: Uint8Array }
  | { kind: "end" };

/** Flattens the tree into structure items (iteratively) and measures them. */
function flatten(root: FdtNode, strings: Strings): { items: Item[]; size: number } {
  const items: Item[] = [];
  let size = 4; // FDT_END
  const stack: (FdtNode | "end")[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n === "end") {
      items.push({ kind: "end" });
      size += 4;
      continue;
    }
    const name = encoder.encode(n.name);
    items.push({ kind: "begin", name });
    size += 4 + align4(name.length + 1);
    for (const [pname, value] of n.properties) {
      items.push({ kind: "prop", nameoff: strings.offset(pname), value });
      size += 12 + align4(value.length);
    }
    stack.push("end");
    const kids = n.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return { items, size };
}

export function writeDtb(fdt: Fdt): Uint8Array {
  const strings = new Strings();
  const { items, size: structSize } = flatten(fdt.root, strings);
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

  for (const it of items) {
    if (it.kind === "begin") {
      dv.setUint32(off, FDT_BEGIN_NODE);
      out.set(it.name, off + 4);
      off += 4 + align4(it.name.length + 1);
    } else if (it.kind === "prop") {
      dv.setUint32(off, FDT_PROP);
      dv.setUint32(off + 4, it.value.length);
      dv.setUint32(off + 8, it.nameoff);
      out.set(it.value, off + 12);
      off += 12 + align4(it.value.length);
    } else {
      dv.setUint32(off, FDT_END_NODE);
      off += 4;
    }
  }
  dv.setUint32(off, FDT_END);

  off = stringsOff;
  for (const part of strings.parts) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}
