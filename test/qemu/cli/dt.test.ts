import { readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
const fixture = (name: string) =>
  new URL(`../../unit/fdt/fixtures/${name}`, import.meta.url).pathname;
const platpass = (...args: string[]) => execa("node", [bin, ...args], { reject: false });

describe("platpass dt dts", () => {
  it("prints the DTS dtc would print", async () => {
    const r = await platpass("dt", "dts", fixture("values.dtb"));
    expect(r.exitCode).toBe(0);
    expect(`${r.stdout}\n`).toBe(readFileSync(fixture("values.dtc.dts"), "utf8"));
  });

  it("--json lists every node with typed properties", async () => {
    const r = await platpass("dt", "dts", fixture("minimal.dtb"), "--json");
    expect(JSON.parse(r.stdout)).toEqual({
      bootCpuid: 0,
      reservations: [{ address: "0x1000", size: "0x2000" }],
      nodes: [
        { path: "/", properties: { a: { type: "cells", value: ["0x1"] } }, children: ["c@1"] },
        { path: "/c@1", properties: {}, children: [] },
      ],
    });
  });

  it("rejects a file that is not a DTB with exit 3, the rule and the byte", async () => {
    const r = await platpass("dt", "dts", fixture("values.dts"));
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("[FDT_BAD_MAGIC]");
    expect(r.stderr).toContain("at byte 0x0");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects a missing file with exit 3", async () => {
    const r = await platpass("dt", "dts", "/nonexistent.dtb");
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("[DT_FILE_UNREADABLE]");
  });
});

describe("platpass dt get", () => {
  it("prints a string list as strings", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "/soc/serial@1000", "compatible");
    expect(r.stdout).toBe("arm,pl011 arm,primecell");
  });

  it("prints cells in hex", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "/soc/timer@3000", "reg");
    expect(r.stdout).toBe("0x3000 0x10 0x4000 0x10");
  });

  it("prints other values as bytes", async () => {
    const r = await platpass("dt", "get", fixture("values.dtb"), "/", "bytes");
    expect(r.stdout).toBe("01 02 03");
  });

  it("finds nodes by alias and by label", async () => {
    const byAlias = await platpass("dt", "get", fixture("lookup.dtb"), "serial0", "reg");
    const byLabel = await platpass("dt", "get", fixture("lookup.dtb"), "uart0", "reg");
    expect(byAlias.stdout).toBe("0x1000 0x100");
    expect(byLabel.stdout).toBe("0x1000 0x100");
  });

  it("--json gives the path, the type and the value", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "serial0", "interrupts", "--json");
    expect(JSON.parse(r.stdout)).toEqual({
      path: "/soc/serial@1000",
      property: "interrupts",
      type: "cells",
      value: ["0x0", "0x1", "0x4"],
    });
  });

  it("without a property lists the node's properties and children", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "/soc/cpus");
    expect(r.stdout.split("\n")).toEqual([
      "#address-cells = <0x01>;",
      "#size-cells = <0x00>;",
      "cpu@1/",
    ]);
  });

  it("exits 3 naming a node that is not there", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "/soc/nope");
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain("[DT_NODE_NOT_FOUND]");
  });

  it("exits 3 naming a property that is not there", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"), "/soc", "nope", "--json");
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout).error).toBe("DT_PROPERTY_NOT_FOUND");
  });

  it("exits 2 when the node path is missing", async () => {
    const r = await platpass("dt", "get", fixture("lookup.dtb"));
    expect(r.exitCode).toBe(2);
  });
});
