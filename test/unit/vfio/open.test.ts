import { describe, expect, it } from "vitest";
import { openVfioDevice } from "../../../src/vfio/open.js";
import { FakeNative } from "./fake-native.js";
import { sysfsTree } from "./sysfs-tree.js";

const tpm = () =>
  new FakeNative({
    name: "c000000.tpm_tis",
    flags: 0b0100,
    regions: [{ size: 0x5000, flags: 0b0111 }],
    irqFlags: [0b0111],
  });

describe("openVfioDevice (legacy)", () => {
  it("joins the group to a container, picks TYPE1v2 and gets the device fd", async () => {
    const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 }]);
    const native = tpm();
    const d = await openVfioDevice("c000000.tpm_tis", { native, roots, path: "auto" });
    expect(d.mode).toBe("type1v2");
    expect(native.calls).toEqual([
      "open /dev/vfio/vfio",
      `open ${roots.dev}/vfio/0`,
      "VFIO_GROUP_SET_CONTAINER",
      "VFIO_SET_IOMMU 3",
      "VFIO_GROUP_GET_DEVICE_FD c000000.tpm_tis",
    ]);
    d.close();
  });

  it("sets the NOIOMMU type for a no-IOMMU group", async () => {
    const roots = sysfsTree([
      { name: "c000000.tpm_tis", driver: "vfio-platform", group: 1, groupName: "vfio-noiommu" },
    ]);
    const native = tpm();
    native.extensions.add(8);
    const d = await openVfioDevice("c000000.tpm_tis", { native, roots });
    expect(d.mode).toBe("noiommu");
    expect(native.calls).toContain(`open ${roots.dev}/vfio/noiommu-1`);
    expect(native.calls).toContain("VFIO_SET_IOMMU 8");
    d.close();
  });

  it("closes what it opened, newest first, when SET_IOMMU is refused", async () => {
    const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 }]);
    const native = tpm();
    native.failures.set("VFIO_SET_IOMMU", "EPERM");
    await expect(openVfioDevice("c000000.tpm_tis", { native, roots })).rejects.toMatchObject({
      code: "VFIO_NO_INTERRUPT_REMAPPING",
    });
    expect(native.calls.slice(-2)).toEqual([`close ${roots.dev}/vfio/0`, "close /dev/vfio/vfio"]);
    expect(native.ownedFds()).toEqual([]);
  });

  it("turns EBUSY on the group into VFIO_GROUP_BUSY and leaves nothing open", async () => {
    const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 }]);
    const native = tpm();
    const open = native.openPath.bind(native);
    native.openPath = (path: string) => {
      if (path.endsWith("/vfio/0")) native.failures.set("open", "EBUSY");
      return open(path);
    };
    await expect(openVfioDevice("c000000.tpm_tis", { native, roots })).rejects.toMatchObject({
      code: "VFIO_GROUP_BUSY",
    });
    expect(native.ownedFds()).toEqual([]);
  });
});

describe("openVfioDevice (iommufd)", () => {
  it("binds the cdev to iommufd and attaches it to a new IOAS when the kernel offers both", async () => {
    const roots = sysfsTree(
      [{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0, cdev: "vfio0" }],
      { iommufd: true },
    );
    const native = tpm();
    const d = await openVfioDevice("c000000.tpm_tis", { native, roots });
    expect(d.mode).toBe("iommufd");
    expect(native.calls).toEqual([
      `open ${roots.dev}/iommu`,
      `open ${roots.dev}/vfio/devices/vfio0`,
      "VFIO_DEVICE_BIND_IOMMUFD",
      "IOMMU_IOAS_ALLOC",
      "VFIO_DEVICE_ATTACH_IOMMUFD_PT 2",
    ]);
    d.close();
    expect(native.ownedFds()).toEqual([]);
  });

  it("refuses --iommufd on a kernel without device cdevs", async () => {
    const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 }]);
    await expect(
      openVfioDevice("c000000.tpm_tis", { native: tpm(), roots, path: "iommufd" }),
    ).rejects.toMatchObject({ code: "VFIO_NO_CDEV" });
  });
});
