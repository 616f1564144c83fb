/**
 * The offline host: the same HostModel built from a board DTB, for planning on a machine
 * that is not the board. Device names, regions and IRQs come from the DT as the kernel
 * would derive them; drivers, groups and modules are unknown.
 */
import type { Fdt } from "../fdt/tree.js";
import type { HostDevice } from "./device.js";
import { compatibleOf } from "./dtprops.js";
import type { HostModel } from "./model.js";
import { kernelDeviceName } from "./naming.js";
import { populatedNodes } from "./populate.js";
import { deviceReadiness, offlineHostReadiness } from "./readiness.js";
import { irqsFromDt, regionsFromDt } from "./resources.js";

export function devicesFromDtb(fdt: Fdt): HostDevice[] {
  return populatedNodes(fdt.root).map(({ node, bus }) => ({
    name: kernelDeviceName(node),
    bus,
    dtPath: node.path,
    compatible: compatibleOf(node),
    properties: node.properties,
    driver: undefined,
    driverOverride: undefined,
    iommuGroup: undefined,
    groupPeers: [],
    regions: regionsFromDt(node),
    irqs: irqsFromDt(node),
    source: "device-tree",
  }));
}

export function hostFromDtb(fdt: Fdt, origin = "(dtb)"): HostModel {
  const devices = devicesFromDtb(fdt);
  const host = offlineHostReadiness(fdt);
  const readiness: HostModel["readiness"] = {};
  for (const d of devices) readiness[d.name] = deviceReadiness(d, host, undefined);
  return { source: "dtb", origin, devices, readiness, host };
}
