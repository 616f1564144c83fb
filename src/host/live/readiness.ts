/**
 * The live host's side of readiness: which vfio modules are loaded or loadable, their
 * parameters, the VFIO cdev and iommufd support and the kernel's release, read through Sysfs.
 * The rules that turn these facts into answers are in ../readiness.ts, shared with the
 * offline host.
 */
import type { Fdt } from "../../fdt/tree.js";
import { msiSituation } from "../dt/msi.js";
import type { Availability, HostReadiness } from "../model.js";
import { judgesMsiPerDevice } from "../msi-isolation.js";
import { hostNotes } from "../readiness.js";
import type { Sysfs } from "./sysfs.js";

const normal = (module: string) => module.replace(/-/g, "_");

/** Loaded (in /sys/module or its driver registered), loadable (in modules.dep), or missing. */
export async function moduleAvailability(
  sysfs: Sysfs,
  module: string,
  driverDir?: string,
): Promise<Availability> {
  if (await sysfs.exists(`/sys/module/${normal(module)}`)) return "loaded";
  if (driverDir && (await sysfs.exists(driverDir))) return "loaded";
  const release = await sysfs.read("/proc/sys/kernel/osrelease");
  const dep = release ? await sysfs.read(`/lib/modules/${release}/modules.dep`) : undefined;
  const files = (dep ?? "").split("\n").map((l) => l.split(":")[0]?.split("/").pop() ?? "");
  return files.some((f) => normal(f.replace(/\.ko(\.\w+)?$/, "")) === normal(module))
    ? "loadable"
    : "missing";
}

function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return v === "Y" || v === "1";
}

export async function liveHostReadiness(sysfs: Sysfs, dt: Fdt | undefined): Promise<HostReadiness> {
  const msi = dt ? msiSituation(dt.root) : { interruptController: undefined, msiRemap: undefined };
  const kernelRelease = await sysfs.read("/proc/sys/kernel/osrelease");
  const base = {
    vfioPlatform: await moduleAvailability(
      sysfs,
      "vfio-platform",
      "/sys/bus/platform/drivers/vfio-platform",
    ),
    vfioAmba: await moduleAvailability(sysfs, "vfio-amba", "/sys/bus/amba/drivers/vfio-amba"),
    vfioIommuType1: await moduleAvailability(sysfs, "vfio_iommu_type1"),
    resetRequired: parseBool(
      await sysfs.read("/sys/module/vfio_platform/parameters/reset_required"),
    ),
    ...msi,
    kernelRelease,
    msiPerDevice: judgesMsiPerDevice(kernelRelease),
    allowUnsafeInterrupts: parseBool(
      await sysfs.read("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"),
    ),
    vfioDeviceCdev: /^\s*\d+ vfio-dev$/m.test((await sysfs.read("/proc/devices")) ?? ""),
    iommufd: await sysfs.exists("/dev/iommu"),
    iommufdAllowUnsafeInterrupts: parseBool(
      await sysfs.read("/sys/module/iommufd/parameters/allow_unsafe_interrupts"),
    ),
  };
  return { ...base, notes: hostNotes(base) };
}
