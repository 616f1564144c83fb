/**
 * Builds the context a plugin's `build` gets for one device: its planned regions and IRQs,
 * the codecs, and the shared helpers bound to the plan's guest nodes.
 */
import { asString, asStrings, asU32, asU32s, cells, empty, str, u64 } from "../fdt/values.js";
import type { HostDevice } from "../host/device.js";
import type { BuildContext, HostTree, PlannedIrq, PlannedRegion, ValueCodecs } from "./api.js";
import { copyProperties, isFixedClockNode } from "./copy.js";
import type { GuestNodes } from "./guest-nodes.js";

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

export interface ContextInput<Options> {
  nodes: GuestNodes;
  host: HostDevice;
  hostTree: HostTree;
  regions: readonly PlannedRegion[];
  irqs: readonly PlannedIrq[];
  options: Options;
  warn(message: string, property?: string): void;
}

export function buildContext<Options>(input: ContextInput<Options>): BuildContext<Options> {
  const { nodes, host, hostTree } = input;
  return {
    host,
    hostTree,
    regions: input.regions,
    irqs: input.irqs,
    options: input.options,
    values: valueCodecs,
    copy: (list) => copyProperties(host.properties, list, host.dtPath),
    fixedClock: (hostPhandle) =>
      nodes.fixedClock(hostTree, hostPhandle, host.name, (m) => input.warn(m)),
    isFixedClock: (hostPhandle) => isFixedClockNode(hostTree.nodeByPhandle(hostPhandle)),
    warn: input.warn,
  };
}
