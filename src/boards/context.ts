/**
 * Builds the context a plugin's `build` gets for one device: its planned regions and IRQs,
 * the codecs, and helpers bound to the plan's guest tree.
 */
import { InputError } from "../errors.js";
import type { FdtNode } from "../fdt/tree.js";
import { asString, asStrings, asU32, asU32s, cells, empty, str, u64 } from "../fdt/values.js";
import type { HostDevice } from "../host/device.js";
import { GIC_SPI, IRQ_TYPE_EDGE_RISING, IRQ_TYPE_LEVEL_HIGH } from "../machvirt/layout.js";
import type { BuildContext, HostTree, PlannedIrq, PlannedRegion, ValueCodecs } from "./api.js";
import { copyProperties, fixedClockCopy, isFixedClockNode } from "./copy.js";
import type { GuestTree } from "./guest-tree.js";

export const valueCodecs: ValueCodecs = {
  cells,
  u64,
  str,
  empty,
  asU32,
  asU32s,
  asString,
  asStrings,
};

/** The GIC flags cell QEMU writes for a trigger: 4 (level-high) or 1 (edge-rising). */
export function triggerFlags(irq: PlannedIrq): number {
  return irq.trigger === "level" ? IRQ_TYPE_LEVEL_HIGH : IRQ_TYPE_EDGE_RISING;
}

export interface ContextInput<Options> {
  tree: GuestTree;
  host: HostDevice;
  hostTree: HostTree;
  regions: readonly PlannedRegion[];
  irqs: readonly PlannedIrq[];
  options: Options;
  warn(message: string, property?: string): void;
}

export function buildContext<Options>(input: ContextInput<Options>): BuildContext<Options> {
  const { tree, host, hostTree, regions, irqs } = input;
  const addNode = (parent: FdtNode, name: string): FdtNode => {
    if (parent.child(name)) {
      throw new InputError(
        "BOARD_NODE_EXISTS",
        `the guest tree already has ${parent.path === "/" ? "" : parent.path}/${name}`,
        {
          where: host.name,
          hint: "Two devices asked for the same node; give one of them another name through its plugin.",
        },
      );
    }
    return parent.addChild(name);
  };
  return {
    host,
    hostTree,
    regions,
    irqs,
    options: input.options,
    values: valueCodecs,
    addDeviceNode: (name) => addNode(tree.bus, name),
    addRootNode: (name) => addNode(tree.fdt.root, name),
    allocatePhandle: () => tree.allocatePhandle(),
    copyProperties: (node, list) => copyProperties(host.properties, node, list, host.dtPath),
    fixedClockCopy: (hostPhandle) =>
      fixedClockCopy(tree, hostTree, hostPhandle, host.name, (m) => input.warn(m)),
    isFixedClock: (hostPhandle) =>
      tree.clockCopies.has(hostPhandle) || isFixedClockNode(hostTree.nodeByPhandle(hostPhandle)),
    reg: () => cells(...regions.flatMap((r) => [r.busOffset, r.size])),
    interrupts: (flags = triggerFlags) =>
      cells(...irqs.flatMap((irq) => [GIC_SPI, irq.spi, flags(irq)])),
    warn: input.warn,
  };
}
