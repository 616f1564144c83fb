/**
 * DTB reader. Every read is bounds-checked against the real buffer before it happens, the
 * header's totalsize is trusted only after it is checked against the buffer, and the
 * structure walk always advances, so hostile input costs at most O(input) time and memory.
 * The only thing thrown is FdtError.
 */
import { Buffer } from "node:buffer";
import { FdtError } from "./errors.js";
import {
  FDT_BEGIN_NODE,
  FDT_END,
  FDT_END_NODE,
  FDT_MAGIC,
  FDT_NOP,
  FDT_PROP,
  H,
  HEADER_SIZE_V16,
  HEADER_SIZE_V17,
  MAX_DEPTH,
  MAX_NAME_LENGTH,
  NAME_CHAR,
} from "./format.js";
import { Fdt, FdtNode, type Reservation } from "./tree.js";

export interface ReadOptions {
  /** Named in error messages, e.g. the file path. */
  source?: string;
}

interface Blocks {
  totalsize: number;
  structStart: number;
  structEnd: number;
  stringsStart: number;
  stringsEnd: number;
  rsvmap: number;
  bootCpuid: number;
}

const align4 = (n: number) => (n + 3) & ~3;

class Reader {
  readonly dv: DataView;
  /** The same bytes as a Buffer, which makes a name string in one native call. */
  readonly text: Buffer;
  readonly names = new Map<number, string>();
  /** Property values are views into one private copy of the blob, made once its size is known. */
  copy: Uint8Array = new Uint8Array(0);

  constructor(
    readonly buf: Uint8Array,
    readonly source: string | undefined,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(code: ConstructorParameters<typeof FdtError>[0], message: string, offset: number): never {
    throw new FdtError(code, message, { offset, where: this.source });
  }

  u32(off: number): number {
    return this.dv.getUint32(off);
  }

  header(): Blocks {
    const len = this.buf.length;
    if (len < 4) this.fail("FDT_TRUNCATED", `blob is ${len} bytes, too short for a header`, 0);
    const magic = this.u32(H.magic);
    if (magic !== FDT_MAGIC) {
      this.fail("FDT_BAD_MAGIC", `bad magic 0x${magic.toString(16)}, expected 0xd00dfeed`, 0);
    }
    if (len < HEADER_SIZE_V16) this.fail("FDT_TRUNCATED", `blob is ${len} bytes, too short`, 0);
    const version = this.u32(H.version);
    const lastComp = this.u32(H.lastCompVersion);
    if (version < 16 || lastComp > 17) {
      this.fail(
        "FDT_BAD_VERSION",
        `version ${version} (last compatible ${lastComp}) is not readable; versions 16 and 17 are`,
        H.version,
      );
    }
    const headerSize = version >= 17 ? HEADER_SIZE_V17 : HEADER_SIZE_V16;
    if (len < headerSize) this.fail("FDT_TRUNCATED", `blob is ${len} bytes, too short`, 0);
    const totalsize = this.u32(H.totalsize);
    if (totalsize > len) {
      this.fail("FDT_TRUNCATED", `header claims ${totalsize} bytes but the blob has ${len}`, 4);
    }
    if (totalsize < headerSize) {
      this.fail("FDT_BAD_HEADER", `totalsize ${totalsize} is smaller than the header`, 4);
    }
    const rsvmap = this.u32(H.offMemRsvmap);
    const structStart = this.u32(H.offDtStruct);
    const stringsStart = this.u32(H.offDtStrings);
    const stringsSize = this.u32(H.sizeDtStrings);
    const structSize = version >= 17 ? this.u32(H.sizeDtStruct) : totalsize - structStart;
    this.block("memory reservation block", rsvmap, 0, headerSize, totalsize, H.offMemRsvmap);
    this.block("structure block", structStart, structSize, headerSize, totalsize, H.offDtStruct);
    this.block("strings block", stringsStart, stringsSize, headerSize, totalsize, H.offDtStrings);
    if (rsvmap % 8 !== 0) {
      this.fail(
        "FDT_BAD_ALIGNMENT",
        "memory reservation block is not 8-byte aligned",
        H.offMemRsvmap,
      );
    }
    if (structStart % 4 !== 0) {
      this.fail("FDT_BAD_ALIGNMENT", "structure block is not 4-byte aligned", H.offDtStruct);
    }
    return {
      totalsize,
      rsvmap,
      structStart,
      structEnd: structStart + structSize,
      stringsStart,
      stringsEnd: stringsStart + stringsSize,
      bootCpuid: this.u32(H.bootCpuidPhys),
    };
  }

  block(what: string, start: number, size: number, min: number, max: number, field: number) {
    if (start < min || start + size > max) {
      this.fail(
        "FDT_BAD_HEADER",
        `${what} [${start}, +${size}) lies outside [${min}, ${max})`,
        field,
      );
    }
  }

  reservations(b: Blocks): Reservation[] {
    const out: Reservation[] = [];
    for (let off = b.rsvmap; off + 16 <= b.totalsize; off += 16) {
      const address = this.dv.getBigUint64(off);
      const size = this.dv.getBigUint64(off + 8);
      if (address === 0n && size === 0n) return out;
      out.push({ address, size });
    }
    return this.fail(
      "FDT_RSVMAP_UNTERMINATED",
      "memory reservation block has no terminator",
      b.rsvmap,
    );
  }

  /** A NUL-terminated name in [start, end), checked against the DTS name characters. */
  name(
    start: number,
    end: number,
    unterminated: "FDT_NAME_UNTERMINATED" | "FDT_STRING_UNTERMINATED",
    allowEmpty: boolean,
  ): string {
    const buf = this.buf;
    const limit = Math.min(end, start + MAX_NAME_LENGTH + 1);
    let nul = start;
    for (; nul < limit; nul++) {
      const c = buf[nul]!;
      if (c === 0) break;
      if (!NAME_CHAR[c]) {
        this.fail("FDT_BAD_NAME", `name has invalid character 0x${c.toString(16)}`, nul);
      }
    }
    if (nul - start > MAX_NAME_LENGTH) {
      this.fail("FDT_BAD_NAME", `name longer than ${MAX_NAME_LENGTH} bytes`, start);
    }
    if (nul === limit) this.fail(unterminated, "name has no terminating NUL", start);
    if (nul === start && !allowEmpty) this.fail("FDT_BAD_NAME", "empty name", start);
    return this.text.toString("latin1", start, nul);
  }

  propertyName(b: Blocks, nameoff: number, at: number): string {
    const cached = this.names.get(nameoff);
    if (cached !== undefined) return cached;
    if (nameoff >= b.stringsEnd - b.stringsStart) {
      this.fail(
        "FDT_STRING_OOB",
        `property name offset ${nameoff} is outside the strings block`,
        at,
      );
    }
    const n = this.name(b.stringsStart + nameoff, b.stringsEnd, "FDT_STRING_UNTERMINATED", false);
    this.names.set(nameoff, n);
    return n;
  }

  structure(b: Blocks): FdtNode {
    const stack: FdtNode[] = [];
    let root: FdtNode | undefined;
    let off = b.structStart;
    for (;;) {
      if (off + 4 > b.structEnd) {
        this.fail("FDT_STRUCT_UNTERMINATED", "structure block ends before FDT_END", off);
      }
      const at = off;
      const token = this.u32(off);
      off += 4;
      if (token === FDT_BEGIN_NODE) {
        const parent = stack[stack.length - 1];
        const name = this.name(off, b.structEnd, "FDT_NAME_UNTERMINATED", parent === undefined);
        off = align4(off + name.length + 1);
        let node: FdtNode;
        if (!parent) {
          if (root) this.fail("FDT_BAD_ROOT", "a second root node", at);
          if (name !== "") this.fail("FDT_BAD_ROOT", `root node is named "${name}"`, at);
          node = root = new FdtNode("");
        } else {
          if (parent.child(name)) this.fail("FDT_DUPLICATE_NAME", `duplicate node "${name}"`, at);
          if (stack.length >= MAX_DEPTH)
            this.fail("FDT_TOO_DEEP", `nodes nest deeper than ${MAX_DEPTH}`, at);
          node = parent.attachChild(name);
        }
        stack.push(node);
      } else if (token === FDT_PROP) {
        const node = stack[stack.length - 1];
        if (!node) this.fail("FDT_BAD_TOKEN", "property outside any node", at);
        if (off + 8 > b.structEnd) {
          this.fail("FDT_STRUCT_UNTERMINATED", "structure block ends inside a property header", at);
        }
        const len = this.u32(off);
        const name = this.propertyName(b, this.u32(off + 4), off + 4);
        const start = off + 8;
        if (len > b.structEnd - start) {
          this.fail(
            "FDT_PROP_OOB",
            `property "${name}" (${len} bytes) runs past the structure block`,
            off,
          );
        }
        const value = this.copy.subarray(start, start + len);
        if (!node.attachProperty(name, value)) {
          this.fail("FDT_DUPLICATE_NAME", `duplicate property "${name}"`, at);
        }
        off = align4(start + len);
      } else if (token === FDT_END_NODE) {
        if (!stack.pop()) this.fail("FDT_BAD_TOKEN", "FDT_END_NODE without an open node", at);
      } else if (token === FDT_END) {
        if (!root || stack.length > 0)
          this.fail("FDT_BAD_TOKEN", "FDT_END inside an open node", at);
        return root;
      } else if (token !== FDT_NOP) {
        this.fail("FDT_BAD_TOKEN", `unknown token 0x${token.toString(16)}`, at);
      }
    }
  }
}

/** Parses a DTB (versions 16 and 17). Throws FdtError, and only FdtError, on malformed input. */
export function readDtb(buf: Uint8Array, options: ReadOptions = {}): Fdt {
  const r = new Reader(buf, options.source);
  const blocks = r.header();
  // Property values are views into one private copy of the blob: the caller may reuse its
  // buffer. Uint8Array's slice copies; a Node Buffer's own slice would only make a view.
  r.copy = Uint8Array.prototype.slice.call(buf, 0, blocks.totalsize);
  const reservations = r.reservations(blocks);
  const root = r.structure(blocks);
  return new Fdt(root, reservations, blocks.bootCpuid);
}
