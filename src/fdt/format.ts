/** Flattened device tree layout constants (Devicetree Specification v0.4, chapter 5). */

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_BEGIN_NODE = 0x1;
export const FDT_END_NODE = 0x2;
export const FDT_PROP = 0x3;
export const FDT_NOP = 0x4;
export const FDT_END = 0x9;

/** Header size of version 17 (ten u32 words); version 16 lacks the last, size_dt_struct. */
export const HEADER_SIZE_V17 = 40;
export const HEADER_SIZE_V16 = 36;

/** The version this writer emits and the oldest it claims compatibility with. */
export const WRITE_VERSION = 17;
export const WRITE_LAST_COMP_VERSION = 16;

/**
 * Deepest node nesting the reader accepts. Real trees are under 10 deep; the bound keeps a
 * hostile blob of nested empty nodes from making every later tree walk pathological.
 */
export const MAX_DEPTH = 256;

/** Header word offsets. */
export const H = {
  magic: 0,
  totalsize: 4,
  offDtStruct: 8,
  offDtStrings: 12,
  offMemRsvmap: 16,
  version: 20,
  lastCompVersion: 24,
  bootCpuidPhys: 28,
  sizeDtStrings: 32,
  sizeDtStruct: 36,
} as const;

/**
 * Longest node or property name the reader accepts (the spec recommends 31). The bound keeps
 * name scans constant-time, so many names pointing into one long run cannot go quadratic.
 */
export const MAX_NAME_LENGTH = 256;

/** Characters dtc's DTS lexer accepts in node and property names: what a DTB may carry. */
export const NAME_CHAR = new Uint8Array(256);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,._+*#?@-") {
  NAME_CHAR[c.charCodeAt(0)] = 1;
}
