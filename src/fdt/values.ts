/**
 * Property value codecs. Device-tree values are big-endian: cells are u32, 64-bit values
 * are two cells, strings are NUL-terminated and string lists are concatenated strings.
 */
import { FdtError } from "./errors.js";

const utf8 = new TextEncoder();

/** u32 cells, big-endian; each argument must fit in 32 bits. */
export function cells(...values: (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    // A whole number in range needs no BigInt: most cells are, and a tree has millions.
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      dv.setUint32(i * 4, v);
      return;
    }
    const n = BigInt(v);
    if (n < 0n || n > 0xffffffffn) {
      throw new FdtError("FDT_BAD_VALUE", `cell value ${v} does not fit in 32 bits`);
    }
    dv.setUint32(i * 4, Number(n));
  });
  return out;
}

/** u64 values, each as two big-endian cells (high, low). */
export function u64(...values: (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const n = BigInt(v);
    if (n < 0n || n > 0xffffffffffffffffn) {
      throw new FdtError("FDT_BAD_VALUE", `value ${v} does not fit in 64 bits`);
    }
    dv.setBigUint64(i * 8, n);
  });
  return out;
}

/** A string, or a string list: each string followed by a NUL. */
export function str(...strings: string[]): Uint8Array {
  for (const s of strings) {
    if (s.includes("\0")) throw new FdtError("FDT_BAD_VALUE", "a string cannot contain NUL");
  }
  return utf8.encode(strings.map((s) => `${s}\0`).join(""));
}

/** A boolean property: present and empty. */
export function empty(): Uint8Array {
  return new Uint8Array(0);
}

/** Raw bytes, copied. */
export function bytes(values: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(values);
}

function view(v: Uint8Array): DataView {
  return new DataView(v.buffer, v.byteOffset, v.byteLength);
}

export function asU32(v: Uint8Array): number {
  if (v.length !== 4) throw new FdtError("FDT_BAD_VALUE", `expected 4 bytes, got ${v.length}`);
  return view(v).getUint32(0);
}

export function asU32s(v: Uint8Array): number[] {
  if (v.length % 4 !== 0) {
    throw new FdtError("FDT_BAD_VALUE", `expected a multiple of 4 bytes, got ${v.length}`);
  }
  const dv = view(v);
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

export function asU64(v: Uint8Array): bigint {
  if (v.length !== 8) throw new FdtError("FDT_BAD_VALUE", `expected 8 bytes, got ${v.length}`);
  return view(v).getBigUint64(0);
}

export function asStrings(v: Uint8Array): string[] {
  if (v.length === 0 || v[v.length - 1] !== 0) {
    throw new FdtError("FDT_BAD_VALUE", "a string value must end with NUL");
  }
  return new TextDecoder().decode(v.subarray(0, v.length - 1)).split("\0");
}

export function asString(v: Uint8Array): string {
  const all = asStrings(v);
  if (all.length !== 1) {
    throw new FdtError("FDT_BAD_VALUE", `expected one string, got a list of ${all.length}`);
  }
  return all[0]!;
}

/** A phandle: one non-zero cell that is not 0xffffffff. */
export function asPhandle(v: Uint8Array): number {
  const p = asU32(v);
  if (p === 0 || p === 0xffffffff) throw new FdtError("FDT_BAD_VALUE", `invalid phandle ${p}`);
  return p;
}
