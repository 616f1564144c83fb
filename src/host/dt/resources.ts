/**
 * The VFIO regions and IRQs a device would report, derived from its host DT node: one
 * region per translatable `reg` entry (mmap-able when address and size are page-aligned,
 * as vfio-platform decides), one IRQ per interrupt specifier (automasked when the trigger
 * type is level, as vfio-platform flags it).
 */
import { type FdtNode, perNode } from "../../fdt/tree.js";
import { hex } from "../../text.js";
import type { IrqTrigger, VfioIrq, VfioRegion } from "../../vfio/types.js";
import { byPhandle, cellAt, isAvailable, propU32 } from "./dtprops.js";
import { translatedReg } from "./translate.js";

/** arm64 Debian kernels use 4 KiB pages. */
const PAGE_SIZE = 4096n;
/** IRQ_TYPE_* bits of a trigger-type cell (include/dt-bindings/interrupt-controller/irq.h). */
const IRQ_TYPE_LEVEL_MASK = 0xc;

export interface DtRegion extends VfioRegion {
  /** CPU physical address, from `reg` translated through the parents' `ranges`. */
  address: bigint;
}

export interface DtIrq extends VfioIrq {
  trigger: IrqTrigger;
  /** The specifier cells as its interrupt controller receives them (after any interrupt-map). */
  specifier: number[];
}

export function regionsFromDt(node: FdtNode): DtRegion[] {
  return translatedReg(node).map(({ address, size }, index) => ({
    index,
    size: Number(size),
    offset: BigInt(index) << 40n,
    readable: true,
    writable: true,
    mmap: address % PAGE_SIZE === 0n && size % PAGE_SIZE === 0n,
    address,
  }));
}

/** Hops an interrupt may take through nexus nodes and parents; real trees take one or two. */
const MAX_IRQ_HOPS = 64;
/** MAX_PHANDLE_ARGS: the most cells a specifier (or unit address plus specifier) may have. */
const MAX_SPECIFIER_CELLS = 16;

interface Resolved {
  controller: FdtNode;
  cells: number[];
}

/** One parsed `interrupt-map` entry: its parent and where the parent's cells start. */
interface MapEntry {
  parent: FdtNode;
  at: number;
  addressCells: number;
  interruptCells: number;
}

/**
 * A nexus's `interrupt-map`, parsed once for one (#address-cells, #interrupt-cells) width:
 * the first available entry per masked child specifier, as the kernel's linear scan finds it.
 * An entry the kernel cannot parse ends the scan there: later entries are never reached.
 */
class InterruptMap {
  readonly #first = new Map<string, number>();
  readonly entries: MapEntry[] = [];
  readonly cells: Uint8Array;
  readonly #mask: Uint8Array | undefined;
  /** Why the scan stops before the end of the map, when it does. */
  failure: string | undefined;

  constructor(
    readonly nexus: FdtNode,
    readonly width: number,
  ) {
    this.cells = nexus.property("interrupt-map")!;
    this.#mask = nexus.property("interrupt-map-mask");
    const total = this.cells.length >> 2;
    for (let pos = 0; total - pos > width + 1; ) {
      const key = this.key((i) => cellAt(this.cells, pos + i)!);
      const ph = cellAt(this.cells, pos + width)!;
      pos += width + 1;
      const parent = byPhandle(nexus, ph);
      const entry = this.entries.length;
      if (!parent) {
        this.failure = `interrupt-map entry ${entry} names phandle 0x${ph.toString(16)}, which no node has`;
        return;
      }
      const interruptCells = propU32(parent, "#interrupt-cells");
      if (interruptCells === undefined) {
        this.failure = `interrupt-map entry ${entry} names ${parent.path}, which has no #interrupt-cells`;
        return;
      }
      const addressCells = propU32(parent, "#address-cells") ?? 0;
      const cells = addressCells + interruptCells;
      if (cells > MAX_SPECIFIER_CELLS || total - pos < cells) {
        this.failure = `interrupt-map entry ${entry} is malformed (${cells} parent cells)`;
        return;
      }
      this.entries.push({ parent, at: pos, addressCells, interruptCells });
      if (isAvailable(parent) && !this.#first.has(key)) this.#first.set(key, entry);
      pos += cells;
    }
  }

  /** The child specifier under interrupt-map-mask (a missing mask cell compares every bit). */
  key(cell: (i: number) => number): string {
    let key = "";
    for (let i = 0; i < this.width; i++) {
      const mask = this.#mask ? (cellAt(this.#mask, i) ?? 0xffffffff) : 0xffffffff;
      key += `${(cell(i) & mask) >>> 0},`;
    }
    return key;
  }

  find(specifier: number[]): MapEntry | undefined {
    const e = this.#first.get(this.key((i) => specifier[i]!));
    return e === undefined ? undefined : this.entries[e];
  }
}

/**
 * The interrupt routing of one tree (of_irq_find_parent, of_irq_parse_raw), with what every
 * lookup learns kept for the next: the controller search per node, each parsed map. A tree
 * of n nodes then costs O(n) in total however its `interrupt-parent` chains are laid out.
 */
class InterruptTree {
  readonly #controllerFrom = new Map<FdtNode, FdtNode | null>();
  readonly #maps = new Map<FdtNode, Map<number, InterruptMap>>();

  /** of_irq_find_parent: the controller search starting at the node after `node`. */
  findParent(node: FdtNode): FdtNode | undefined {
    const s = step(node);
    return s && this.#controllerAt(s);
  }

  /**
   * The first node with #interrupt-cells from `start` on, following `interrupt-parent` (else
   * the parent). Every node on the way gets the same answer, so each is walked once; a cycle,
   * which would hang the kernel, answers undefined for every node on it.
   */
  #controllerAt(start: FdtNode): FdtNode | undefined {
    const path: FdtNode[] = [];
    const onPath = new Set<FdtNode>();
    let found: FdtNode | null = null;
    for (let n: FdtNode | undefined = start; n && !onPath.has(n); n = step(n)) {
      const known = this.#controllerFrom.get(n);
      if (known !== undefined) {
        found = known;
        break;
      }
      if (n.hasProperty("#interrupt-cells")) {
        found = n;
        break;
      }
      path.push(n);
      onPath.add(n);
    }
    for (const n of path) this.#controllerFrom.set(n, found);
    return found ?? undefined;
  }

  #map(nexus: FdtNode, width: number): InterruptMap {
    const byWidth = this.#maps.get(nexus) ?? new Map<number, InterruptMap>();
    this.#maps.set(nexus, byWidth);
    const map = byWidth.get(width) ?? new InterruptMap(nexus, width);
    byWidth.set(width, map);
    return map;
  }

  /**
   * of_irq_parse_raw: from the controller a specifier is given to, through each interrupt-map
   * nexus (matching the device's unit address and the specifier, under the mask) until an
   * interrupt-controller without a map takes it. A string says why it does not get there.
   */
  resolve(device: FdtNode, start: FdtNode, specifier: number[]): Resolved | string {
    let ipar = start;
    let cells = specifier;
    let addrsize = inheritedAddressCells(ipar);
    const reg = device.property("reg");
    let match: number[] = [];
    for (let i = 0; i < addrsize && i < MAX_SPECIFIER_CELLS; i++)
      match.push(reg ? (cellAt(reg, i) ?? 0) : 0);
    for (const c of cells) match.push(c);
    if (addrsize + cells.length > MAX_SPECIFIER_CELLS) {
      return `${ipar.path} has #address-cells ${addrsize} + #interrupt-cells ${cells.length}, more than ${MAX_SPECIFIER_CELLS} cells`;
    }
    for (let hop = 0; hop < MAX_IRQ_HOPS; hop++) {
      const imap = ipar.property("interrupt-map");
      if (!imap && ipar.hasProperty("interrupt-controller")) return { controller: ipar, cells };
      if (addrsize > 0 && !reg) {
        return `routing through ${ipar.path} needs the device's unit address, and it has no reg`;
      }
      if (!imap) {
        const next = this.findParent(ipar);
        if (!next) return `${ipar.path} is no interrupt-controller and has no interrupt parent`;
        ipar = next;
        continue;
      }
      const map = this.#map(ipar, addrsize + cells.length);
      const entry = map.find(match);
      if (!entry) {
        return `${ipar.path}: ${map.failure ?? `no interrupt-map entry matches <${match.map(hex).join(" ")}>`}`;
      }
      match = [];
      for (let i = 0; i < entry.addressCells + entry.interruptCells; i++) {
        match.push(cellAt(map.cells, entry.at + i)!);
      }
      cells = match.slice(entry.addressCells);
      addrsize = entry.addressCells;
      if (entry.parent === ipar) return { controller: ipar, cells };
      ipar = entry.parent;
    }
    return `routing does not reach an interrupt controller within ${MAX_IRQ_HOPS} steps (an interrupt-map or interrupt-parent loop)`;
  }
}

/** One step of of_irq_find_parent: the `interrupt-parent` phandle's node, else the parent. */
function step(n: FdtNode): FdtNode | undefined {
  const ph = propU32(n, "interrupt-parent");
  return ph === undefined ? n.parent : byPhandle(n, ph);
}

/** of_irq_parse_raw's "old linux trick": #address-cells from the node or its nearest ancestor. */
function inheritedAddressCells(node: FdtNode): number {
  for (let n: FdtNode | undefined = node; n; n = n.parent) {
    const v = propU32(n, "#address-cells");
    if (v !== undefined) return v;
  }
  return 2;
}

const interruptTree = perNode((_root: FdtNode) => new InterruptTree());

function treeOf(node: FdtNode): InterruptTree {
  let root = node;
  while (root.parent) root = root.parent;
  return interruptTree(root);
}

/** A `interrupts-extended` or `interrupts` entry: the controller it names and its cells. */
interface Raw {
  start: FdtNode;
  cells: number[];
}

/**
 * of_irq_parse_one for index 0, 1, …: the raw specifiers in order, ending where the kernel's
 * count (of_irq_count) would end — at a property's end, or at the first entry it cannot parse,
 * which is then the returned problem.
 */
function rawSpecifiers(node: FdtNode, tree: InterruptTree): { raw: Raw[]; problem?: string } {
  const raw: Raw[] = [];
  const extended = node.property("interrupts-extended");
  if (extended) {
    const total = extended.length >> 2;
    for (let at = 0; at < total; ) {
      const ph = cellAt(extended, at)!;
      const start = ph === 0 ? undefined : byPhandle(node, ph);
      const n = start ? propU32(start, "#interrupt-cells") : undefined;
      if (!start || n === undefined || n > MAX_SPECIFIER_CELLS || at + 1 + n > total) {
        const why = !start
          ? `names phandle ${hex(ph)}, which no node has`
          : n === undefined
            ? `names ${start.path}, which has no #interrupt-cells`
            : `needs ${n} cells after ${start.path}'s phandle`;
        return { raw, problem: `interrupts-extended entry ${raw.length} ${why}` };
      }
      raw.push({ start, cells: cellsFrom(extended, at + 1, n) });
      at += 1 + n;
    }
    return { raw };
  }
  const irqs = node.property("interrupts");
  if (!irqs) return { raw };
  const start = tree.findParent(node);
  if (!start) return { raw, problem: "its interrupts have no interrupt parent (none, or a cycle)" };
  const n = propU32(start, "#interrupt-cells")!;
  if (n === 0 || n > MAX_SPECIFIER_CELLS) {
    return { raw, problem: `its interrupt parent ${start.path} has #interrupt-cells ${n}` };
  }
  for (let at = 0; (at + n) * 4 <= irqs.length; at += n)
    raw.push({ start, cells: cellsFrom(irqs, at, n) });
  return { raw };
}

function cellsFrom(v: Uint8Array, at: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(cellAt(v, at + i)!);
  return out;
}

/**
 * The device's interrupts as the controller receives them (through any interrupt-map), in
 * order, and why the list ends early when it does: vfio-platform counts IRQs the same way
 * (platform_irq_count stops at the first that does not resolve).
 */
function specifiers(node: FdtNode): { resolved: Resolved[]; problem: string | undefined } {
  const tree = treeOf(node);
  const { raw, problem } = rawSpecifiers(node, tree);
  const resolved: Resolved[] = [];
  for (const r of raw) {
    const out = tree.resolve(node, r.start, r.cells);
    if (typeof out === "string")
      return { resolved, problem: `interrupt ${resolved.length}: ${out}` };
    resolved.push(out);
  }
  return { resolved, problem: problem && `interrupt ${resolved.length}: ${problem}` };
}

/**
 * The trigger a specifier asks for. GIC-style specifiers (3 or 4 cells) carry the type in
 * the third cell, two-cell ones in the second (irq_domain_xlate_twocell); a one-cell
 * specifier has no type and so is not level.
 */
export function triggerOf(cells: number[]): IrqTrigger {
  const type = cells.length >= 3 ? cells[2]! : cells.length === 2 ? cells[1]! : 0;
  return (type & IRQ_TYPE_LEVEL_MASK) !== 0 ? "level" : "edge";
}

export interface DtInterrupts {
  irqs: DtIrq[];
  /** Why the device has fewer IRQs than its node lists, naming the node; undefined when none is lost. */
  problem: string | undefined;
}

export function interruptsFromDt(node: FdtNode): DtInterrupts {
  const { resolved, problem } = specifiers(node);
  const irqs = resolved.map(({ cells }, index) => {
    const trigger = triggerOf(cells);
    return {
      index,
      count: 1,
      eventfd: true,
      maskable: trigger === "level",
      automasked: trigger === "level",
      trigger,
      specifier: cells,
    };
  });
  return { irqs, problem: problem && `${node.path}: ${problem}` };
}

export function irqsFromDt(node: FdtNode): DtIrq[] {
  return interruptsFromDt(node).irqs;
}
