import { describe, expect, it } from "vitest";
import {
  naturalAlignment,
  PlatformBus,
  PlatformBusFullError,
  type PlatformBusWindow,
  VIRT_PLATFORM_BUS,
} from "../../../src/machvirt/platform-bus.js";
import {
  candidateSearch,
  type ModelDevice,
  type ModelOutcome,
  randomDevices,
  runModel,
  scanSearch,
  seeded,
} from "./naive-bus.js";

/** The implementation's answer in the models' shape, plus every placement it made. */
function runAllocator(devices: ModelDevice[], window: PlatformBusWindow): ModelOutcome {
  const bus = new PlatformBus(window);
  const placed: ModelOutcome["placed"] = [];
  for (const d of devices) {
    try {
      const p = bus.link(d);
      placed.push({
        name: p.name,
        offsets: p.regions.map((r) => r.offset),
        lines: p.irqs.map((i) => i.line),
      });
    } catch (e) {
      if (!(e instanceof PlatformBusFullError)) throw e;
      return { placed, failure: { device: e.device, resource: e.resource, index: e.index } };
    }
  }
  return { placed };
}

/** Invariants that hold for any correct allocation, checked on the implementation's output. */
function invariantViolations(
  devices: ModelDevice[],
  outcome: ModelOutcome,
  window: PlatformBusWindow,
): string[] {
  const problems: string[] = [];
  const ranges: [number, number][] = [];
  const lines = new Set<number>();
  outcome.placed.forEach((p, d) => {
    const device = devices[d] as ModelDevice;
    p.offsets.forEach((offset, i) => {
      const size = device.regionSizes[i] as number;
      if (offset % naturalAlignment(size) !== 0) problems.push(`${p.name}#${i} misaligned`);
      if (offset < 0 || offset + size > window.size) problems.push(`${p.name}#${i} outside`);
      if (ranges.some(([s, e]) => offset < e && s < offset + size)) {
        problems.push(`${p.name}#${i} overlaps`);
      }
      ranges.push([offset, offset + size]);
    });
    for (const line of p.lines) {
      let lowest = 0;
      while (lines.has(lowest)) lowest++;
      if (line !== lowest) problems.push(`${p.name} took line ${line}, lowest free was ${lowest}`);
      lines.add(line);
    }
  });
  return problems;
}

interface Tally {
  fits: number;
  mmioFull: number;
  irqFull: number;
}

function tally(outcomes: ModelOutcome[]): Tally {
  return {
    fits: outcomes.filter((o) => !o.failure).length,
    mmioFull: outcomes.filter((o) => o.failure?.resource === "mmio").length,
    irqFull: outcomes.filter((o) => o.failure?.resource === "irq").length,
  };
}

describe("PlatformBus against independent models", () => {
  it("agrees with the candidate model on 10,000 device lists in QEMU's 32 MiB window", () => {
    const rand = seeded(0x7a11_2026);
    const outcomes: ModelOutcome[] = [];
    for (let n = 0; n < 10_000; n++) {
      const devices = randomDevices(rand, 2, 23);
      const ours = runAllocator(devices, VIRT_PLATFORM_BUS);
      expect(ours, `list ${n}`).toEqual(runModel(devices, VIRT_PLATFORM_BUS, candidateSearch));
      expect(invariantViolations(devices, ours, VIRT_PLATFORM_BUS), `list ${n}`).toEqual([]);
      outcomes.push(ours);
    }
    const t = tally(outcomes);
    expect(t.fits).toBeGreaterThan(5000);
    expect(t.mmioFull).toBeGreaterThan(3000);
    expect(t.irqFull).toBeGreaterThan(100);
  });

  // The literal scan walks 2M offsets for a 4-byte region behind an 8 MiB one, too slow for
  // 10,000 lists at full scale; the same proportions (largest region a quarter of the
  // window) in 64 KiB, with half the lines so IRQ exhaustion is common too, let it run.
  it("agrees with QEMU's literal offset-by-offset scan on 10,000 lists in a 64 KiB, 32-line bus", () => {
    const window = { size: 0x1_0000, lines: 32 };
    const rand = seeded(0xc0ffee);
    const outcomes: ModelOutcome[] = [];
    for (let n = 0; n < 10_000; n++) {
      const devices = randomDevices(rand, 2, 14);
      const ours = runAllocator(devices, window);
      expect(ours, `list ${n}`).toEqual(runModel(devices, window, scanSearch));
      expect(invariantViolations(devices, ours, window), `list ${n}`).toEqual([]);
      outcomes.push(ours);
    }
    const t = tally(outcomes);
    expect(t.fits).toBeGreaterThan(3000);
    expect(t.mmioFull).toBeGreaterThan(3000);
    expect(t.irqFull).toBeGreaterThan(1000);
  });
});
