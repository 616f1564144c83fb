import { describe, expect, it } from "vitest";
import { describeEvent } from "../../../src/launch/events.js";

describe("describeEvent", () => {
  it("shows the planned addresses and SPIs in hex and decimal as the guest DT holds them", () => {
    expect(
      describeEvent({
        event: "planned",
        devices: [
          {
            host: "c000000.tpm_tis",
            plugin: "tpm-tis",
            qemuDevice: "vfio-platform",
            regions: [{ index: 0, size: 0x5000, guestAddress: 0xc000000 }],
            irqs: [{ index: 0, spi: 112, trigger: "level" }],
          },
        ],
        warnings: [],
        findings: ["c000000.tpm_tis: resets: the guest has no reset controller"],
        dtb: "/tmp/guest.dtb",
        vfio: {
          backend: "legacy",
          reason: "QEMU 7.2.15's vfio-platform has no fd or iommufd property",
        },
      }),
    ).toEqual([
      "planned c000000.tpm_tis as vfio-platform (plugin tpm-tis)",
      "  region 0: 0xc000000 size 0x5000",
      "  IRQ 0: SPI 112 (level)",
      "guest-driver finding: c000000.tpm_tis: resets: the guest has no reset controller",
      "guest device tree: /tmp/guest.dtb",
      "VFIO path: legacy (QEMU 7.2.15's vfio-platform has no fd or iommufd property)",
    ]);
  });

  it("gives a stage's time in seconds", () => {
    expect(describeEvent({ event: "stage", stage: "detach", ms: 1234 })).toEqual([
      "(detach took 1.23 s)",
    ]);
  });

  it("names every fd an iommufd launch hands QEMU before the command line", () => {
    expect(
      describeEvent({
        event: "qemu-starting",
        binary: "/usr/bin/qemu-system-aarch64",
        argv: ["-object", "iommufd,id=platpass-iommufd,fd=3"],
        fds: [
          { fd: 3, path: "/dev/iommu" },
          { fd: 4, path: "/dev/vfio/devices/vfio0" },
        ],
        user: "root",
      }),
    ).toEqual([
      "passing QEMU fd 3: /dev/iommu",
      "passing QEMU fd 4: /dev/vfio/devices/vfio0",
      "QEMU runs as root",
      "starting /usr/bin/qemu-system-aarch64 -object iommufd,id=platpass-iommufd,fd=3",
    ]);
  });

  it("says whom QEMU runs as, with its ids, groups and memlock limit", () => {
    expect(
      describeEvent({
        event: "qemu-starting",
        binary: "/usr/bin/qemu-system-aarch64",
        argv: ["-M", "virt"],
        fds: [],
        user: {
          name: "platpass-qemu",
          uid: 998,
          gid: 997,
          groups: [105],
          memlockBytes: 1_342_177_280,
        },
      })[0],
    ).toBe("QEMU runs as platpass-qemu (uid 998, gid 997, groups 105; RLIMIT_MEMLOCK 1280 MiB)");
  });

  it("prints the injection path per IRQ and the warning beside it", () => {
    expect(
      describeEvent({
        event: "injection",
        irqs: [
          {
            device: "c000000.tpm_tis",
            index: 0,
            path: "userspace",
            userspaceInjections: 3,
            eois: 3,
          },
        ],
        warnings: ["c000000.tpm_tis IRQ 0: QEMU silently fell back"],
      }),
    ).toEqual([
      "interrupt c000000.tpm_tis IRQ 0: userspace (3 injected by QEMU so far)",
      "WARNING: c000000.tpm_tis IRQ 0: QEMU silently fell back",
    ]);
  });

  it("passes guest console lines through untouched", () => {
    expect(describeEvent({ event: "guest", line: "  PP-RANDOM 80 01" })).toEqual([
      "  PP-RANDOM 80 01",
    ]);
  });
});
