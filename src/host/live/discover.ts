/**
 * The live host: every DT-backed platform and AMBA device in sysfs as a HostDevice, with
 * its driver, override, IOMMU group, and regions/IRQs from VFIO when it is bound to vfio
 * and a probe is given, else from its host DT node.
 */
import { findNode } from "../../fdt/lookup.js";
import type { Fdt } from "../../fdt/tree.js";
import { loadAddon } from "../../vfio/load.js";
import type { VfioDeviceInfo } from "../../vfio/types.js";
import type { HostBus, HostDevice } from "../device.js";
import { compatibleOf } from "../dt/dtprops.js";
import { deviceMsi } from "../dt/msi.js";
import { irqsFromDt, regionsFromDt } from "../dt/resources.js";
import type { HostModel } from "../model.js";
import { groupPeersIn } from "../msi-isolation.js";
import { deviceReadiness } from "../readiness.js";
import { BUSES, deviceDir, readDriver, readGroup, readOverride } from "./device-sysfs.js";
import { type GroupMember, groupMembers } from "./groups.js";
import { dtPathOf, readLiveDt, type TreeReader } from "./livedt.js";
import { withPower } from "./power.js";
import { liveHostReadiness } from "./readiness.js";
import { Sysfs } from "./sysfs.js";

/** Asks VFIO about a device bound to a vfio driver; undefined when it cannot. */
export type VfioProbe = (device: HostDevice) => Promise<VfioDeviceInfo | undefined>;

export interface LiveOptions {
  sysfs?: Sysfs;
  vfioProbe?: VfioProbe;
}

/** The native addon's one-call reader of the live DT, where the addon is loaded and has one. */
function addonTreeReader(): TreeReader | undefined {
  const addon = loadAddon();
  const native = addon.ok ? addon.native : undefined;
  return native?.readTree ? (path) => native.readTree!(path) : undefined;
}

async function liveDevice(
  sysfs: Sysfs,
  dt: Fdt,
  bus: HostBus,
  name: string,
  vfioProbe: VfioProbe | undefined,
): Promise<HostDevice | undefined> {
  const ofNode = await sysfs.link(`${deviceDir(bus, name)}/of_node`);
  const dtPath = ofNode === undefined ? undefined : dtPathOf(ofNode);
  const node = dtPath === undefined ? undefined : findNode(dt, dtPath);
  if (!node || dtPath === undefined) return undefined;
  const iommuGroup = await readGroup(sysfs, bus, name);
  const peers =
    iommuGroup === undefined
      ? []
      : await sysfs.list(`/sys/kernel/iommu_groups/${iommuGroup}/devices`);
  const device: HostDevice = {
    name,
    bus,
    dtPath,
    compatible: compatibleOf(node),
    properties: node.properties,
    driver: await readDriver(sysfs, bus, name),
    driverOverride: await readOverride(sysfs, bus, name),
    iommuGroup,
    groupPeers: peers.filter((p) => p !== name),
    regions: regionsFromDt(node),
    irqs: irqsFromDt(node),
    source: "device-tree",
    msi: bus === "platform" ? deviceMsi(node) : undefined,
  };
  if (!vfioProbe || !device.driver?.startsWith("vfio")) return device;
  const info = await vfioProbe(device).catch(() => undefined);
  return info ? { ...device, regions: info.regions, irqs: info.irqs, source: "vfio" } : device;
}

/** Every DT-backed platform and AMBA device; devices without an of_node cannot be assigned. */
export async function liveDevices(
  sysfs: Sysfs,
  dt: Fdt,
  vfioProbe?: VfioProbe,
): Promise<HostDevice[]> {
  const out: HostDevice[] = [];
  for (const bus of BUSES) {
    for (const name of await sysfs.list(`/sys/bus/${bus}/devices`)) {
      const d = await liveDevice(sysfs, dt, bus, name, vfioProbe);
      if (d) out.push(d);
    }
  }
  return out;
}

/** The live host as `list` shows it, and its device tree (for plugins that follow phandles). */
export interface LiveHost {
  model: HostModel;
  tree: Fdt | undefined;
}

/** The live host, read once: its device tree, its devices, their readiness. */
export async function readLiveHost(options: LiveOptions = {}): Promise<LiveHost> {
  const sysfs = options.sysfs ?? new Sysfs();
  const dt = await readLiveDt(sysfs, addonTreeReader());
  const devices = dt
    ? await withPower(sysfs, dt, await liveDevices(sysfs, dt, options.vfioProbe))
    : [];
  const host = await liveHostReadiness(sysfs, dt);
  const readiness: HostModel["readiness"] = {};
  const groups = new Map<number, GroupMember[]>();
  const byName = new Map(devices.map((d) => [d.name, d]));
  for (const d of devices) {
    let members: GroupMember[] = [];
    if (d.iommuGroup !== undefined) {
      members = groups.get(d.iommuGroup) ?? (await groupMembers(sysfs, d.iommuGroup));
      groups.set(d.iommuGroup, members);
    }
    readiness[d.name] = deviceReadiness(d, host, members, groupPeersIn(byName, d));
  }
  return { model: { source: "sysfs", origin: sysfs.root, devices, readiness, host }, tree: dt };
}

export async function liveHost(options: LiveOptions = {}): Promise<HostModel> {
  return (await readLiveHost(options)).model;
}
