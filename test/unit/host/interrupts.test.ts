import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readDtb } from "../../../src/fdt/read.js";
import type { Fdt } from "../../../src/fdt/tree.js";
import { hostFromDtb } from "../../../src/host/dt/offline.js";
import type { DtIrq } from "../../../src/host/dt/resources.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** The committed DTB fixtures/build.sh made from `name`.dts (forced past its duplicate phandle). */
function compiled(name: string): Fdt {
  return readDtb(readFileSync(fixture(`${name}.dtb`)));
}

describe("interrupts resolved as Linux 6.1 resolves them", () => {
  it("routes through an interrupt-map by unit address and specifier, under the mask", () => {
    const host = hostFromDtb(compiled("interrupt-map"));
    const level = host.devices.find((d) => d.name === "40000000.level")!;
    expect(level.irqs.map((i) => [(i as DtIrq).specifier, i])).toMatchObject([
      [[0, 10, 4], { trigger: "level" }],
    ]);
    const edge = host.devices.find((d) => d.name === "40001000.edge")!;
    expect(edge.irqs.map((i) => (i as DtIrq).specifier)).toEqual([
      [0, 11, 1],
      [0, 12, 4],
    ]);
    // The third specifier matches no entry: the device gets the IRQs before it, and says why.
    expect(host.readiness["40001000.edge"]!.problems.join("\n")).toMatch(
      /\/nexus@40000000\/edge@40001000: interrupt 2: \/nexus@40000000: no interrupt-map entry matches <0x40001000 0x3>/,
    );
  });

  it("resolves a shared phandle to the first node in tree order and names both", () => {
    const host = hostFromDtb(compiled("phandle-collision"));
    expect(host.host.notes.join("\n")).toContain(
      "0x1 (/dev@10000000 and /interrupt-controller@8000000)",
    );
    const dev = host.devices.find((d) => d.name === "10000000.dev")!;
    expect(dev.irqs).toEqual([]);
    expect(host.readiness["10000000.dev"]!.problems.join("\n")).toMatch(
      /\/dev@10000000: interrupt 0: its interrupts have no interrupt parent/,
    );
  });
});
