/**
 * Devices that depend on devices, on the A64 fixture (dma-group.host.dts): an I2S DAI and an
 * I2S controller whose `dmas` name the sun6i-dma. Assigned with the DMA controller, each keeps
 * `dmas` (cells and `dma-names` too) pointing at the controller's guest node, the plan notes
 * the group, and dt-validate (Linux 6.1's bindings) finds no dmas/dma-names error on them;
 * assigned alone, the drop and its finding stay, naming the controller to add. Golden guest
 * nodes in fixtures/dma-group.guest.dts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileDts, findNode, readDtb } from "../../../src/fdt/index.js";
import { asU32 } from "../../../src/fdt/values.js";
import { validatePlan } from "../../../src/world/validate-plan.js";
import { guestFragment } from "./fragment.js";
import { planOnFixture } from "./plan-fixture.js";

const fixture = (name: string) => new URL(`fixtures/${name}`, import.meta.url);
const hostTree = async () =>
  readDtb(await compileDts(readFileSync(fixture("dma-group.host.dts"), "utf8")));

/** The consumers before their provider: the reference is to a node planned after them. */
const GROUP = [
  { host: "1c22c00.dai" },
  { host: "1c22000.i2s" },
  { host: "1c02000.dma-controller" },
];

describe("a device whose dmas name a DMA controller assigned with it", () => {
  it("refers to the controller's guest node, cells kept, and the plan says so", async () => {
    const { plan, guest } = await planOnFixture("dma-group", GROUP);
    const [dai, i2s, dma] = plan.devices.map((d) => findNode(guest, d.guestNodes[0]!)!);
    const phandle = asU32(dma!.property("phandle")!);
    for (const node of [dai!, i2s!]) expect(node.property("dma-names")).toBeDefined();
    const words = (v: Uint8Array) =>
      Array.from({ length: v.length / 4 }, (_, i) => asU32(v.subarray(i * 4, i * 4 + 4)));
    expect(words(dai!.property("dmas")!)).toEqual([phandle, 15, phandle, 15]);
    expect(words(i2s!.property("dmas")!)).toEqual([phandle, 3, phandle, 3]);
    expect(plan.devices[0]!.findings.map((f) => f.property)).not.toContain("dmas");
    expect(plan.devices[0]!.warnings).toContainEqual({
      message:
        "'dmas' refers to the guest node of the assigned 1c02000.dma-controller, its cells kept",
      property: "dmas",
    });
    expect(plan.notes).toEqual([
      `dmas of 1c22c00.dai refer to the assigned 1c02000.dma-controller's guest node ${plan.devices[2]!.guestNodes[0]}: the two go to the guest together (without 1c02000.dma-controller in the config they are dropped; its other users on the host lose it)`,
      `dmas of 1c22000.i2s refer to the assigned 1c02000.dma-controller's guest node ${plan.devices[2]!.guestNodes[0]}: the two go to the guest together (without 1c02000.dma-controller in the config they are dropped; its other users on the host lose it)`,
    ]);
    expect(plan.devices[2]!.warnings).toContainEqual({
      message:
        "'phandle': the guest node has a phandle of its own: dmas of 1c22c00.dai; dmas of 1c22000.i2s refer to it",
      property: "phandle",
    });
    const text = guestFragment(guest, [plan.guest.platformBus]);
    if (process.env.PLATPASS_UPDATE_GOLDEN === "1")
      writeFileSync(fixture("dma-group.guest.dts"), text);
    expect(text).toBe(readFileSync(fixture("dma-group.guest.dts"), "utf8"));
  });

  it("passes dt-validate's dmas and dma-names rules, which the consumer alone breaks", async () => {
    const host = await hostTree();
    const errorsOf = async (devices: unknown[]) => {
      const { plan, guest } = await planOnFixture("dma-group", devices);
      const { nodes } = await validatePlan(plan, guest, host);
      return nodes[0]!.errors.filter((e) => e.origin === "introduced").map((e) => e.message);
    };
    const alone = await errorsOf([GROUP[0]]);
    expect(alone).toContain("'dmas' is a required property");
    expect(alone).toContain("'dma-names' is a required property");
    const grouped = await errorsOf(GROUP);
    expect(grouped.filter((m) => /dma/.test(m))).toEqual([]);
  });

  it("assigned without the controller, drops dmas with a finding naming the controller", async () => {
    const { plan, guest } = await planOnFixture("dma-group", [GROUP[0]]);
    const node = findNode(guest, plan.devices[0]!.guestNodes[0]!)!;
    expect(node.hasProperty("dmas")).toBe(false);
    expect(node.hasProperty("dma-names")).toBe(false);
    expect(plan.devices[0]!.findings).toContainEqual({
      property: "dmas",
      message:
        "no DMA engine in the guest: a driver that requires its DMA channels will not probe; assign its provider 1c02000.dma-controller in the same config and the guest node refers to that device's guest node",
    });
    expect(plan.notes).toEqual([]);
  });
});
