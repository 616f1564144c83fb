/**
 * One device's sysfs entries: its directory, driver, driver_override and IOMMU group. The
 * binding code needs only these, not the discovery of the whole host (which loads the DT
 * model and the readiness rules: modules each command would otherwise read and compile).
 */
import type { HostBus } from "../device.js";
import type { Sysfs } from "./sysfs.js";

export const BUSES: readonly HostBus[] = ["platform", "amba"];

export function deviceDir(bus: HostBus, name: string): string {
  return `/sys/bus/${bus}/devices/${name}`;
}

/** driver_override reads "(null)" when unset. */
export async function readOverride(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
): Promise<string | undefined> {
  const v = await sysfs.read(`${deviceDir(bus, name)}/driver_override`);
  return v === undefined || v === "(null)" || v === "" ? undefined : v;
}

export async function readDriver(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
): Promise<string | undefined> {
  return sysfs.linkName(`${deviceDir(bus, name)}/driver`);
}

export async function readGroup(
  sysfs: Sysfs,
  bus: HostBus,
  name: string,
): Promise<number | undefined> {
  const g = await sysfs.linkName(`${deviceDir(bus, name)}/iommu_group`);
  return g === undefined ? undefined : Number(g);
}

/** Which bus a device name is on, or undefined when neither has it. */
export async function busOf(sysfs: Sysfs, name: string): Promise<HostBus | undefined> {
  for (const bus of BUSES) if (await sysfs.exists(deviceDir(bus, name))) return bus;
  return undefined;
}
