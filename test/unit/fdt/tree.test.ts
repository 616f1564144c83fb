import { describe, expect, it } from "vitest";
import {
  cells,
  Fdt,
  FdtError,
  FdtNode,
  readDtb,
  str,
  walk,
  writeDtb,
} from "../../../src/fdt/index.js";

describe("FdtNode", () => {
  it("builds paths from names", () => {
    const root = new FdtNode("");
    const uart = root.addChild("soc").addChild("serial@9000000");
    expect(root.path).toBe("/");
    expect(uart.path).toBe("/soc/serial@9000000");
    expect(uart.baseName).toBe("serial");
    expect(uart.unitAddress).toBe("9000000");
    expect(uart.parent?.name).toBe("soc");
  });

  it("rejects node names the spec does not allow", () => {
    const root = new FdtNode("");
    for (const bad of ["", "a/b", "a@", "@1", "a@1@2", "sp ace", "caf\u00e9"]) {
      expect(() => root.addChild(bad), bad).toThrow(
        expect.objectContaining({ code: "FDT_BAD_NAME" }),
      );
    }
  });

  it("rejects a second child of the same name", () => {
    const root = new FdtNode("");
    root.addChild("cpus");
    expect(() => root.addChild("cpus")).toThrow(
      expect.objectContaining({ code: "FDT_DUPLICATE_NAME" }),
    );
  });

  it("rejects property names the spec does not allow", () => {
    const n = new FdtNode("");
    expect(() => n.setProperty("a b", str("x"))).toThrow(FdtError);
    expect(() => n.setProperty("", str("x"))).toThrow(FdtError);
    expect(() => n.setProperty("#address-cells", cells(2))).not.toThrow();
  });

  it("keeps a replaced property in its original place", () => {
    const n = new FdtNode("");
    n.setProperty("a", cells(1)).setProperty("b", cells(2)).setProperty("a", cells(3));
    expect([...n.properties.keys()]).toEqual(["a", "b"]);
    expect(n.property("a")).toEqual(cells(3));
  });

  it("deletes properties and removes children", () => {
    const n = new FdtNode("");
    n.setProperty("a", cells(1));
    const child = n.addChild("x");
    expect(n.deleteProperty("a")).toBe(true);
    expect(n.deleteProperty("a")).toBe(false);
    expect(n.removeChild("x")).toBe(true);
    expect(n.child("x")).toBeUndefined();
    expect(child.parent).toBeUndefined();
  });

  it("keeps child order through a write and a read", () => {
    const root = new FdtNode("");
    for (const name of ["z", "a", "m@1", "m@0"]) root.addChild(name);
    const back = readDtb(writeDtb(new Fdt(root)));
    expect(back.root.children.map((c) => c.name)).toEqual(["z", "a", "m@1", "m@0"]);
  });

  it("walks parents before children in order", () => {
    const root = new FdtNode("");
    const a = root.addChild("a");
    a.addChild("a1");
    root.addChild("b");
    expect([...walk(root)].map((n) => n.path)).toEqual(["/", "/a", "/a/a1", "/b"]);
  });
});

describe("trees deeper than the call stack", () => {
  it("write and walk without recursion; the reader refuses them as FDT_TOO_DEEP", () => {
    const root = new FdtNode("");
    let n = root;
    for (let i = 0; i < 20_000; i++) n = n.addChild("d");
    const fdt = new Fdt(root);
    const blob = writeDtb(fdt);
    expect([...walk(root)].length).toBe(20_001);
    expect(n.path.length).toBe(40_000);
    expect(() => readDtb(blob)).toThrow(expect.objectContaining({ code: "FDT_TOO_DEEP" }));
  });
});
