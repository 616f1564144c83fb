// The real addon on the real vfio-platform, inside the emulated ARM host: one boot runs
// in-bed.mjs (which binds the devices itself and restores them) and these tests assert what
// it recorded. Only this lane may claim to test the kernel; test/unit/vfio tests the logic.
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/index.js";
import { addonContract } from "../../support/addon-contract.mjs";
import { parseResult } from "./result-line.mjs";

interface Recorded {
  steps: Record<string, unknown>;
  errors: Record<string, { message: string; code?: string }>;
}

let record: Recorded;
const step = (name: string): unknown => record.steps[name];

beforeAll(async () => {
  const r = await runInBed({
    command: ["node", "test/bed/vfio/in-bed.mjs"],
    timeoutMs: 1_500_000,
    onOutput: (t) => process.stderr.write(t),
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  expect(r.exitCode, r.output.slice(-3000)).toBe(0);
  record = parseResult(r.output) as Recorded;
}, 1_800_000);

describe("vfio in the emulated ARM host", () => {
  it("runs every step without an error other than the expected refusals", () => {
    expect(Object.keys(record.errors).sort()).toEqual(["tpm.reset", "virtio.mmap"]);
  });

  it("loads the cross-built arm64 addon whose ioctl numbers are uapi.ts's", () => {
    expect(step("addon")).toMatchObject({
      arch: "arm64",
      loaded: expect.stringMatching(/native\/build-arm64\/platpass_vfio\.node$/),
      ioctlsMatch: true,
    });
  });
});

describe("the TPM (c000000.tpm_tis) in a type1 group", () => {
  it("binds from tpm_tis to vfio-platform and back", () => {
    expect(step("tpm.bind")).toEqual({ before: "tpm_tis", after: "vfio-platform" });
    expect(step("tpm.restore")).toBe("tpm_tis");
  });

  it("reports one 0x5000 region with mmap and one level IRQ, through TYPE1v2", () => {
    expect(step("tpm.open")).toEqual({
      mode: "type1v2",
      group: expect.any(Number),
      flags: { platform: true, amba: false, reset: false },
      regions: [
        {
          index: 0,
          size: 0x5000,
          offset: "0x0",
          readable: true,
          writable: true,
          mmap: true,
          capabilities: 0,
        },
      ],
      irqs: [{ index: 0, count: 1, eventfd: true, maskable: true, automasked: true }],
    });
  });

  it("reads DID_VID 0x00011014 through pread and through the mmap view", () => {
    expect(step("tpm.didVid")).toEqual({ pread: 0x00011014, mmap: 0x00011014 });
  });

  it("grants locality 0 on requestUse and releases it, as TCG TIS says", () => {
    const l = step("tpm.locality") as Record<string, number>;
    expect(l.before! & 0xa0).toBe(0x80); // tpmRegValidSts, no activeLocality
    expect(l.granted! & 0xa2).toBe(0xa0); // activeLocality set, requestUse consumed
    expect(l.released! & 0xa0).toBe(0x80); // activeLocality cleared again
  });

  it("delivers the level IRQ after a TPM command, again only after unmask or resample", () => {
    expect(step("tpm.irq")).toMatchObject({
      beforeCommand: 0,
      afterFirst: 1,
      intStatus: expect.any(Number),
      secondCompleted: true,
      whileMasked: 1,
      afterUnmask: 2,
      beforeResample: 2,
      afterResample: 3,
      deliveries: [1, 1, 1],
    });
    expect((step("tpm.irq") as { intStatus: number }).intStatus & 0x01).toBe(0x01);
  });

  it("explains that the device has no reset handler", () => {
    expect(record.errors["tpm.reset"]?.code).toBe("VFIO_RESET_UNSUPPORTED");
  });

  it("hands the device fd to a child, through stdio and as an inheritable number", () => {
    expect(step("tpm.handoff")).toEqual({
      mapped: { exitCode: 0, value: 0x00011014 },
      inherited: { exitCode: 0, value: 0x00011014 },
    });
  });

  it("tells a second process that the group is held", () => {
    const busy = step("tpm.busy") as { exitCode: number; stderr: string };
    expect(busy.exitCode).toBe(5);
    expect(busy.stderr).toContain("Another process holds");
    expect(busy.stderr).toContain("[VFIO_GROUP_BUSY]");
  });

  it("closes every fd once: nothing left open, a second close refused", () => {
    expect(step("tpm.close")).toEqual({
      ownedAfter: [],
      secondClose: expect.stringMatching(/is not open in this addon/),
    });
  });

  it("answers platpass inspect --json and peek (pread and --mmap)", () => {
    expect(step("tpm.cli")).toMatchObject({
      inspect: {
        exitCode: 0,
        report: {
          device: "c000000.tpm_tis",
          driver: "vfio-platform",
          iommuMode: "type1v2",
          regions: [{ size: 0x5000, mmap: true }],
          irqs: [{ trigger: "level" }],
        },
      },
      peek: { exitCode: 0, stdout: "0x00011014" },
      peekMmap: { exitCode: 0, stdout: "0x00011014" },
    });
  });
});

// The cases test/unit/vfio/contract.test.ts runs against the fake, here against the real addon.
addonContract(
  { describe, it, expect },
  "the real addon keeps the addon contract on the TPM",
  async (name: string) => (step("tpm.contract") as Record<string, unknown>)[name],
);

describe("a virtio-mmio transport (a000000.virtio_mmio) in a type1 group", () => {
  it("reports one 0x200 region without mmap and one edge IRQ", () => {
    expect(step("virtio.bind")).toMatchObject({ after: "vfio-platform" });
    expect(step("virtio.open")).toMatchObject({
      mode: "type1v2",
      regions: [{ index: 0, size: 0x200, mmap: false, readable: true, writable: true }],
      irqs: [{ index: 0, count: 1, eventfd: true, maskable: false, automasked: false }],
    });
  });

  it("reads MagicValue 0x74726976", () => {
    expect(step("virtio.magic")).toBe(0x74726976);
  });

  it("refuses an mmap view of the sub-page region", () => {
    expect(record.errors["virtio.mmap"]?.code).toBe("VFIO_REGION_NOT_MMAPPABLE");
  });

  it("fires the edge IRQ once per loopback trigger", () => {
    expect(step("virtio.irq")).toMatchObject({
      before: 0,
      oneByOne: [1, 2, 3],
      settled: 3,
      afterBurst: 8,
      final: 8,
    });
    expect((step("virtio.irq") as { deliveries: number[] }).deliveries.slice(0, 3)).toEqual([
      1, 1, 1,
    ]);
    expect(step("virtio.close")).toEqual({ ownedAfter: [] });
  });
});

describe("a virtio-mmio transport without an IOMMU, in a no-IOMMU group", () => {
  it("gets a vfio-noiommu group once enable_unsafe_noiommu_mode is on", () => {
    expect(step("noiommu.device")).toMatch(/^[0-9a-f]+\.virtio_mmio$/);
    expect(step("noiommu.locate")).toEqual({
      noiommu: true,
      groupPath: expect.stringMatching(/^\/dev\/vfio\/noiommu-\d+$/),
    });
  });

  it("opens through the NOIOMMU container type and reads MagicValue", () => {
    expect(step("noiommu.open")).toMatchObject({ mode: "noiommu", regions: [{ size: 0x200 }] });
    expect(step("noiommu.magic")).toBe(0x74726976);
  });

  it("fires its edge IRQ once per loopback trigger and closes cleanly", () => {
    expect(step("noiommu.irq")).toMatchObject({ oneByOne: [1, 2, 3], afterBurst: 8, final: 8 });
    expect(step("noiommu.close")).toEqual({ ownedAfter: [] });
  });
});
