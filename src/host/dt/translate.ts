/**
 * Bus address → CPU physical address, with the semantics of Linux 6.1's
 * of_translate_address (drivers/of/address.c): cell counts inherited from ancestors,
 * PCI / ISA / 3-cell "flags" / default bus translators, `ranges` walked one level at a
 * time, a missing `ranges` ending translation and an empty one meaning 1:1. Written from
 * the kernel's behaviour so that offline device names and regions match a real boot.
 */
import { type FdtNode, perNode } from "../../fdt/tree.js";
import { cellAt, cellsOf, propStrings, propU32 } from "./dtprops.js";

const MAX_ADDR_CELLS = 4;
const ROOT_ADDR_CELLS_DEFAULT = 1;
const ROOT_SIZE_CELLS_DEFAULT = 1;
const U64 = (1n << 64n) - 1n;

type BusKind = "pci" | "isa" | "default-flags" | "default";

/** of_bus_n_addr_cells: the first #address-cells found from `node` up to the root. */
function inheritedCells(node: FdtNode | undefined, prop: string, fallback: number): number {
  for (let n = node; n; n = n.parent) {
    const v = propU32(n, prop);
    if (v !== undefined) return v;
  }
  return fallback;
}

interface BusCells {
  na: number;
  ns: number;
}

/** of_n_addr_cells / of_n_size_cells of a bus node, cached: every child and grandchild asks. */
const cellsOfBus = perNode(
  (bus): BusCells => ({
    na: inheritedCells(bus, "#address-cells", ROOT_ADDR_CELLS_DEFAULT),
    ns: inheritedCells(bus, "#size-cells", ROOT_SIZE_CELLS_DEFAULT),
  }),
);

function isPciBus(node: FdtNode): boolean {
  const type = node.hasProperty("device_type") ? propStrings(node, "device_type")[0] : undefined;
  return ["pci", "pciex", "vci", "ht"].includes(type ?? "") || node.baseName === "pcie";
}

/** of_match_bus: which translator a bus node uses for its children. */
const busKind = perNode((bus): BusKind => {
  if (isPciBus(bus)) return "pci";
  if (bus.baseName === "isa") return "isa";
  if (cellsOfBus(bus).na === 3) return "default-flags";
  return "default";
});

/** The cells of addresses on `bus`, whose translator is `kind` (of_bus count_cells). */
function cellsFor(kind: BusKind, bus: FdtNode): BusCells {
  if (kind === "pci") return { na: 3, ns: 2 };
  if (kind === "isa") return { na: 2, ns: 1 };
  return cellsOfBus(bus);
}

function flagCells(kind: BusKind): number {
  return kind === "default" ? 0 : 1;
}

/** of_read_number: cells joined big-endian, keeping the low 64 bits as a u64 does. */
function readNumber(words: ArrayLike<number>, start: number, count: number): bigint {
  let r = 0n;
  for (let i = 0; i < count; i++) r = ((r << 32n) | BigInt(words[start + i] ?? 0)) & U64;
  return r;
}

function pciSpace(word: number): "io" | "mem" | "none" {
  const space = (word >>> 24) & 3;
  return space === 1 ? "io" : space === 0 ? "none" : "mem";
}

/**
 * The part of an address the bus's `map` compares before the range check: a `ranges` entry
 * can only match an address with the same key (PCI space, ISA I/O bit, or flags cell).
 */
function matchKey(kind: BusKind, firstCell: number): string {
  if (kind === "pci") return pciSpace(firstCell);
  if (kind === "isa") return String(firstCell & 1);
  if (kind === "default-flags") return String(firstCell);
  return "";
}

/** The bus's `translate`: add the offset into the parent address, keeping any flags cell. */
function addOffset(kind: BusKind, addr: number[], offset: bigint, na: number): void {
  const skip = flagCells(kind);
  const n = na - skip;
  const a = (readNumber(addr, skip, n) + offset) & U64;
  for (let i = skip; i < na; i++) addr[i] = 0;
  if (n > 1) addr[skip + n - 2] = Number((a >> 32n) & 0xffffffffn);
  addr[skip + n - 1] = Number(a & 0xffffffffn);
}

interface Crossing {
  kind: BusKind;
  parentKind: BusKind;
  na: number;
  ns: number;
  pna: number;
  pns: number;
  /** undefined: no `ranges` (translation ends); "identity": an empty one (1:1). */
  ranges: RangeIndex | "identity" | undefined;
}

/** How addresses cross the bus node `bus` into its parent's space; undefined at the root. */
const crossingOf = perNode((bus): Crossing | undefined => {
  const parent = bus.parent;
  if (!parent) return undefined;
  const kind = busKind(bus);
  const parentKind = busKind(parent);
  const { na, ns } = cellsFor(kind, bus);
  const { na: pna, ns: pns } = cellsFor(parentKind, parent);
  const v = bus.property("ranges");
  const ranges =
    v === undefined
      ? undefined
      : v.length === 0
        ? ("identity" as const)
        : validCounts(na, ns) && validCounts(pna, pns)
          ? new RangeIndex(v, kind, na, ns, pna)
          : undefined;
  return { kind, parentKind, na, ns, pna, pns, ranges };
});

function validCounts(na: number, ns: number): boolean {
  return na > 0 && na <= MAX_ADDR_CELLS && ns > 0;
}

/**
 * One bus's `ranges`, decoded once: per match key, the child address space cut into disjoint
 * segments, each labelled with the first entry (in `ranges` order) that covers it — what the
 * kernel's linear scan finds, found by binary search. Built with a sweep over the entries'
 * boundaries and a heap of the entries open at each, so n entries cost O(n log n) once.
 */
class RangeIndex {
  readonly #groups = new Map<
    string,
    { starts: BigUint64Array; ends: BigUint64Array; entry: Int32Array }
  >();
  readonly #cells: number[];
  readonly #stride: number;

  constructor(
    ranges: Uint8Array,
    readonly kind: BusKind,
    readonly na: number,
    readonly ns: number,
    readonly pna: number,
  ) {
    this.#cells = cellsOf(ranges);
    this.#stride = na + pna + ns;
    const byKey = new Map<string, number[]>();
    for (let e = 0; (e + 1) * this.#stride <= this.#cells.length; e++) {
      const key = matchKey(kind, this.#cells[e * this.#stride]!);
      const list = byKey.get(key);
      if (list) list.push(e);
      else byKey.set(key, [e]);
    }
    for (const [key, entries] of byKey) this.#groups.set(key, this.#segments(entries));
  }

  childBase(e: number): bigint {
    const skip = flagCells(this.kind);
    return readNumber(this.#cells, e * this.#stride + skip, this.na - skip);
  }

  #end(e: number): bigint {
    const size = readNumber(this.#cells, e * this.#stride + this.na + this.pna, this.ns);
    return (this.childBase(e) + size) & U64;
  }

  #segments(entries: number[]) {
    const live = entries.filter((e) => this.#end(e) > this.childBase(e));
    const starts = live.map((e) => this.childBase(e));
    const ends = live.map((e) => this.#end(e));
    const points = [...new Set([...starts, ...ends])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const order = live.map((_, i) => i).sort((a, b) => (starts[a]! < starts[b]! ? -1 : 1));
    const heap = new EntryHeap(live);
    const segStarts: bigint[] = [];
    const segEnds: bigint[] = [];
    const segEntry: number[] = [];
    let next = 0;
    for (let p = 0; p + 1 < points.length; p++) {
      const at = points[p]!;
      while (next < order.length && starts[order[next]!]! <= at) heap.push(order[next++]!);
      while (heap.size > 0 && ends[heap.top()]! <= at) heap.pop();
      if (heap.size === 0) continue;
      const e = live[heap.top()]!;
      const last = segEntry.length - 1;
      if (last >= 0 && segEntry[last] === e && segEnds[last] === at) segEnds[last] = points[p + 1]!;
      else {
        segStarts.push(at);
        segEnds.push(points[p + 1]!);
        segEntry.push(e);
      }
    }
    return {
      starts: BigUint64Array.from(segStarts),
      ends: BigUint64Array.from(segEnds),
      entry: Int32Array.from(segEntry),
    };
  }

  /** The first entry mapping `da` among those with this key, or undefined. */
  find(key: string, da: bigint): number | undefined {
    const g = this.#groups.get(key);
    if (!g) return undefined;
    let lo = 0;
    let hi = g.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (g.starts[mid]! <= da) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && da < g.ends[lo - 1]! ? g.entry[lo - 1] : undefined;
  }

  /** The parent-bus address cells of entry `e`, written into addr[0..pna). */
  parentAddress(e: number, addr: number[]): void {
    for (let i = 0; i < this.pna; i++) addr[i] = this.#cells[e * this.#stride + this.na + i]!;
  }
}

/** A min-heap of entry positions: the open entry that comes first in `ranges` is on top. */
class EntryHeap {
  readonly #items: number[] = [];
  constructor(readonly rank: number[]) {}

  get size(): number {
    return this.#items.length;
  }

  top(): number {
    return this.#items[0]!;
  }

  push(i: number): void {
    const h = this.#items;
    h.push(i);
    for (let c = h.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (this.rank[h[p]!]! <= this.rank[h[c]!]!) break;
      [h[p], h[c]] = [h[c]!, h[p]!];
      c = p;
    }
  }

  pop(): void {
    const h = this.#items;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let p = 0; ; ) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < h.length && this.rank[h[l]!]! < this.rank[h[m]!]!) m = l;
      if (r < h.length && this.rank[h[r]!]! < this.rank[h[m]!]!) m = r;
      if (m === p) return;
      [h[p], h[m]] = [h[m]!, h[p]!];
      p = m;
    }
  }
}

/** of_translate_one: cross the bus node `bus` into its parent's address space. */
function crossBus(c: Crossing, addr: number[]): boolean {
  const { kind, parentKind, na, pna, ranges } = c;
  if (ranges === undefined) return false;
  let offset: bigint;
  if (ranges === "identity") {
    offset = readNumber(addr, 0, na);
    for (let i = flagCells(parentKind); i < pna; i++) addr[i] = 0;
  } else {
    const skip = flagCells(kind);
    const da = readNumber(addr, skip, na - skip);
    const e = ranges.find(matchKey(kind, addr[0]!), da);
    if (e === undefined) return false;
    offset = da - ranges.childBase(e);
    ranges.parentAddress(e, addr);
  }
  addOffset(parentKind, addr, offset, pna);
  return true;
}

/**
 * The CPU physical address of a bus address on the node's parent bus, read cell by cell with
 * `cell` (so a `reg` entry is read in place), or undefined where the kernel's OF_BAD_ADDR
 * would stop it: no parent, bad cell counts, a bus without `ranges`, or an address outside
 * every range.
 */
function translateCells(
  node: FdtNode,
  cell: (i: number) => number | undefined,
): bigint | undefined {
  const parent = node.parent;
  if (!parent) return undefined;
  let { na, ns } = cellsFor(busKind(parent), parent);
  if (!validCounts(na, ns)) return undefined;
  const addr: number[] = [];
  for (let i = 0; i < na; i++) {
    const c = cell(i);
    if (c === undefined) return undefined;
    addr.push(c);
  }
  for (let bus = parent; ; bus = bus.parent!) {
    const c = crossingOf(bus);
    if (!c) return readNumber(addr, 0, na);
    if (!validCounts(c.pna, c.pns)) return undefined;
    if (!crossBus(c, addr)) return undefined;
    na = c.pna;
    ns = c.pns;
  }
}

/** The CPU physical address of `address` (the node's own cells, as in one `reg` entry). */
export function translateAddress(node: FdtNode, address: number[]): bigint | undefined {
  return translateCells(node, (i) => address[i]);
}

export interface TranslatedReg {
  /** CPU physical address. */
  address: bigint;
  size: bigint;
}

/**
 * The node's `reg` entries translated to CPU addresses, stopping at the first entry that
 * does not translate (as of_device_alloc counts resources with of_address_to_resource).
 */
export function translatedReg(node: FdtNode): TranslatedReg[] {
  const reg = node.property("reg");
  if (!reg || !node.parent) return [];
  const { na, ns } = cellsFor(busKind(node.parent), node.parent);
  if (!validCounts(na, ns)) return [];
  const out: TranslatedReg[] = [];
  for (let at = 0; (at + na + ns) * 4 <= reg.length; at += na + ns) {
    const address = translateCells(node, (i) => cellAt(reg, at + i));
    if (address === undefined) break;
    let size = 0n;
    for (let i = 0; i < ns; i++) size = ((size << 32n) | BigInt(cellAt(reg, at + na + i)!)) & U64;
    out.push({ address, size });
  }
  return out;
}

/** The translated address of the first `reg` entry, as of_device_make_bus_id uses it. */
export function firstRegAddress(node: FdtNode): bigint | undefined {
  const reg = node.property("reg");
  if (!reg) return undefined;
  return translateCells(node, (i) => cellAt(reg, i));
}
