import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { locateVfioDevice } from "../../../src/vfio/locate.js";
import { sysfsTree } from "./sysfs-tree.js";

describe("locateVfioDevice", () => {
  it("finds a type1 group's device node and its peers", async () => {
    const roots = sysfsTree([
      { name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 },
      { name: "c001000.other", group: 0 },
    ]);
    const loc = await locateVfioDevice("c000000.tpm_tis", roots);
    expect(loc).toMatchObject({
      bus: "platform",
      driver: "vfio-platform",
      group: 0,
      noiommu: false,
      groupPath: `${roots.dev}/vfio/0`,
      groupDevices: ["c000000.tpm_tis", "c001000.other"],
      cdevPath: undefined,
      iommufdPath: undefined,
    });
  });

  it("recognises a no-IOMMU group by its name and uses /dev/vfio/noiommu-N", async () => {
    const roots = sysfsTree([
      { name: "a000200.virtio_mmio", driver: "vfio-platform", group: 3, groupName: "vfio-noiommu" },
    ]);
    const loc = await locateVfioDevice("a000200.virtio_mmio", roots);
    expect(loc.noiommu).toBe(true);
    expect(loc.groupPath).toBe(`${roots.dev}/vfio/noiommu-3`);
  });

  it("finds the device cdev and /dev/iommu when the kernel has them", async () => {
    const roots = sysfsTree(
      [{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0, cdev: "vfio0" }],
      { iommufd: true },
    );
    const loc = await locateVfioDevice("c000000.tpm_tis", roots);
    expect(loc.cdevPath).toBe(`${roots.dev}/vfio/devices/vfio0`);
    expect(loc.iommufdPath).toBe(`${roots.dev}/iommu`);
  });

  it("takes a vfio-dev entry without its /dev node (Linux 6.1) for no cdev", async () => {
    const roots = sysfsTree([
      { name: "c000000.tpm_tis", driver: "vfio-platform", group: 0, cdev: "vfio0" },
    ]);
    rmSync(`${roots.dev}/vfio/devices/vfio0`);
    expect((await locateVfioDevice("c000000.tpm_tis", roots)).cdevPath).toBeUndefined();
  });

  it("refuses a device bound to another driver, with the commands that rebind it", async () => {
    const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "tpm_tis", group: 0 }]);
    await expect(locateVfioDevice("c000000.tpm_tis", roots)).rejects.toMatchObject({
      code: "VFIO_NOT_BOUND",
      hint: expect.stringContaining("echo vfio-platform >"),
    });
  });

  it("refuses an unknown device name", async () => {
    const roots = sysfsTree([]);
    await expect(locateVfioDevice("nope.dev", roots)).rejects.toMatchObject({
      code: "VFIO_NO_SUCH_DEVICE",
    });
  });

  it("refuses a vfio-bound device without a group and explains no-IOMMU mode", async () => {
    const roots = sysfsTree([{ name: "a000000.virtio_mmio", driver: "vfio-platform" }]);
    await expect(locateVfioDevice("a000000.virtio_mmio", roots)).rejects.toMatchObject({
      code: "VFIO_NO_GROUP",
      hint: expect.stringContaining("enable_unsafe_noiommu_mode"),
    });
  });
});
