import { describe, expect, it } from "vitest";
import {
  naturalAlignment,
  PlatformBus,
  PlatformBusFullError,
  placeDevices,
} from "../../../src/machvirt/platform-bus.js";

describe("PlatformBus", () => {
  it("places a TPM (one 0x5000 region, one IRQ) at offset 0 on line 0", () => {
    const [tpm] = placeDevices([{ name: "tpm0", regionSizes: [0x5000], irqCount: 1 }]);
    expect(tpm).toEqual({
      name: "tpm0",
      regions: [{ index: 0, offset: 0, size: 0x5000 }],
      irqs: [{ index: 0, line: 0 }],
    });
  });

  it("aligns a region to its size rounded up to a power of two", () => {
    const [a, b] = placeDevices([
      { name: "a", regionSizes: [0x5000], irqCount: 0 },
      { name: "b", regionSizes: [0x5000], irqCount: 0 },
    ]);
    expect(a?.regions[0]?.offset).toBe(0);
    expect(b?.regions[0]?.offset).toBe(0x8000);
  });

  it("fills a lower hole with a later, smaller region (first fit)", () => {
    const [, , small] = placeDevices([
      { name: "page", regionSizes: [0x1000], irqCount: 0 },
      { name: "big", regionSizes: [0x10000], irqCount: 0 },
      { name: "small", regionSizes: [0x100], irqCount: 0 },
    ]);
    expect(small?.regions[0]?.offset).toBe(0x1000);
  });

  it("takes every IRQ of a device before any of its regions, lowest free line first", () => {
    const [x, y] = placeDevices([
      { name: "x", regionSizes: [0x1000, 0x20], irqCount: 3 },
      { name: "y", regionSizes: [0x10], irqCount: 2 },
    ]);
    expect(x?.irqs.map((i) => i.line)).toEqual([0, 1, 2]);
    expect(x?.regions.map((r) => r.offset)).toEqual([0, 0x1000]);
    expect(y?.irqs.map((i) => i.line)).toEqual([3, 4]);
    expect(y?.regions[0]?.offset).toBe(0x1020);
  });

  it("places an xgbe-shaped device (5 regions, 6 IRQs) after an xgmac, in sysbus index order", () => {
    const [xgbe] = placeDevices([
      { name: "xgmac", regionSizes: [0x1000], irqCount: 3 },
      { name: "xgbe", regionSizes: [0x10000, 0x10000, 0x1000, 0x1000, 0x1000], irqCount: 6 },
    ]).slice(1);
    expect(xgbe?.regions.map((r) => r.offset)).toEqual([0x10000, 0x20000, 0x1000, 0x2000, 0x3000]);
    expect(xgbe?.irqs.map((i) => i.line)).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it("refuses the 65th IRQ line naming the device and QEMU's message", () => {
    const bus = new PlatformBus();
    for (let d = 0; d < 8; d++) bus.link({ name: `d${d}`, regionSizes: [4], irqCount: 8 });
    const err = (() => {
      try {
        bus.link({ name: "one-too-many", regionSizes: [4], irqCount: 1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PlatformBusFullError);
    expect(err).toMatchObject({ code: "PLATFORM_BUS_IRQ_FULL", device: "one-too-many", index: 0 });
    expect((err as Error).message).toContain("all 64 platform-bus lines are taken");
    expect((err as Error).message).toContain("Platform Bus: Can not fit IRQ line");
  });

  it("refuses a region that no longer fits in 32 MiB, with QEMU's hex size", () => {
    const bus = new PlatformBus();
    bus.link({ name: "half", regionSizes: [0x100_0000], irqCount: 0 });
    bus.link({ name: "quarter", regionSizes: [0x80_0000], irqCount: 0 });
    expect(() =>
      bus.link({ name: "too-big", regionSizes: [0x10, 0x80_0001], irqCount: 0 }),
    ).toThrowError(
      /too-big: MMIO region 1 \(0x800001 bytes\) does not fit in the 32 MiB platform bus.*Can not fit MMIO region of size 800001/,
    );
  });

  it("leaves the bus untouched when a device does not fit", () => {
    const bus = new PlatformBus();
    bus.link({ name: "a", regionSizes: [0x100_0000], irqCount: 60 });
    expect(() => bus.link({ name: "b", regionSizes: [0x100_0000, 0x4], irqCount: 5 })).toThrow(
      PlatformBusFullError,
    );
    const c = bus.link({ name: "c", regionSizes: [0x100_0000], irqCount: 4 });
    expect(c.regions[0]?.offset).toBe(0x100_0000);
    expect(c.irqs.map((i) => i.line)).toEqual([60, 61, 62, 63]);
    expect(bus.placements.map((p) => p.name)).toEqual(["a", "c"]);
  });

  it("refuses a region larger than the whole window", () => {
    expect(() =>
      placeDevices([{ name: "huge", regionSizes: [0x400_0000], irqCount: 0 }]),
    ).toThrowError(/huge: MMIO region 0 \(0x4000000 bytes\) does not fit/);
  });

  it("rejects a zero-sized region as bad input, not as a full bus", () => {
    expect(() => placeDevices([{ name: "z", regionSizes: [0], irqCount: 0 }])).toThrowError(
      /z: MMIO region 0 has size 0/,
    );
  });

  it("places 2,000 one-page regions back to back", () => {
    const bus = new PlatformBus();
    for (let i = 0; i < 2000; i++) bus.link({ name: `p${i}`, regionSizes: [0x1000], irqCount: 0 });
    expect(bus.placements.at(-1)?.regions[0]?.offset).toBe(1999 * 0x1000);
  });
});

describe("naturalAlignment", () => {
  it("rounds up to a power of two as QEMU's clz64 expression does", () => {
    expect([1, 4, 5, 0x1000, 0x1001, 0x5000, 0x80_0000].map(naturalAlignment)).toEqual([
      1, 4, 8, 0x1000, 0x2000, 0x8000, 0x80_0000,
    ]);
  });
});
