/**
 * Where a device's VFIO handles are: its IOMMU group (and whether the group is a no-IOMMU
 * one), its group device node, and its VFIO cdev when the kernel offers one (Linux 6.6+).
 * Reads sysfs only; roots are parameters so tests can point them at a captured tree.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { HostError } from "../errors.js";
import type { HostBus } from "../host/device.js";

export interface VfioRoots {
  sysfs: string;
  dev: string;
}

export const LIVE_ROOTS: VfioRoots = { sysfs: "/sys", dev: "/dev" };

export interface VfioLocation {
  name: string;
  bus: HostBus;
  driver: string | undefined;
  group: number;
  /** A group vfio made up because the device has no IOMMU (enable_unsafe_noiommu_mode). */
  noiommu: boolean;
  /** /dev/vfio/N or /dev/vfio/noiommu-N. */
  groupPath: string;
  groupDevices: string[];
  /** /dev/vfio/devices/vfioX, when the kernel has VFIO device cdevs. */
  cdevPath: string | undefined;
  /** /dev/iommu, when the kernel has iommufd. */
  iommufdPath: string | undefined;
}

const VFIO_DRIVERS = ["vfio-platform", "vfio-amba"];

async function link(path: string): Promise<string | undefined> {
  try {
    return basename(await readlink(path));
  } catch {
    return undefined;
  }
}

export async function locateVfioDevice(
  name: string,
  roots: VfioRoots = LIVE_ROOTS,
): Promise<VfioLocation> {
  const bus = (["platform", "amba"] as const).find((b) =>
    existsSync(join(roots.sysfs, "bus", b, "devices", name)),
  );
  if (!bus) {
    throw new HostError("VFIO_NO_SUCH_DEVICE", `no platform or amba device named '${name}'`, {
      where: join(roots.sysfs, "bus/{platform,amba}/devices"),
      hint: "Device names are '<unit address>.<node name>', e.g. c000000.tpm_tis; 'ls /sys/bus/platform/devices' lists them.",
    });
  }
  const dir = join(roots.sysfs, "bus", bus, "devices", name);
  const driver = await link(join(dir, "driver"));
  if (!driver || !VFIO_DRIVERS.includes(driver)) {
    throw new HostError(
      "VFIO_NOT_BOUND",
      `${name} is bound to ${driver ?? "no driver"}, not to a vfio driver`,
      {
        where: dir,
        hint: `Bind it: echo vfio-${bus} > ${dir}/driver_override; ${driver ? `echo ${name} > ${dir}/driver/unbind; ` : ""}echo ${name} > ${join(roots.sysfs, "bus", bus, "drivers_probe")}`,
      },
    );
  }
  const groupName = await link(join(dir, "iommu_group"));
  if (groupName === undefined) {
    throw new HostError("VFIO_NO_GROUP", `${name} has no IOMMU group`, {
      where: dir,
      hint: "vfio gives a device without an IOMMU a group only in no-IOMMU mode: echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode, then rebind (unsafe: the device can DMA anywhere).",
    });
  }
  const group = Number(groupName);
  const groupDir = join(roots.sysfs, "kernel", "iommu_groups", groupName);
  const label = (await readFile(join(groupDir, "name"), "utf8").catch(() => "")).trim();
  const noiommu = label === "vfio-noiommu";
  const groupDevices = (
    await readdir(join(groupDir, "devices")).catch(() => [] as string[])
  ).sort();
  // Linux 6.1 already lists the device under vfio-dev/ but makes no /dev node for it: only a
  // node that exists is a cdev (6.6+ with CONFIG_VFIO_DEVICE_CDEV).
  const cdevName = (await readdir(join(dir, "vfio-dev")).catch(() => [] as string[]))[0];
  const cdev = cdevName && join(roots.dev, "vfio", "devices", cdevName);
  const iommufd = join(roots.dev, "iommu");
  return {
    name,
    bus,
    driver,
    group,
    noiommu,
    groupPath: join(roots.dev, "vfio", noiommu ? `noiommu-${group}` : String(group)),
    groupDevices,
    cdevPath: cdev && existsSync(cdev) ? cdev : undefined,
    iommufdPath: existsSync(iommufd) ? iommufd : undefined,
  };
}
