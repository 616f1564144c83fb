/**
 * The VFIO regions and IRQs a device would report, derived from its host DT node: one
 * region per translatable `reg` entry (mmap-able when address and size are page-aligned,
 * as vfio-platform decides), one IRQ per interrupt specifier (automasked when the trigger
 * type is level, as vfio-platform flags it).
 */
import type { FdtNode } from "../fdt/tree.js";
import type { IrqTrigger, VfioIrq, VfioRegion } from "../vfio/types.js";
import { byPhandle, cellsOf, propU32, rootOf } from "./dtprops.js";
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
  /** The raw specifier cells, as the host DT states them. */
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

/** of_irq_find_parent: `interrupt-parent` on the node or an ancestor, up to a node with #interrupt-cells. */
function interruptParent(node: FdtNode): FdtNode | undefined {
  // A hand-made DT can chain interrupt-parent in a circle; the kernel trusts its DT, we stop.
  const seen = new Set<FdtNode>();
  let n: FdtNode | undefined = node;
  do {
    if (seen.has(n)) return undefined;
    seen.add(n);
    const ph = propU32(n, "interrupt-parent");
    n = ph === undefined ? n.parent : byPhandle(rootOf(node), ph);
  } while (n && !n.hasProperty("#interrupt-cells"));
  return n;
}

interface Specifier {
  cells: number[];
}

function specifiers(node: FdtNode): Specifier[] {
  const extended = node.property("interrupts-extended");
  const out: Specifier[] = [];
  if (extended) {
    const words = cellsOf(extended);
    for (let at = 0; at < words.length; ) {
      const parent = byPhandle(rootOf(node), words[at]!);
      const n = parent ? propU32(parent, "#interrupt-cells") : undefined;
      if (n === undefined) break;
      out.push({ cells: words.slice(at + 1, at + 1 + n) });
      at += 1 + n;
    }
    return out;
  }
  const irqs = node.property("interrupts");
  const parent = irqs ? interruptParent(node) : undefined;
  const n = parent ? propU32(parent, "#interrupt-cells") : undefined;
  if (!irqs || !n) return out;
  const words = cellsOf(irqs);
  for (let at = 0; at + n <= words.length; at += n) out.push({ cells: words.slice(at, at + n) });
  return out;
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

export function irqsFromDt(node: FdtNode): DtIrq[] {
  return specifiers(node).map(({ cells }, index) => {
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
}
