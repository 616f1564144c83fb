import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkMemoryMap,
  checkQtree,
  gicInputOf,
  type PlannedWiring,
  parseFlatMemory,
  parseQtree,
} from "../../../src/qemu/verify.js";

const info = (name: string) => readFileSync(new URL(`qemu-info/${name}`, import.meta.url), "utf8");

const flat = parseFlatMemory(info("tpm-tis-device.mtree.txt"));
const qtree = parseQtree(info("tpm-tis-device.qtree.txt"));

const tpm: PlannedWiring = {
  host: "c000000.tpm_tis",
  qemuDevice: "tpm-tis-device",
  id: "pp0",
  regions: [{ index: 0, size: 0x5000, guestAddress: 0xc000000 }],
  irqs: [{ index: 0, spi: 112 }],
  regionNames: ["tpm-tis-mmio"],
};

describe("parseFlatMemory", () => {
  it("reads the system address space's flat ranges, not the I/O view", () => {
    expect(flat).toContainEqual({ start: 0xc000000, end: 0xc004fff, name: "tpm-tis-mmio" });
    expect(flat.some((r) => r.name === "io")).toBe(false);
  });

  it("joins a vfio region name QEMU printed with its trailing newline", () => {
    const text = [
      "FlatView #1",
      ' AS "memory", root: system',
      " Root memory region: system",
      "  000000000c000000-000000000c004fff (prio 0, ramd): VFIO c000000.tpm_tis region 0",
      " mmaps[0]",
    ].join("\n");
    expect(parseFlatMemory(text)).toEqual([
      { start: 0xc000000, end: 0xc004fff, name: "VFIO c000000.tpm_tis region 0 mmaps[0]" },
    ]);
  });
});

describe("parseQtree", () => {
  it("reads a platform-bus device's IRQ count and MMIO sizes", () => {
    expect(qtree.find((d) => d.id === "pp0")).toMatchObject({
      type: "tpm-tis-device",
      irqCount: 1,
      mmioSizes: [0x5000],
      properties: { tpmdev: "tpm0" },
    });
  });
});

describe("checks against QEMU's own answers", () => {
  it("accepts the plan QEMU really wired", () => {
    expect([...checkQtree([tpm], qtree), ...checkMemoryMap([tpm], flat)]).toEqual([]);
  });

  it("names the planned and the real address when they differ", () => {
    const wrong = { ...tpm, regions: [{ index: 0, size: 0x5000, guestAddress: 0xc010000 }] };
    expect(checkMemoryMap([wrong], flat)).toEqual([
      "c000000.tpm_tis region 0: planned 0xc010000+0x5000, QEMU maps 0xc000000-0xc004fff (0x5000 bytes)",
    ]);
  });

  it("names a region QEMU does not map at all", () => {
    expect(checkMemoryMap([{ ...tpm, regionNames: undefined }], flat)).toEqual([
      'c000000.tpm_tis region 0: QEMU maps no memory region named "VFIO c000000.tpm_tis region 0"',
    ]);
  });

  it("reports an IRQ count and region sizes that differ from the plan", () => {
    const wrong = {
      ...tpm,
      irqs: [
        { index: 0, spi: 112 },
        { index: 1, spi: 113 },
      ],
      regions: [{ index: 0, size: 0x1000, guestAddress: 0xc000000 }],
    };
    expect(checkQtree([wrong], qtree)).toEqual([
      "c000000.tpm_tis: QEMU gave it 1 sysbus IRQ(s), planned 2",
      "c000000.tpm_tis: QEMU's MMIO region sizes are [0x5000], planned [0x1000]",
    ]);
  });

  it("reads the GIC input from a sysbus-irq link", () => {
    expect(gicInputOf("/machine/unattached/device[1]/unnamed-gpio-in[112]")).toBe(112);
  });
});
