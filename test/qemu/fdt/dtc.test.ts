/** The dtc adapter against the real dtc and fdtoverlay (Debian's device-tree-compiler). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../../src/errors.js";
import {
  applyOverlays,
  asString,
  checkDtb,
  compileDts,
  DtcError,
  decompileDtb,
  findNode,
  readDtb,
  verifyDtb,
  writeDtb,
} from "../../../src/fdt/index.js";

const fixture = (name: string) => new URL(`../../unit/fdt/fixtures/${name}`, import.meta.url);

describe("fixtures", () => {
  // fixtures/build.sh made the committed .dtb and .dtc.dts; they must still be what dtc makes.
  it.each(["minimal", "lookup", "values"])(
    "%s: the committed .dtb and .dtc.dts are what dtc makes now",
    async (name) => {
      const dtb = await compileDts(readFileSync(fixture(`${name}.dts`), "utf8"), { symbols: true });
      expect(dtb).toEqual(new Uint8Array(readFileSync(fixture(`${name}.dtb`))));
      expect(await decompileDtb(dtb)).toBe(readFileSync(fixture(`${name}.dtc.dts`), "utf8"));
    },
  );
});

describe("compileDts", () => {
  it("compiles DTS text to a DTB our reader reads", async () => {
    const dtb = await compileDts('/dts-v1/;\n/ { model = "m"; };\n');
    expect(asString(readDtb(dtb).root.property("model")!)).toBe("m");
  });

  it("rejects a syntax error with a DtcError carrying a located diagnostic", async () => {
    const err = await compileDts("/dts-v1/;\n/ { a = <1>\n").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtcError);
    expect((err as DtcError).exitCode).toBe(3);
    expect((err as DtcError).diagnostics).toContainEqual(
      expect.objectContaining({ severity: "error", check: "syntax", line: 2 }),
    );
  });

  it("says how to install dtc when it is missing", async () => {
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const err = await compileDts("/dts-v1/;\n/ { };\n").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as EnvironmentError).hint).toContain("apt-get install device-tree-compiler");
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe("checkDtb", () => {
  it("returns dtc's warnings as structured diagnostics", async () => {
    const dtb = await compileDts(
      '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; memory { reg = <0 1 2>; device_type = "memory"; }; };\n',
    );
    const diagnostics = await checkDtb(dtb);
    expect(diagnostics).toContainEqual({
      severity: "warning",
      check: "reg_format",
      path: "/memory",
      property: "reg",
      message: "property has invalid length (12 bytes) (#address-cells == 1, #size-cells == 1)",
    });
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ check: "unit_address_vs_reg", path: "/memory" }),
    );
  });

  it("returns nothing for a clean tree", async () => {
    const dtb = await compileDts(
      "/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; }; };\n",
    );
    expect(await checkDtb(dtb)).toEqual([]);
  });
});

describe("verifyDtb", () => {
  it("passes a tree with warnings, returning them", async () => {
    const dtb = await compileDts(
      '/dts-v1/;\n/ { #address-cells = <1>; #size-cells = <1>; memory { reg = <0 1>; device_type = "memory"; }; };\n',
    );
    expect(await verifyDtb(dtb, "guest.dtb")).toEqual([
      expect.objectContaining({ severity: "warning", check: "unit_address_vs_reg" }),
    ]);
  });

  it("fails a tree dtc finds an error in, naming the node, the error and the file", async () => {
    const fdt = readDtb(
      await compileDts("/dts-v1/;\n/ { a { phandle = <1>; }; b { phandle = <2>; }; };\n"),
    );
    fdt.root.child("b")!.setProperty("phandle", new Uint8Array([0, 0, 0, 1]));
    const err = await verifyDtb(writeDtb(fdt), "guest.dtb").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "DTB_CHECK_FAILED", exitCode: 3, where: "guest.dtb" });
    expect((err as Error).message).toContain("/b duplicated phandle 0x1 (seen before at /a)");
  });
});

describe("applyOverlays", () => {
  it("applies an overlay to a base through fdtoverlay", async () => {
    const base = await compileDts("/dts-v1/;\n/ { soc: soc { }; };\n", { symbols: true });
    const overlay = await compileDts(
      '/dts-v1/;\n/plugin/;\n&soc { dev@0 { compatible = "test,dev"; }; };\n',
      { symbols: true },
    );
    const merged = readDtb(await applyOverlays(base, [overlay]));
    expect(asString(findNode(merged, "/soc/dev@0")!.property("compatible")!)).toBe("test,dev");
  });

  it("rejects an overlay whose target label does not exist", async () => {
    const base = await compileDts("/dts-v1/;\n/ { };\n", { symbols: true });
    const overlay = await compileDts("/dts-v1/;\n/plugin/;\n&nowhere { x; };\n", { symbols: true });
    await expect(applyOverlays(base, [overlay])).rejects.toBeInstanceOf(DtcError);
  });
});
