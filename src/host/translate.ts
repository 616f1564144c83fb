/**
 * Bus address → CPU physical address, with the semantics of Linux 6.1's
 * of_translate_address (drivers/of/address.c): cell counts inherited from ancestors,
 * PCI / ISA / 3-cell "flags" / default bus translators, `ranges` walked one level at a
 * time, a missing `ranges` ending translation and an empty one meaning 1:1. Written from
 * the kernel's behaviour so that offline device names and regions match a real boot.
 */
import type { FdtNode } from "../fdt/tree.js";
import { cellsOf, propStrings, propU32 } from "./dtprops.js";

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

/** of_n_addr_cells / of_n_size_cells: the cells of the bus `node` sits on. */
export function busCells(node: FdtNode): { na: number; ns: number } {
  const bus = node.parent ?? node;
  return {
    na: inheritedCells(bus, "#address-cells", ROOT_ADDR_CELLS_DEFAULT),
    ns: inheritedCells(bus, "#size-cells", ROOT_SIZE_CELLS_DEFAULT),
  };
}

function isPciBus(node: FdtNode): boolean {
  const type = node.hasProperty("device_type") ? propStrings(node, "device_type")[0] : undefined;
  return ["pci", "pciex", "vci", "ht"].includes(type ?? "") || node.baseName === "pcie";
}

/** of_match_bus: which translator a bus node uses for its children. */
function busKind(bus: FdtNode): BusKind {
  if (isPciBus(bus)) return "pci";
  if (bus.baseName === "isa") return "isa";
  if (inheritedCells(bus, "#address-cells", ROOT_ADDR_CELLS_DEFAULT) === 3) return "default-flags";
  return "default";
}

function countCells(kind: BusKind, child: FdtNode): { na: number; ns: number } {
  if (kind === "pci") return { na: 3, ns: 2 };
  if (kind === "isa") return { na: 2, ns: 1 };
  return busCells(child);
}

function flagCells(kind: BusKind): number {
  return kind === "default" ? 0 : 1;
}

/** of_read_number: cells joined big-endian, keeping the low 64 bits as a u64 does. */
function readNumber(words: number[], start: number, count: number): bigint {
  let r = 0n;
  for (let i = 0; i < count; i++) r = ((r << 32n) | BigInt(words[start + i] ?? 0)) & U64;
  return r;
}

function pciSpace(word: number): "io" | "mem" | "none" {
  const space = (word >>> 24) & 3;
  return space === 1 ? "io" : space === 0 ? "none" : "mem";
}

/** The bus's `map`: the offset of `addr` inside one `ranges` entry, or undefined. */
function mapRange(
  kind: BusKind,
  addr: number[],
  range: number[],
  na: number,
  ns: number,
  pna: number,
): bigint | undefined {
  if (kind === "pci" && pciSpace(addr[0]!) !== pciSpace(range[0]!)) return undefined;
  if (kind === "isa" && ((addr[0]! ^ range[0]!) & 1) !== 0) return undefined;
  if (kind === "default-flags" && addr[0] !== range[0]) return undefined;
  const skip = flagCells(kind);
  const childBase = readNumber(range, skip, na - skip);
  const size = readNumber(range, na + pna, ns);
  const da = readNumber(addr, skip, na - skip);
  if (da < childBase || da >= ((childBase + size) & U64)) return undefined;
  return da - childBase;
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

/** of_translate_one: cross the bus node `bus` into its parent's address space. */
function crossBus(
  bus: FdtNode,
  kind: BusKind,
  parentKind: BusKind,
  addr: number[],
  cells: { na: number; ns: number; pna: number },
): boolean {
  const { na, ns, pna } = cells;
  const ranges = bus.property("ranges");
  if (ranges === undefined) return false;
  let offset: bigint | undefined;
  if (ranges.length === 0) {
    offset = readNumber(addr, 0, na);
    for (let i = flagCells(parentKind); i < pna; i++) addr[i] = 0;
  } else {
    const words = cellsOf(ranges);
    const stride = na + pna + ns;
    for (let at = 0; at + stride <= words.length; at += stride) {
      offset = mapRange(kind, addr, words.slice(at), na, ns, pna);
      if (offset !== undefined) {
        for (let i = 0; i < pna; i++) addr[i] = words[at + na + i]!;
        break;
      }
    }
    if (offset === undefined) return false;
  }
  addOffset(parentKind, addr, offset, pna);
  return true;
}

function validCounts(na: number, ns: number): boolean {
  return na > 0 && na <= MAX_ADDR_CELLS && ns > 0;
}

/**
 * The CPU physical address of the bus address `address` (the node's own cells, as in one
 * `reg` entry), or undefined where the kernel's OF_BAD_ADDR would stop it: no parent, bad
 * cell counts, a bus without `ranges`, or an address outside every range.
 */
export function translateAddress(node: FdtNode, address: number[]): bigint | undefined {
  let parent = node.parent;
  if (!parent) return undefined;
  let kind = busKind(parent);
  let { na, ns } = countCells(kind, node);
  if (!validCounts(na, ns) || address.length < na) return undefined;
  const addr = address.slice(0, na);
  for (let dev = parent; ; dev = parent) {
    parent = dev.parent;
    if (!parent) return readNumber(addr, 0, na);
    const parentKind = busKind(parent);
    const { na: pna, ns: pns } = countCells(parentKind, dev);
    if (!validCounts(pna, pns)) return undefined;
    if (!crossBus(dev, kind, parentKind, addr, { na, ns, pna })) return undefined;
    na = pna;
    ns = pns;
    kind = parentKind;
  }
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
  const { na, ns } = countCells(busKind(node.parent), node);
  if (!validCounts(na, ns)) return [];
  const words = cellsOf(reg);
  const out: TranslatedReg[] = [];
  for (let at = 0; at + na + ns <= words.length; at += na + ns) {
    const address = translateAddress(node, words.slice(at, at + na));
    if (address === undefined) break;
    out.push({ address, size: readNumber(words, at + na, ns) });
  }
  return out;
}

/** The translated address of the first `reg` entry, as of_device_make_bus_id uses it. */
export function firstRegAddress(node: FdtNode): bigint | undefined {
  const reg = node.property("reg");
  if (!reg) return undefined;
  return translateAddress(node, cellsOf(reg));
}
