/**
 * The index of a processed schema, on schemas shaped as dt-mk-schema 2022.08 writes them
 * (each cut down from Linux 6.1's processed schema to the parts the index reads).
 */
import { describe, expect, it } from "vitest";
import {
  indexSchema,
  phandlePropertyTest,
  schemaName,
  schemaSubset,
  schemasForCompatibles,
} from "../../../src/fdt/schema-index.js";

const id = (name: string) => `http://devicetree.org/schemas/${name}#`;

const processed: Parameters<typeof indexSchema>[0] = {
  [id("net/calxeda-xgmac.yaml")]: {
    $id: id("net/calxeda-xgmac.yaml"),
    select: {
      required: ["compatible"],
      properties: { compatible: { contains: { enum: ["calxeda,hb-xgmac"] } } },
    },
    properties: { compatible: { items: [{ const: "calxeda,hb-xgmac" }] } },
  },
  [id("net/rockchip-dwmac.yaml")]: {
    $id: id("net/rockchip-dwmac.yaml"),
    select: {
      required: ["compatible"],
      properties: { compatible: { contains: { enum: ["rockchip,rk3399-gmac"] } } },
    },
    allOf: [{ $ref: "snps,dwmac.yaml#" }],
    properties: { "rockchip,grf": { $ref: "/schemas/types.yaml#/definitions/phandle" } },
  },
  [id("net/snps,dwmac.yaml")]: {
    $id: id("net/snps,dwmac.yaml"),
    select: false,
    properties: {
      resets: { $ref: "/schemas/types.yaml#/definitions/phandle-array" },
      "snps,axi-config": { $ref: "/schemas/types.yaml#/definitions/phandle" },
    },
  },
  [id("serial/vendor-uart.yaml")]: {
    $id: id("serial/vendor-uart.yaml"),
    select: {
      properties: { compatible: { contains: { pattern: "^vendor,uart-[0-9]+$" } } },
      required: ["compatible"],
    },
  },
  [id("clock/clock.yaml")]: {
    $id: id("clock/clock.yaml"),
    select: true,
    properties: {
      clocks: {
        anyOf: [{ type: "object" }, { $ref: "/schemas/types.yaml#/definitions/phandle-array" }],
      },
      "clock-names": { $ref: "/schemas/types.yaml#/definitions/string-array" },
    },
    patternProperties: {
      "-supply$": { $ref: "/schemas/types.yaml#/definitions/phandle" },
    },
  },
  [id("net/ethernet-controller.yaml")]: {
    $id: id("net/ethernet-controller.yaml"),
    select: {
      required: ["$nodename"],
      properties: { $nodename: { items: [{ pattern: "^ethernet(@.*)?$" }] } },
    },
    properties: {
      "phy-handle": { $ref: "/schemas/types.yaml#/definitions/phandle" },
      "fixed-link": {
        properties: { "link-gpios": { $ref: "/schemas/types.yaml#/definitions/phandle-array" } },
      },
    },
  },
  [id("types.yaml")]: { $id: id("types.yaml"), select: false, definitions: {} },
};

describe("indexSchema", () => {
  const index = indexSchema(processed);

  it("sorts schemas into compatible-selected and always-selected; select false is neither", () => {
    expect(index.byCompatible).toEqual([
      { id: id("net/calxeda-xgmac.yaml"), names: ["calxeda,hb-xgmac"], patterns: [] },
      { id: id("net/rockchip-dwmac.yaml"), names: ["rockchip,rk3399-gmac"], patterns: [] },
      { id: id("serial/vendor-uart.yaml"), names: [], patterns: ["^vendor,uart-[0-9]+$"] },
    ]);
    expect(index.always).toEqual([id("clock/clock.yaml"), id("net/ethernet-controller.yaml")]);
  });

  it("resolves relative and absolute $refs to the schemas' ids", () => {
    expect(index.refs[id("net/rockchip-dwmac.yaml")]).toEqual([
      id("net/snps,dwmac.yaml"),
      id("types.yaml"),
    ]);
  });

  it("lists the phandle-typed properties, the ones a child node's schema types as well", () => {
    expect(index.phandleProperties).toEqual({
      names: [
        "clocks",
        "interrupt-map",
        "link-gpios",
        "phy-handle",
        "resets",
        "rockchip,grf",
        "snps,axi-config",
      ],
      patterns: ["-supply$"],
    });
    const test = phandlePropertyTest(index);
    expect(["clocks", "vdd-supply", "clock-names", "reg"].map(test)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("schemaSubset", () => {
  const index = indexSchema(processed);

  it("selects by compatible name and pattern", () => {
    expect(schemasForCompatibles(index, ["rockchip,rk3399-gmac", "vendor,uart-3"])).toEqual([
      id("net/rockchip-dwmac.yaml"),
      id("serial/vendor-uart.yaml"),
    ]);
    expect(schemasForCompatibles(index, ["tcg,tpm-tis-mmio"])).toEqual([]);
  });

  it("adds the always-selected schemas and everything the kept ones reference", () => {
    expect(schemaSubset(index, ["rockchip,rk3399-gmac"]).map(schemaName)).toEqual([
      "clock/clock.yaml",
      "net/ethernet-controller.yaml",
      "net/rockchip-dwmac.yaml",
      "net/snps,dwmac.yaml",
      "types.yaml",
    ]);
  });
});
