/**
 * dt-validate's report, read and placed on nodes. The fixture is dt-validate 2022.08.2's
 * real stderr (`dt-validate -M -s SUBSET guest.dtb host.dtb`) for rk3399-firefly's GMAC
 * planned by the generic plugin, against Linux 6.1's bindings; the order file lists each
 * small tree's nodes as platpass wrote them (src/fdt/excerpt.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  parseValidateOutput,
  placeRecords,
  type ValidateRecord,
} from "../../../src/fdt/validate.js";

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/dt-validate/${name}`, import.meta.url), "utf8");
const dir = "/tmp/platpass-validate-fixture";
const files = [`${dir}/guest.dtb`, `${dir}/host.dtb`];
const stderr = fixture("rk3399-gmac.stderr.txt");
const order = JSON.parse(fixture("rk3399-gmac.order.json")) as { guest: string[]; host: string[] };

describe("parseValidateOutput", () => {
  it("splits the report per file, each record with its node, message and schema", () => {
    const { records, other } = parseValidateOutput(stderr, files);
    const guestErrors = records.get(files[0]!)!.filter((r) => r.kind === "error");
    expect(guestErrors.filter((r) => r.node === "ethernet@0")).toEqual([
      {
        kind: "error",
        node: "ethernet@0",
        schema: "net/rockchip-dwmac.yaml",
        message: "'snps,reset-gpio' is a dependency of 'snps,reset-active-low'",
      },
      {
        kind: "error",
        node: "ethernet@0",
        schema: "net/rockchip-dwmac.yaml",
        message: "'clocks' is a required property",
      },
      {
        kind: "error",
        node: "ethernet@0",
        schema: "net/rockchip-dwmac.yaml",
        message: "'clock-names' is a required property",
      },
      expect.objectContaining({ message: expect.stringMatching(/^Unevaluated properties/) }),
    ]);
    expect(other).toEqual([]);
  });

  it("keeps a conditional's sub-errors in its message and the child it names", () => {
    const first = parseValidateOutput(stderr, files).records.get(files[0]!)![0];
    expect(first).toEqual({
      kind: "error",
      node: "/",
      schema: "root-node.yaml",
      message:
        "intc@8000000: 'anyOf' conditional failed, one must be fixed:\n'reg' is a required property\n'ranges' is a required property",
    });
  });

  it("reads -M's matched records by full path, schemas by short name", () => {
    const matched = parseValidateOutput(stderr, files)
      .records.get(files[0]!)!
      .find((r) => r.kind === "matched" && r.path === "/platform-bus@c000000/ethernet@0");
    expect(matched).toEqual({
      kind: "matched",
      path: "/platform-bus@c000000/ethernet@0",
      schemas: [
        "gpio/gpio-consumer.yaml",
        "net/ethernet-controller.yaml",
        "net/rockchip-dwmac.yaml",
      ],
    });
  });

  it("keeps lines that belong to no record apart", () => {
    const text = `dt-validate: recursion error: Check for prior errors in a referenced schema\n${files[0]}: /: matched on schema(s)\n\thttp://devicetree.org/schemas/root-node.yaml#\n`;
    const { records, other } = parseValidateOutput(text, files);
    expect(other).toEqual([
      "dt-validate: recursion error: Check for prior errors in a referenced schema",
    ]);
    expect(records.get(files[0]!)).toEqual([
      { kind: "matched", path: "/", schemas: ["root-node.yaml"] },
    ]);
  });
});

describe("placeRecords", () => {
  it("puts each error on the node it is about, in both trees", () => {
    const { records } = parseValidateOutput(stderr, files);
    const guest = placeRecords(order.guest, records.get(files[0]!)!);
    const host = placeRecords(order.host, records.get(files[1]!)!);
    expect(guest.get("/platform-bus@c000000/ethernet@0")?.errors.map((e) => e.message)).toEqual([
      "'snps,reset-gpio' is a dependency of 'snps,reset-active-low'",
      "'clocks' is a required property",
      "'clock-names' is a required property",
      expect.stringMatching(/^Unevaluated properties/),
    ]);
    expect(host.get("/ethernet@fe300000")?.errors).toEqual([
      {
        schema: "net/rockchip-dwmac.yaml",
        message: "Unevaluated properties are not allowed ('snps,txpbl' was unexpected)",
      },
    ]);
    expect(host.get("/pinctrl/gpio@ff788000")?.errors.map((e) => e.schema)).toEqual([
      "gpio/gpio.yaml",
    ]);
  });

  it("tells two nodes of one name apart by where the last matched record left off", () => {
    const order = ["/", "/a", "/a/x@0", "/b", "/b/x@0"];
    const error = (message: string): ValidateRecord => ({
      kind: "error",
      node: "x@0",
      schema: "s.yaml",
      message,
    });
    const placed = placeRecords(order, [
      error("first"),
      { kind: "matched", path: "/a/x@0", schemas: ["s.yaml"] },
      error("second"),
    ]);
    expect(placed.get("/a/x@0")?.errors.map((e) => e.message)).toEqual(["first"]);
    expect(placed.get("/b/x@0")?.errors.map((e) => e.message)).toEqual(["second"]);
  });
});
