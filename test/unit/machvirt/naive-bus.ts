/**
 * Second, independent models of QEMU's platform-bus allocation, written from
 * hw/core/platform-bus.c without looking at src/machvirt/platform-bus.ts: plain arrays,
 * linear searches, no sorting, no jumps.
 */

export interface ModelDevice {
  name: string;
  regionSizes: number[];
  irqCount: number;
}

export interface ModelOutcome {
  /** Per linked device: region offsets and IRQ lines in sysbus index order. */
  placed: { name: string; offsets: number[]; lines: number[] }[];
  /** The first resource that did not fit, if any. */
  failure?: { device: string; resource: "mmio" | "irq"; index: number };
}

export interface ModelWindow {
  size: number;
  lines: number;
}

type Search = (taken: [number, number][], size: number, window: number) => number | undefined;

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function overlapsAny(taken: [number, number][], start: number, size: number): boolean {
  return taken.some(([s, len]) => start < s + len && s < start + size);
}

/** QEMU's loop literally: offsets 0, a, 2a, … until one overlaps nothing. */
export const scanSearch: Search = (taken, size, window) => {
  const a = pow2AtLeast(size);
  for (let off = 0; off < window; off += a) {
    if (off + size <= window && !overlapsAny(taken, off, size)) return off;
  }
  return undefined;
};

/**
 * The lowest free aligned offset is 0 or the end of some taken range rounded up to the
 * alignment (the offset one step below it overlapped a range that ends in between), so
 * trying just those candidates, lowest first, gives the scan's answer in O(n²).
 */
export const candidateSearch: Search = (taken, size, window) => {
  const a = pow2AtLeast(size);
  const candidates = [0, ...taken.map(([s, len]) => Math.ceil((s + len) / a) * a)];
  const fitting = candidates.filter((c) => c + size <= window && !overlapsAny(taken, c, size));
  return fitting.length ? Math.min(...fitting) : undefined;
};

export function runModel(
  devices: ModelDevice[],
  window: ModelWindow,
  search: Search,
): ModelOutcome {
  const lineUsed: boolean[] = new Array(window.lines).fill(false);
  const taken: [number, number][] = [];
  const placed: ModelOutcome["placed"] = [];
  for (const d of devices) {
    const lines: number[] = [];
    for (let i = 0; i < d.irqCount; i++) {
      const line = lineUsed.findIndex((u) => !u);
      if (line === -1) return { placed, failure: { device: d.name, resource: "irq", index: i } };
      lineUsed[line] = true;
      lines.push(line);
    }
    const offsets: number[] = [];
    for (let i = 0; i < d.regionSizes.length; i++) {
      const size = d.regionSizes[i] as number;
      const off = search(taken, size, window.size);
      if (off === undefined) {
        return { placed, failure: { device: d.name, resource: "mmio", index: i } };
      }
      taken.push([off, size]);
      offsets.push(off);
    }
    placed.push({ name: d.name, offsets, lines });
  }
  return { placed };
}

/** mulberry32: a small seeded generator, so every run sees the same device lists. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random device list: 1–16 devices, 1–8 regions, 0–8 IRQs. Region sizes run from
 * 2^minLog2 to 2^maxLog2 bytes: a third exact powers of two (what hardware has), the rest
 * log-uniform in between (odd sizes exercise the rounding).
 */
export function randomDevices(rand: () => number, minLog2: number, maxLog2: number): ModelDevice[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  return Array.from({ length: int(1, 16) }, (_, d) => ({
    name: `dev${d}`,
    regionSizes: Array.from({ length: int(1, 8) }, () =>
      rand() < 1 / 3
        ? 2 ** int(minLog2, maxLog2)
        : Math.max(2 ** minLog2, Math.floor(2 ** (minLog2 + rand() * (maxLog2 - minLog2)))),
    ),
    irqCount: int(0, 8),
  }));
}
