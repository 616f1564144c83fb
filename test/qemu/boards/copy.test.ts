import { describe, expect, it } from "vitest";
import { asString, asU32 } from "../../../src/fdt/index.js";
import { planWith } from "./widget.js";

/** The widget's guest node: property names in order, and the node. */
function widgetNode(guest: ReturnType<Awaited<ReturnType<typeof planWith>>["run"]>["guest"]) {
  const node = guest.root.child("platform-bus@c000000")?.child("widget@0");
  return { names: [...(node?.properties.keys() ?? [])], node };
}

describe("the dispatcher's copy", () => {
  it("puts the plugin's copy list into the node without build naming it", async () => {
    const { run } = await planWith(`  copy: [
    { name: "compatible", optional: false },
    { name: "acme,absent", optional: true },
    { name: "label", optional: true },
  ],
  build: () => ({ name: "widget" }),`);
    const { names, node } = widgetNode(run().guest);
    expect(names).toEqual(["reg", "interrupts", "compatible", "label"]);
    expect(asString(node?.property("label") ?? new Uint8Array())).toBe("w0");
  });

  it("writes build's properties after the copied ones; one named like a copied one replaces it in place", async () => {
    const { run } = await planWith(`  copy: [
    { name: "compatible", optional: false },
    { name: "label", optional: true },
  ],
  build: ({ values }) => ({
    name: "widget",
    properties: { "acme,mode": values.cells(7), compatible: values.str("acme,widget-guest") },
  }),`);
    const { names, node } = widgetNode(run().guest);
    expect(names).toEqual(["reg", "interrupts", "compatible", "label", "acme,mode"]);
    expect(asString(node?.property("compatible") ?? new Uint8Array())).toBe("acme,widget-guest");
    expect(asU32(node?.property("acme,mode") ?? new Uint8Array())).toBe(7);
  });

  it("gives check() the codecs and the fixed-clock test", async () => {
    const { run } = await planWith(`  preconditions: {
    check: ({ host, hostTree, values, isFixedClock }) => {
      const clock = values.asU32(host.properties.get("clocks"));
      const hz = values.asU32(hostTree.nodeByPhandle(clock).properties.get("clock-frequency"));
      return [\`mode \${values.asU32(host.properties.get("acme,mode"))}, \${hz} Hz, fixed: \${isFixedClock(clock)}\`];
    },
  },
  build: () => ({ name: "widget" }),`);
    expect(run).toThrow(
      expect.objectContaining({
        code: "BOARD_PRECONDITION",
        message: expect.stringContaining("  mode 3, 1000 Hz, fixed: true\n"),
      }),
    );
  });
});
