/**
 * Seeded, time-bounded fuzzing of the reader: at least 100,000 mutated blobs, and the only
 * thing readDtb may throw is FdtError. Every blob it accepts must also write, read back and
 * print, so the rest of the codec copes with whatever the reader lets through.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  cells,
  Fdt,
  FdtError,
  FdtNode,
  printDts,
  readDtb,
  str,
  u64,
  writeDtb,
} from "../../../src/fdt/index.js";
import { fixture } from "./assemble.js";

const SEED = 0x5eed_fd7;
const MIN_BLOBS = 100_000;
const TIME_BUDGET_MS = 45_000;

/** mulberry32: small, fast, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tree with a bit of everything: buses, string lists, u64s, phandles, a reservation. */
function syntheticSeed(): Uint8Array {
  const root = new FdtNode("");
  root.setProperty("#address-cells", cells(2)).setProperty("#size-cells", cells(2));
  root.setProperty("compatible", str("fuzz,board", "fuzz,generic"));
  const soc = root.addChild("soc");
  soc.setProperty("ranges", new Uint8Array());
  for (let i = 0; i < 12; i++) {
    const n = soc.addChild(`dev@${(0x1000 * i).toString(16)}`);
    n.setProperty("reg", u64(0x1000 * i, 0x100));
    n.setProperty("interrupts", cells(0, i, 4));
    n.setProperty("phandle", cells(i + 1));
    n.addChild("port").setProperty("label", str(`port${i}`));
  }
  return writeDtb(new Fdt(root, [{ address: 0x8000_0000n, size: 0x10_0000n }], 0));
}

/** Nested empty nodes, `depth` deep, optionally closed again. */
function depthBomb(depth: number, closed: boolean): Uint8Array {
  const words = [1, 0];
  for (let i = 0; i < depth; i++) words.push(1, 0x6e000000);
  if (closed) for (let i = 0; i <= depth; i++) words.push(2);
  words.push(9);
  const structOff = 56;
  const out = new Uint8Array(structOff + words.length * 4);
  const dv = new DataView(out.buffer);
  const header = [
    0xd00dfeed,
    out.length,
    structOff,
    out.length,
    40,
    17,
    16,
    0,
    0,
    words.length * 4,
  ];
  header.forEach((w, i) => {
    dv.setUint32(i * 4, w);
  });
  words.forEach((w, i) => {
    dv.setUint32(structOff + i * 4, w);
  });
  return out;
}

type Mutator = (b: Uint8Array, r: () => number) => Uint8Array;

const int = (r: () => number, n: number) => Math.floor(r() * n);
const word = (r: () => number) => int(r, 0x1_0000_0000);
const INTERESTING = [0, 1, 3, 4, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

function setWord(b: Uint8Array, off: number, v: number): Uint8Array {
  if (off + 4 <= b.length) new DataView(b.buffer, b.byteOffset).setUint32(off, v >>> 0);
  return b;
}

function structWordOffsets(b: Uint8Array, token: number): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let off = 40; off + 4 <= b.length; off += 4) if (dv.getUint32(off) === token) out.push(off);
  return out;
}

const mutators: Record<string, Mutator> = {
  bitFlips: (b, r) => {
    for (let i = 1 + int(r, 8); i > 0; i--) {
      const at = int(r, b.length);
      b[at]! ^= 1 << int(r, 8);
    }
    return b;
  },
  randomBytes: (b, r) => {
    for (let i = 1 + int(r, 4); i > 0; i--) b[int(r, b.length)] = int(r, 256);
    return b;
  },
  truncate: (b, r) => b.slice(0, int(r, b.length)),
  headerField: (b, r) => {
    const field = int(r, 10) * 4;
    const choice = int(r, 3);
    const v =
      choice === 0
        ? INTERESTING[int(r, INTERESTING.length)]!
        : choice === 1
          ? word(r)
          : int(r, b.length + 64);
    return setWord(b, field, v);
  },
  totalsize4GiB: (b) => setWord(b, 4, 0xffffffff),
  offsetAnywhere: (b, r) => setWord(b, [8, 12, 16][int(r, 3)]!, int(r, b.length)),
  stringOffsetOob: (b, r) => {
    const props = structWordOffsets(b, 3);
    if (props.length === 0) return b;
    const at = props[int(r, props.length)]! + 8;
    return setWord(b, at, r() < 0.5 ? word(r) : int(r, 64));
  },
  propLength: (b, r) => {
    const props = structWordOffsets(b, 3);
    if (props.length === 0) return b;
    const at = props[int(r, props.length)]! + 4;
    return setWord(b, at, r() < 0.5 ? INTERESTING[int(r, INTERESTING.length)]! : int(r, b.length));
  },
  tokenSoup: (b, r) => {
    for (let i = 1 + int(r, 3); i > 0; i--) {
      const off = 40 + 4 * int(r, Math.max(1, (b.length - 40) >> 2));
      setWord(b, off, r() < 0.8 ? [1, 2, 3, 4, 9][int(r, 5)]! : word(r));
    }
    return b;
  },
  splice: (b, r) => {
    const len = int(r, 64);
    const from = int(r, b.length);
    const to = int(r, b.length);
    b.copyWithin(to, from, from + len);
    return b;
  },
  insert: (b, r) => {
    const at = int(r, b.length);
    const extra = Uint8Array.from({ length: 4 * int(r, 8) }, () => int(r, 256));
    const out = new Uint8Array(b.length + extra.length);
    out.set(b.subarray(0, at));
    out.set(extra, at);
    out.set(b.subarray(at), at + extra.length);
    return out;
  },
  depthBomb: (_b, r) => depthBomb(1 + int(r, 4000), r() < 0.5),
};
const mutatorNames = Object.keys(mutators);

describe("readDtb under fuzzing", () => {
  it(`throws nothing but FdtError on ${MIN_BLOBS} mutated blobs (seed ${SEED})`, () => {
    const seeds = [
      ...["minimal.dtb", "lookup.dtb", "values.dtb"].map(
        (f) => new Uint8Array(readFileSync(fixture(f))),
      ),
      syntheticSeed(),
    ];
    const r = prng(SEED);
    const started = performance.now();
    const crashes: string[] = [];
    const codes = new Map<string, number>();
    let accepted = 0;
    let slowest = 0;
    let n = 0;
    for (; n < MIN_BLOBS && performance.now() - started < TIME_BUDGET_MS; n++) {
      let blob: Uint8Array = seeds[int(r, seeds.length)]!.slice();
      const applied: string[] = [];
      for (let k = 1 + int(r, 3); k > 0; k--) {
        const name = mutatorNames[int(r, mutatorNames.length)]!;
        applied.push(name);
        blob = mutators[name]!(blob, r);
      }
      const t0 = performance.now();
      try {
        const fdt = readDtb(blob);
        const again = readDtb(writeDtb(fdt));
        expect(printDts(again)).toBe(printDts(fdt));
        accepted++;
      } catch (e) {
        if (e instanceof FdtError) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
        else crashes.push(`blob ${n} [${applied.join(", ")}]: ${(e as Error)?.stack ?? e}`);
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    expect(crashes.slice(0, 5)).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(MIN_BLOBS);
    // A hang would show as one blob taking seconds; each here is bounded by its size.
    expect(slowest).toBeLessThan(2_000);
    // The mutators reach deep into the reader: most rules get broken at least once.
    expect(codes.size).toBeGreaterThanOrEqual(12);
    expect(accepted).toBeGreaterThan(0);
  });
});
