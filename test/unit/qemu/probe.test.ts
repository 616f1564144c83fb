import { describe, expect, it } from "vitest";
import { parseCachedProbe, type QemuProbe, requireVfioPlatform } from "../../../src/qemu/probe.js";

const absent = { present: false, properties: [] };

/** What a probe of QEMU 10.2, which dropped vfio-platform, records. */
const qemu102: QemuProbe = {
  binary: {
    path: "/opt/qemu-10.2/bin/qemu-system-aarch64",
    source: "explicit",
    mtimeMs: 0,
    size: 0,
  },
  version: { major: 10, minor: 2, micro: 0, package: "" },
  devices: {
    "vfio-platform": absent,
    "vfio-calxeda-xgmac": absent,
    "vfio-amd-xgbe": absent,
    "tpm-tis-device": { present: true, properties: ["tpmdev"] },
  },
  vfioPlatform: { present: false, fd: false, iommufd: false, irqfd: false },
  probedAt: "2026-01-01T00:00:00.000Z",
};

describe("requireVfioPlatform", () => {
  it("refuses a QEMU without vfio-platform, naming 10.1.x as the last release with it", () => {
    const err = (() => {
      try {
        requireVfioPlatform(qemu102);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({
      code: "QEMU_NO_VFIO_PLATFORM",
      errorClass: "qemu",
      where: "/opt/qemu-10.2/bin/qemu-system-aarch64",
    });
    expect((err as Error).message).toBe(
      "QEMU 10.2.0 has no vfio-platform device: QEMU 10.2 removed it, 10.1.x is the last release that has it",
    );
  });
});

describe("parseCachedProbe", () => {
  const text = JSON.stringify(qemu102);

  it("believes a whole answer for the same binary, with where it was found this time", () => {
    const binary = { ...qemu102.binary, source: "PATH" as const };
    expect(parseCachedProbe(text, binary)).toEqual({ ...qemu102, binary });
  });

  it("says why a cut-short, edited or foreign answer is not one", () => {
    expect(parseCachedProbe(text.slice(0, 200), qemu102.binary)).toMatch(/^not JSON: /);
    const edited = { ...qemu102, vfioPlatform: { ...qemu102.vfioPlatform, iommufd: "yes" } };
    expect(parseCachedProbe(JSON.stringify(edited), qemu102.binary)).toBe(
      "$.vfioPlatform.iommufd: Invalid input: expected boolean, received string",
    );
    const { devices: _, ...noDevices } = qemu102;
    expect(parseCachedProbe(JSON.stringify(noDevices), qemu102.binary)).toMatch(/^\$\.devices: /);
    expect(parseCachedProbe(text, { ...qemu102.binary, size: 1 })).toBe(
      "it answers for another binary (/opt/qemu-10.2/bin/qemu-system-aarch64)",
    );
  });
});
