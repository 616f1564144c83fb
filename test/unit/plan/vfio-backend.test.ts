import { describe, expect, it } from "vitest";
import { HostError, QemuError } from "../../../src/errors.js";
import { deviceArgs, deviceFd, handoffFds } from "../../../src/plan/qemu-args.js";
import { chooseVfioBackend, needsQemuProbe } from "../../../src/plan/vfio-backend.js";

const qemu72 = { version: "7.2.15", fd: false, iommufd: false };
const qemu100 = { version: "10.0.2", fd: true, iommufd: true };
const linux61 = { vfioDeviceCdev: false, iommufd: false };
const linux66 = { vfioDeviceCdev: true, iommufd: true };

describe("chooseVfioBackend", () => {
  it("takes iommufd on auto only when both the QEMU and the host have it", () => {
    expect(chooseVfioBackend("auto", qemu100, linux66).backend).toBe("iommufd");
    expect(chooseVfioBackend("auto", qemu72, linux66)).toEqual({
      backend: "legacy",
      reason: "QEMU 7.2.15's vfio-platform has no fd or iommufd property (QEMU 9.0-10.1 have both)",
    });
    expect(chooseVfioBackend("auto", qemu100, linux61).reason).toMatch(
      /no VFIO device cdevs \(Linux 6\.6\+ with CONFIG_VFIO_DEVICE_CDEV\)/,
    );
    expect(
      chooseVfioBackend("auto", qemu100, { vfioDeviceCdev: true, iommufd: false }).reason,
    ).toMatch(/\/dev\/iommu is missing/);
  });

  it("stays on the legacy path on auto when the host is unknown (offline) or the QEMU unprobed", () => {
    expect(chooseVfioBackend("auto", qemu100, undefined).backend).toBe("legacy");
    expect(chooseVfioBackend("auto", undefined, linux66).backend).toBe("legacy");
    expect(
      chooseVfioBackend("auto", qemu100, { vfioDeviceCdev: undefined, iommufd: true }).backend,
    ).toBe("legacy");
  });

  it("refuses iommufd when asked for it but the QEMU or the host lacks it, saying which", () => {
    const noQemu = (() => {
      try {
        chooseVfioBackend("iommufd", qemu72, linux66);
      } catch (e) {
        return e;
      }
    })();
    expect(noQemu).toBeInstanceOf(QemuError);
    expect(noQemu).toMatchObject({ code: "QEMU_NO_IOMMUFD", where: "qemu.vfioBackend" });
    expect(() => chooseVfioBackend("iommufd", qemu100, linux61)).toThrow(HostError);
    expect(() => chooseVfioBackend("iommufd", qemu100, linux61)).toThrow(/no VFIO device cdevs/);
  });

  it("plans iommufd offline when asked, and legacy whenever asked", () => {
    expect(chooseVfioBackend("iommufd", qemu100, undefined).backend).toBe("iommufd");
    expect(chooseVfioBackend("legacy", qemu100, linux66).backend).toBe("legacy");
  });
});

describe("needsQemuProbe", () => {
  it("starts the QEMU only when its answer can change the decision", () => {
    expect(needsQemuProbe("auto", linux61)).toBe(false);
    expect(needsQemuProbe("auto", undefined)).toBe(false);
    expect(needsQemuProbe("legacy", linux66)).toBe(false);
    expect(needsQemuProbe("auto", linux66)).toBe(true);
    expect(needsQemuProbe("iommufd", undefined)).toBe(true);
  });

  it("gives the host's reason when the host alone rules iommufd out", () => {
    expect(chooseVfioBackend("auto", undefined, linux61).reason).toMatch(/no VFIO device cdevs/);
  });
});

describe("the iommufd argv", () => {
  const hosts = ["c000000.tpm_tis", "a000000.virtio_mmio"];
  const on = (backend: "legacy" | "iommufd") =>
    hosts.map((host, i) => ({
      qemuDevice: "vfio-platform" as const,
      host,
      id: `platpass${i}`,
      fd: deviceFd(i, backend),
    }));

  it("names /dev/iommu at fd 3 and each device's cdev after it, in planned order", () => {
    const devices = on("iommufd");
    expect(handoffFds(devices, "iommufd")).toEqual([
      { fd: 3, opens: "iommufd" },
      { fd: 4, opens: "vfio-device", device: "c000000.tpm_tis" },
      { fd: 5, opens: "vfio-device", device: "a000000.virtio_mmio" },
    ]);
    expect(deviceArgs(devices, "iommufd")).toEqual([
      "-object",
      "iommufd,id=platpass-iommufd,fd=3",
      "-device",
      "vfio-platform,host=c000000.tpm_tis,sysfsdev=/sys/bus/platform/devices/c000000.tpm_tis,iommufd=platpass-iommufd,fd=4,id=platpass0",
      "-device",
      "vfio-platform,host=a000000.virtio_mmio,sysfsdev=/sys/bus/platform/devices/a000000.virtio_mmio,iommufd=platpass-iommufd,fd=5,id=platpass1",
    ]);
  });

  it("hands over nothing on the legacy path, where QEMU opens the group itself", () => {
    const devices = on("legacy");
    expect(handoffFds(devices, "legacy")).toEqual([]);
    expect(deviceArgs(devices, "legacy")).toEqual([
      "-device",
      "vfio-platform,host=c000000.tpm_tis,id=platpass0",
      "-device",
      "vfio-platform,host=a000000.virtio_mmio,id=platpass1",
    ]);
  });
});
