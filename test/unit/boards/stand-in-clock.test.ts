/**
 * Stand-in clocks (GuestNodes.standInClock, a plugin's ctx.standInClock): fixed-clock nodes at
 * the guest root, one per clock-output-names, since Linux's clk core refuses a second clock of
 * a name it has registered.
 */
import { describe, expect, it } from "vitest";
import { GuestNodes } from "../../../src/boards/guest-nodes.js";
import { Fdt } from "../../../src/fdt/tree.js";
import { asString, asStrings, asU32 } from "../../../src/fdt/values.js";

function nodes(rootNames: string[] = []) {
  const base = new Fdt();
  for (const name of rootNames) base.root.addChild(name);
  const warnings: string[] = [];
  return { guest: new GuestNodes(base), warnings, warn: (m: string) => warnings.push(m) };
}

describe("stand-in clocks", () => {
  it("a fixed-clock at the rate asked for, named as asked, listed with where the rate came from", () => {
    const { guest, warnings, warn } = nodes();
    const ref = guest.standInClock(100_000_000, "clk_ahb", "dev", warn, "the config's clockRates");
    expect(guest.nodes).toHaveLength(1);
    const node = guest.nodes[0]!;
    expect(node).toMatchObject({ name: "clock-clk_ahb", at: "root", label: ref.ref });
    const p = node.properties as Record<string, Uint8Array>;
    expect(asStrings(p.compatible!)).toEqual(["fixed-clock"]);
    expect(asU32(p["#clock-cells"]!)).toBe(0);
    expect(asU32(p["clock-frequency"]!)).toBe(100_000_000);
    expect(asString(p["clock-output-names"]!)).toBe("clk_ahb");
    expect(warnings).toEqual([
      "clock 'clk_ahb': stand-in fixed-clock /clock-clk_ahb at 100000000 Hz, rate from the config's clockRates",
    ]);
  });

  it("one name at one rate is shared; at another rate it gets a suffix, as Linux keeps names unique", () => {
    const { guest, warn } = nodes();
    const a = guest.standInClock(24_000_000, "ref", "a", warn);
    expect(guest.standInClock(24_000_000, "ref", "b", warn)).toBe(a);
    const c = guest.standInClock(48_000_000, "ref", "c", warn);
    expect(c).not.toEqual(a);
    expect(guest.standInClock(48_000_000, "ref", "d", warn)).toBe(c);
    expect(
      guest.nodes.map((n) =>
        asString((n.properties as Record<string, Uint8Array>)["clock-output-names"]!),
      ),
    ).toEqual(["ref", "ref-1"]);
  });

  it("takes a free root name when the base tree has the node name already", () => {
    const { guest, warn } = nodes(["clock-apb"]);
    guest.standInClock(1, "apb", "dev", warn);
    expect(guest.nodes[0]?.name).toBe("clock-apb-1");
  });

  it("refuses a rate a fixed-clock cannot hold, and an empty name", () => {
    const { guest, warn } = nodes();
    for (const rate of [0, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => guest.standInClock(rate, "x", "dev", warn)).toThrow(
        expect.objectContaining({ code: "BOARD_STAND_IN_RATE", where: "dev" }),
      );
    }
    expect(() => guest.standInClock(1, "", "dev", warn)).toThrow(
      expect.objectContaining({ code: "BOARD_STAND_IN_NAME" }),
    );
    expect(guest.nodes).toEqual([]);
  });
});
