/**
 * Builds the contexts a plugin's `check` and `build` get for one device: the codecs and the
 * shared helpers, for `build` bound to the plan's guest nodes and with its planned regions
 * and IRQs.
 */
import { asString, asStrings, asU32, asU32s, cells, empty, str, u64 } from "../fdt/values.js";
import type { HostDevice } from "../host/device.js";
import type {
  BuildContext,
  CheckContext,
  HostTree,
  PlannedIrq,
  PlannedRegion,
  ValueCodecs,
} from "./api.js";
import { isFixedClockNode } from "./copy.js";
import type { GuestNodes } from "./guest-nodes.js";
import { ownMdioPhy } from "./mdio.js";

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

export function checkContext(host: HostDevice, hostTree: HostTree): CheckContext {
  return {
    host,
    hostTree,
    values: valueCodecs,
    isFixedClock: (hostPhandle) => isFixedClockNode(hostTree.nodeByPhandle(hostPhandle)),
  };
}

export interface ContextInput<Options> {
  nodes: GuestNodes;
  host: HostDevice;
  hostTree: HostTree;
  regions: readonly PlannedRegion[];
  irqs: readonly PlannedIrq[];
  options: Options;
  /** The plan's answer for ctx.assignedProvider (src/plan/providers.ts). */
  assignedProvider: BuildContext["assignedProvider"];
  warn(message: string, property?: string): void;
  finding(property: string, message: string): void;
}

export function buildContext<Options>(input: ContextInput<Options>): BuildContext<Options> {
  const { nodes, host, hostTree } = input;
  return {
    ...checkContext(host, hostTree),
    regions: input.regions,
    irqs: input.irqs,
    options: input.options,
    fixedClock: (hostPhandle) =>
      nodes.fixedClock(hostTree, hostPhandle, host.name, (m) => input.warn(m)),
    standInClock: (rate, name, from) =>
      nodes.standInClock(rate, name, host.name, (m) => input.warn(m, "clocks"), from),
    standInRegulator: (supply) => {
      const value = host.properties.get(supply);
      return value?.length === 4
        ? nodes.standInRegulator(hostTree, asU32(value), supply, (m) => input.warn(m, supply))
        : { reason: `'${supply}' is not one regulator phandle` };
    },
    standInNopPhy: (property) => nodes.standInNopPhy(property, (m) => input.warn(m, property)),
    ownMdioPhy: () => ownMdioPhy(host, hostTree, (m) => input.warn(m, "phy-handle")),
    assignedProvider: input.assignedProvider,
    warn: input.warn,
    finding: input.finding,
  };
}
