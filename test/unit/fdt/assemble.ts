/**
 * Builds DTBs word by word for reader tests: the test spells out every structure token, and
 * this only lays the blocks out the way dtc does (header, reservations, struct, strings).
 */
export const BEGIN_NODE = 0x1;
export const END_NODE = 0x2;
export const PROP = 0x3;
export const NOP = 0x4;
export const END = 0x9;

/** A node name as structure words: bytes, NUL, zero padding to a word boundary. */
export function nameWords(name: string): number[] {
  const bytes = [...Buffer.from(`${name}\0`, "latin1")];
  while (bytes.length % 4) bytes.push(0);
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    words.push(
      ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0,
    );
  }
  return words;
}

export interface BlobParts {
  struct: number[];
  strings?: string;
  reservations?: [bigint, bigint][];
  version?: number;
}

/** Header at 0, reservations at 40, then struct, then strings; returns the blob. */
export function assemble(parts: BlobParts): Uint8Array {
  const rsv = parts.reservations ?? [];
  const strings = Buffer.from(parts.strings ?? "", "latin1");
  const structOff = 40 + 16 * (rsv.length + 1);
  const structSize = parts.struct.length * 4;
  const stringsOff = structOff + structSize;
  const total = stringsOff + strings.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const header = [
    0xd00dfeed,
    total,
    structOff,
    stringsOff,
    40,
    parts.version ?? 17,
    16,
    0,
    strings.length,
    structSize,
  ];
  header.forEach((w, i) => {
    dv.setUint32(i * 4, w);
  });
  rsv.forEach(([a, s], i) => {
    dv.setBigUint64(40 + i * 16, a);
    dv.setBigUint64(48 + i * 16, s);
  });
  parts.struct.forEach((w, i) => {
    dv.setUint32(structOff + i * 4, w);
  });
  out.set(strings, stringsOff);
  return out;
}

/** The offset of structure word `index` in a blob assembled with `reservations` entries. */
export function structOffset(index: number, reservations = 0): number {
  return 40 + 16 * (reservations + 1) + index * 4;
}

export const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
