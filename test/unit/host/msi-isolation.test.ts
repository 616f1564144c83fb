import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readDtb } from "../../../src/fdt/read.js";
import type { HostDevice } from "../../../src/host/device.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";
import type { HostReadiness } from "../../../src/host/model.js";
import { judgesMsiPerDevice } from "../../../src/host/msi-isolation.js";
import { deviceReadiness } from "../../../src/host/readiness.js";
import { msiIsolationRefusal } from "../../../src/launch/failures.js";

const fixture = new URL("./fixtures/msi-parent.dtb", import.meta.url).pathname;
const offline = hostFromDtb(readDtb(readFileSync(fixture)));
const device = (name: string): HostDevice => offline.devices.find((d) => d.name === name)!;

/** A GICv3 host with an ITS, both modules refusing unsafe interrupts, on kernel `release`. */
function host(release: string, more: Partial<HostReadiness> = {}): HostReadiness {
  return {
    vfioPlatform: "loaded",
    vfioAmba: "loadable",
    vfioIommuType1: "loaded",
    resetRequired: false,
    interruptController: "GICv3 with ITS",
    msiRemap: true,
    kernelRelease: release,
    msiPerDevice: judgesMsiPerDevice(release),
    allowUnsafeInterrupts: false,
    vfioDeviceCdev: true,
    iommufd: true,
    iommufdAllowUnsafeInterrupts: false,
    notes: [],
    ...more,
  };
}

const problems = (d: HostDevice, h: HostReadiness, peers: HostDevice[] = []) =>
  deviceReadiness(d, h, undefined, peers).problems;

describe("the MSI domain a platform device's DT node gives it", () => {
  it("is none for wired interrupts, and not isolating behind a GICv2m frame", () => {
    expect(device("10000000.wired").msi).toEqual({ parent: undefined, isolated: false });
    expect(device("10002000.v2m-client").msi).toEqual({
      parent: "/v2m@8020000",
      isolated: false,
    });
  });

  it("isolates behind a GICv3 ITS, skipping a disabled one in the msi-parent list", () => {
    expect(device("10001000.its-client").msi).toEqual({
      parent: "/interrupt-controller@8000000/msi-controller@8080000",
      isolated: true,
    });
    expect(device("10003000.second-entry").msi).toEqual(device("10001000.its-client").msi);
  });
});

describe("which kernels judge MSI isolation per device", () => {
  it("is Linux 6.3 and later, not 6.1 or 6.2, and unknown for what is no release", () => {
    expect(
      ["6.1.0-56-arm64", "6.2.16", "6.3.0", "6.12.57+deb13-arm64", "7.0.0"].map(judgesMsiPerDevice),
    ).toEqual([false, false, true, true, true]);
    expect(judgesMsiPerDevice(undefined)).toBeUndefined();
    expect(judgesMsiPerDevice("linux")).toBeUndefined();
  });
});

describe("readiness on a GICv3 host with an ITS, unsafe interrupts refused", () => {
  it("on Linux 6.1 lets every device through: the host's ITS settles it", () => {
    const h = host("6.1.0-56-arm64", { vfioDeviceCdev: false, iommufd: false });
    expect(problems(device("10000000.wired"), h)).toEqual([]);
    expect(problems(device("10002000.v2m-client"), h)).toEqual([]);
  });

  it("on Linux 6.12 refuses the wired device over iommufd, naming the parameter and the way out", () => {
    const h = host("6.12.57+deb13-arm64", { allowUnsafeInterrupts: true });
    expect(problems(device("10000000.wired"), h)).toEqual([
      'MSIs not isolated (it has no msi-parent, so no MSI domain: its interrupts are wired), which Linux 6.3+ asks of each device: iommufd needs allow_unsafe_interrupts=1 (vfio_iommu_type1 allows it: qemu.vfioBackend "legacy" would work)',
    ]);
    expect(problems(device("10001000.its-client"), h)).toEqual([]);
  });

  it("on Linux 6.12 without VFIO cdevs asks vfio_iommu_type1, and a GICv2m parent does not isolate", () => {
    const h = host("6.12.57+deb13-arm64", { vfioDeviceCdev: false, iommufd: false });
    expect(problems(device("10002000.v2m-client"), h)).toEqual([
      "MSIs not isolated (it has msi-parent /v2m@8020000, which is not a GICv3 ITS, the one arm64 MSI controller that isolates), which Linux 6.3+ asks of each device: vfio_iommu_type1 needs allow_unsafe_interrupts=1",
    ]);
    expect(problems(device("10002000.v2m-client"), { ...h, allowUnsafeInterrupts: true })).toEqual(
      [],
    );
  });

  it("on Linux 6.12 judges the IOMMU group: an ITS client grouped with a wired device is refused", () => {
    const h = host("6.12.57+deb13-arm64");
    expect(problems(device("10001000.its-client"), h, [device("10000000.wired")])).toEqual([
      "MSIs not isolated (its IOMMU group holds 10000000.wired, which has no msi-parent, so no MSI domain: its interrupts are wired), which Linux 6.3+ asks of each device: iommufd needs allow_unsafe_interrupts=1 (and vfio_iommu_type1 on the legacy path)",
    ]);
  });
});

describe("a launch's refusal before anything is detached", () => {
  const wired = [{ device: device("10000000.wired"), peers: [] }];

  it("on Linux 6.12 over iommufd is the late refusal's code and exit code, naming iommufd's parameter", () => {
    const e = msiIsolationRefusal(host("6.12.57+deb13-arm64"), wired, "iommufd");
    expect(e?.toJSON()).toMatchObject({
      error: "VFIO_NO_INTERRUPT_REMAPPING",
      exitCode: 5,
      where: "/sys/module/iommufd/parameters/allow_unsafe_interrupts",
    });
    expect(e?.message).toMatch(
      /^10000000\.wired's MSIs are not isolated .* VFIO_DEVICE_BIND_IOMMUFD would fail with EPERM; nothing was detached$/,
    );
    expect(e?.hint).toContain("echo 1 > /sys/module/iommufd/parameters/allow_unsafe_interrupts");
  });

  it("on the legacy path asks vfio_iommu_type1's parameter alone", () => {
    const h = host("6.12.57+deb13-arm64", { iommufdAllowUnsafeInterrupts: true });
    expect(msiIsolationRefusal(h, wired, "legacy")?.where).toBe(
      "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
    );
    expect(msiIsolationRefusal(h, wired, "iommufd")).toBeUndefined();
  });

  it("lets an ITS client through on 6.12, and anything on 6.1", () => {
    const its = [{ device: device("10001000.its-client"), peers: [] }];
    expect(msiIsolationRefusal(host("6.12.57+deb13-arm64"), its, "iommufd")).toBeUndefined();
    expect(msiIsolationRefusal(host("6.1.0-56-arm64"), wired, "legacy")).toBeUndefined();
  });
});
