import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);

async function planGeneric(devices: unknown[]) {
  const hostTree = readDtb(await compileDts(fixture("generic.host.dts")));
  return buildPlanFor({
    config: parseConfig({ devices, machine: { accel: "tcg" } }),
    hostDevices: devicesFromDtb(hostTree),
    hostTree,
    baseDtb: await compileDts(baseDts),
    registry: await loadRegistry(),
    dtbFile: "guest.dtb",
    qemuBinary: "qemu-system-aarch64",
  });
}

describe("the generic plugin", () => {
  it("lists every host reference it drops, and each child node", async () => {
    const { plan } = await planGeneric([{ host: "20020000.usb" }]);
    expect(plan.devices[0]?.warnings.map((w) => w.property ?? w.message)).toEqual([
      "clocks",
      "clock-names",
      "resets",
      "reset-names",
      "power-domains",
      "iommus",
      "dmas",
      "dma-names",
      "phys",
      "phy-names",
      "vbus-supply",
      "reset-gpios",
      "acme,grf",
      "dropped child node 'port': child nodes are not copied",
    ]);
    expect(plan.warnings[0]).toBe(
      "20020000.usb: dropped 'clocks': host clock /soc/clock-controller@20000000 is not a fixed-clock",
    );
  });

  it("replaces fixed clocks with guest copies and drops pin control and status", async () => {
    const { plan } = await planGeneric([{ host: "20010000.serial" }]);
    expect(plan.devices[0]?.guestNodes).toEqual(["/platform-bus@c000000/serial@0", "/oscillator"]);
    expect(plan.devices[0]?.warnings.map((w) => w.property)).toEqual([
      "pinctrl-names",
      "pinctrl-0",
      "status",
    ]);
  });

  it("keeps and drops what its options say", async () => {
    const { plan, guest } = await planGeneric([
      {
        host: "20010000.serial",
        options: { keep: ["status"], drop: ["reg-io-width"], nodeName: "uart" },
      },
    ]);
    const node = guest.root.child("platform-bus@c000000")?.child("uart@0");
    expect(node?.hasProperty("status")).toBe(true);
    expect(node?.hasProperty("reg-io-width")).toBe(false);
    expect(plan.devices[0]?.warnings.map((w) => w.property)).toEqual([
      "reg-io-width",
      "pinctrl-names",
      "pinctrl-0",
    ]);
  });
});
