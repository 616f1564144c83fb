import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  addressCells,
  allocatePhandle,
  cells,
  decodeReg,
  ensurePhandle,
  FdtError,
  findCompatible,
  findNode,
  nodeByPhandle,
  phandleOf,
  readDtb,
  sizeCells,
} from "../../../src/fdt/index.js";
import { fixture } from "./assemble.js";

// lookup.dts compiled with labels kept (dtc -@), so it has /__symbols__.
const load = () => readDtb(new Uint8Array(readFileSync(fixture("lookup.dtb"))));

describe("findNode", () => {
  it("follows absolute paths", () => {
    expect(findNode(load(), "/soc/serial@1000")?.path).toBe("/soc/serial@1000");
    expect(findNode(load(), "/")?.path).toBe("/");
    expect(findNode(load(), "/soc/nope")).toBeUndefined();
  });

  it("accepts a name without unit address when it is unambiguous", () => {
    expect(findNode(load(), "/soc/timer")?.path).toBe("/soc/timer@3000");
    expect(findNode(load(), "/soc/serial")).toBeUndefined();
  });

  it("resolves aliases, alone or followed by a relative path", () => {
    expect(findNode(load(), "serial0")?.path).toBe("/soc/serial@1000");
    expect(findNode(load(), "bus/cpus/cpu@1")?.path).toBe("/soc/cpus/cpu@1");
  });

  it("resolves labels from __symbols__", () => {
    expect(findNode(load(), "uart0")?.path).toBe("/soc/serial@1000");
    expect(findNode(load(), "intc")?.path).toBe("/interrupt-controller@8000000");
    expect(findNode(load(), "nolabel")).toBeUndefined();
  });
});

describe("findCompatible", () => {
  it("matches any entry of the compatible list, in tree order", () => {
    expect(findCompatible(load(), "arm,primecell").map((n) => n.path)).toEqual([
      "/soc/serial@1000",
      "/soc/serial@2000",
    ]);
    expect(findCompatible(load(), "arm,gic-400").map((n) => n.name)).toEqual([
      "interrupt-controller@8000000",
    ]);
  });
});

describe("phandles", () => {
  it("finds the node a phandle names", () => {
    const fdt = load();
    const intc = findNode(fdt, "/interrupt-controller@8000000")!;
    const ph = phandleOf(intc)!;
    expect(ph).toBeGreaterThan(0);
    expect(nodeByPhandle(fdt, ph)).toBe(intc);
    expect(phandleOf(findNode(fdt, "/nocells")!)).toBeUndefined();
  });

  it("allocates one more than the largest phandle in use, and it is unique", () => {
    const fdt = load();
    const cpu = findNode(fdt, "/soc/cpus/cpu@1")!;
    cpu.setProperty("phandle", cells(0x40));
    expect(allocatePhandle(fdt)).toBe(0x41);
    const fresh = findNode(fdt, "/nocells")!;
    expect(ensurePhandle(fdt, fresh)).toBe(0x41);
    expect(ensurePhandle(fdt, fresh)).toBe(0x41);
    expect(allocatePhandle(fdt)).toBe(0x42);
  });

  it("refuses to allocate past 0xfffffffe", () => {
    const fdt = load();
    findNode(fdt, "/soc")!.setProperty("phandle", cells(0xfffffffe));
    expect(() => allocatePhandle(fdt)).toThrow(
      expect.objectContaining({ code: "FDT_PHANDLE_EXHAUSTED" }),
    );
  });
});

describe("reg decoding uses the parent bus's cells", () => {
  it("2 address + 2 size cells at the root", () => {
    const intc = findNode(load(), "intc")!;
    expect([addressCells(intc), sizeCells(intc)]).toEqual([2, 2]);
    expect(decodeReg(intc)).toEqual([
      { address: 0x8000000n, size: 0x10000n },
      { address: 0x8010000n, size: 0x10000n },
    ]);
  });

  it("1 + 1 cells on a simple-bus, several entries", () => {
    expect(decodeReg(findNode(load(), "/soc/timer@3000")!)).toEqual([
      { address: 0x3000n, size: 0x10n },
      { address: 0x4000n, size: 0x10n },
    ]);
  });

  it("0 size cells gives size 0", () => {
    expect(decodeReg(findNode(load(), "/soc/cpus/cpu@1")!)).toEqual([{ address: 1n, size: 0n }]);
  });

  it("defaults to 2 address and 1 size cells when the parent says nothing", () => {
    const child = findNode(load(), "/nocells/child@10")!;
    expect([addressCells(child), sizeCells(child)]).toEqual([2, 1]);
    expect(decodeReg(child)).toEqual([{ address: 0x10n, size: 0x20n }]);
  });

  it("rejects a reg that is not a whole number of entries", () => {
    const uart = findNode(load(), "uart0")!;
    uart.setProperty("reg", cells(1, 2, 3));
    expect(() => decodeReg(uart)).toThrow(FdtError);
    expect(() => decodeReg(uart)).toThrow(expect.objectContaining({ code: "FDT_BAD_REG" }));
  });
});
