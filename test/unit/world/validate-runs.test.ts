import { describe, expect, it } from "vitest";
import { MIN_RUN_NODES, splitRuns } from "../../../src/world/validate-runs.js";

const sorted = (runs: number[][]) => runs.flat().sort((a, b) => a - b);

describe("splitRuns", () => {
  it("keeps one plan, or a few small ones, in one run", () => {
    expect(splitRuns([{ kind: "snps,dwmac", nodes: 6 }], 2)).toEqual([[0]]);
    const few = Array.from({ length: 4 }, (_, i) => ({ kind: `k${i}`, nodes: 7 }));
    expect(splitRuns(few, 8)).toEqual([[0, 1, 2, 3]]);
  });

  it("shares many plans out over the cores by nodes, each kind whole, in kind order", () => {
    const items = [
      { kind: "snps,dwc3", nodes: 30 },
      { kind: "fsl,imx8mq-fec", nodes: 10 },
      { kind: "snps,dwc3", nodes: 30 },
      { kind: "arm,pl011", nodes: 10 },
      { kind: "rockchip,rk3399-gmac", nodes: 40 },
    ];
    const runs = splitRuns(items, 2);
    expect(runs).toHaveLength(2);
    expect(sorted(runs)).toEqual([0, 1, 2, 3, 4]);
    const nodes = runs.map((run) => run.reduce((n, i) => n + items[i]!.nodes, 0));
    expect(nodes).toEqual([60, 60]);
    expect(runs.map((run) => run.map((i) => items[i]!.kind))).toEqual([
      ["arm,pl011", "fsl,imx8mq-fec", "rockchip,rk3399-gmac"],
      ["snps,dwc3", "snps,dwc3"],
    ]);
  });

  it("makes no more runs than the cores, nor than MIN_RUN_NODES allows", () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ kind: `k${i}`, nodes: 10 }));
    expect(splitRuns(items, 4)).toHaveLength(4);
    expect(splitRuns(items, 1)).toHaveLength(1);
    const small = Array.from({ length: 10 }, (_, i) => ({ kind: `k${i}`, nodes: 10 }));
    expect(splitRuns(small, 64)).toHaveLength(Math.floor(100 / MIN_RUN_NODES));
    expect(sorted(splitRuns(small, 64))).toEqual([...Array(10).keys()]);
  });
});
