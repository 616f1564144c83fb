/** Builds a small sysfs/dev tree in a temp dir, shaped like the kernel's, for locate/open. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VfioRoots } from "../../../src/vfio/locate.js";

export interface TreeDevice {
  name: string;
  driver?: string;
  group?: number;
  groupName?: string;
  cdev?: string;
}

export function sysfsTree(devices: TreeDevice[], options: { iommufd?: boolean } = {}): VfioRoots {
  const root = mkdtempSync(join(tmpdir(), "platpass-sysfs-"));
  const sysfs = join(root, "sys");
  const dev = join(root, "dev");
  mkdirSync(join(dev, "vfio"), { recursive: true });
  if (options.iommufd) writeFileSync(join(dev, "iommu"), "");
  for (const d of devices) {
    const real = join(sysfs, "devices", "platform", d.name);
    mkdirSync(real, { recursive: true });
    mkdirSync(join(sysfs, "bus", "platform", "devices"), { recursive: true });
    symlinkSync(real, join(sysfs, "bus", "platform", "devices", d.name));
    if (d.driver) {
      const drv = join(sysfs, "bus", "platform", "drivers", d.driver);
      mkdirSync(drv, { recursive: true });
      symlinkSync(drv, join(real, "driver"));
    }
    if (d.group !== undefined) {
      const g = join(sysfs, "kernel", "iommu_groups", String(d.group));
      mkdirSync(join(g, "devices"), { recursive: true });
      symlinkSync(real, join(g, "devices", d.name));
      if (d.groupName) writeFileSync(join(g, "name"), `${d.groupName}\n`);
      symlinkSync(g, join(real, "iommu_group"));
    }
    if (d.cdev) {
      mkdirSync(join(real, "vfio-dev", d.cdev), { recursive: true });
      mkdirSync(join(dev, "vfio", "devices"), { recursive: true });
      writeFileSync(join(dev, "vfio", "devices", d.cdev), "");
    }
  }
  return { sysfs, dev };
}
