import { describe, expect, it } from "vitest";
import { excerpt } from "../../../src/fdt/excerpt.js";
import { cells, empty, Fdt, findNode, str, walk } from "../../../src/fdt/index.js";

/**
 * / (interrupt-parent = <&gic>)
 *   gic        phandle 1, #interrupt-cells 3
 *   soc        simple-bus
 *     clk      phandle 2, #clock-cells 1, clocks = <&osc>   (a provider with a reference)
 *     dev@1000 clocks = <&clk 7>, a child phy@0
 *     other@2000
 *   osc        phandle 3, #clock-cells 0
 */
function board(): Fdt {
  const fdt = new Fdt();
  fdt.root.setProperty("#address-cells", cells(1)).setProperty("interrupt-parent", cells(1));
  fdt.root
    .addChild("gic@100")
    .setProperty("phandle", cells(1))
    .setProperty("#interrupt-cells", cells(3))
    .setProperty("interrupt-controller", empty())
    .setProperty("compatible", str("arm,gic-400"));
  const soc = fdt.root.addChild("soc").setProperty("compatible", str("simple-bus"));
  soc
    .addChild("clk@0")
    .setProperty("phandle", cells(2))
    .setProperty("#clock-cells", cells(1))
    .setProperty("clocks", cells(3))
    .setProperty("compatible", str("vendor,cru"));
  const dev = soc
    .addChild("dev@1000")
    .setProperty("compatible", str("vendor,dev"))
    .setProperty("clocks", cells(2, 7))
    .setProperty("vendor,count", cells(3));
  dev.addChild("phy@0").setProperty("reg", cells(0));
  soc.addChild("other@2000").setProperty("compatible", str("vendor,other"));
  fdt.root.addChild("osc").setProperty("phandle", cells(3)).setProperty("#clock-cells", cells(0));
  return fdt;
}

const phandleProps = (name: string) => name === "clocks" || name === "interrupt-parent";

describe("excerpt", () => {
  it("keeps the nodes, their subtrees, ancestors and the providers they refer to, in order", () => {
    const fdt = board();
    const small = excerpt(fdt, [findNode(fdt, "/soc/dev@1000")!], phandleProps);
    expect([...walk(small.root)].map((n) => n.path)).toEqual([
      "/",
      "/gic@100",
      "/soc",
      "/soc/clk@0",
      "/soc/dev@1000",
      "/soc/dev@1000/phy@0",
    ]);
  });

  it("copies the nodes and their ancestors whole, providers with phandle and cells only", () => {
    const fdt = board();
    const small = excerpt(fdt, [findNode(fdt, "/soc/dev@1000")!], phandleProps);
    const names = (path: string) => [...findNode(small, path)!.properties.keys()];
    expect(names("/soc/dev@1000")).toEqual(["compatible", "clocks", "vendor,count"]);
    expect(names("/")).toEqual(["#address-cells", "interrupt-parent"]);
    expect(names("/soc")).toEqual(["compatible"]);
    expect(names("/soc/clk@0")).toEqual(["phandle", "#clock-cells"]);
    expect(names("/gic@100")).toEqual(["phandle", "#interrupt-cells"]);
  });

  it("follows only properties said to hold phandles, and no provider's own references", () => {
    const fdt = board();
    // vendor,count = <3> is osc's phandle, but not a phandle property; clk's clocks is a
    // provider's reference: osc stays out either way.
    const small = excerpt(fdt, [findNode(fdt, "/soc/dev@1000")!], phandleProps);
    expect(findNode(small, "/osc")).toBeUndefined();
    expect(findNode(small, "/soc/other@2000")).toBeUndefined();
  });
});
