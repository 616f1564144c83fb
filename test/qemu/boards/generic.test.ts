import { describe, expect, it } from "vitest";
import { asStrings, asU32 } from "../../../src/fdt/values.js";
import type { HostDevice } from "../../../src/host/device.js";
import { planOnFixture } from "./plan-fixture.js";

/**
 * The fixture's devices, planned by the generic plugin even where a class plugin matches
 * (20020000.usb is a snps,dwc3).
 */
const planGeneric = (devices: unknown[], discovered?: (found: HostDevice[]) => HostDevice[]) =>
  planOnFixture(
    "generic",
    devices.map((d) => ({ plugin: "generic", ...(d as object) })),
    discovered,
  );

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
      "20020000.usb: dropped 'clocks': host clock /soc/clock-controller@20000000 is not a fixed-clock and the host DT states no rate for 'ref'",
    );
  });

  it("names each drop the guest driver may not probe without as a guest-driver finding", async () => {
    const { plan } = await planGeneric([{ host: "20020000.usb" }]);
    expect(plan.devices[0]?.findings.map((f) => f.property)).toEqual([
      "clocks",
      "resets",
      "power-domains",
      "iommus",
      "dmas",
      "phys",
      "vbus-supply",
      "acme,grf",
      "port",
    ]);
    expect(plan.findings).toContain(
      "20020000.usb: vbus-supply: the guest gets no regulator for it (the host regulator /soc/regulator states no fixed voltage (regulator-min-microvolt = regulator-max-microvolt)): a driver that requires the supply will not probe",
    );
    expect(plan.findings).toContain(
      "20020000.usb: resets: no reset controller in the guest: a driver that requires its resets will not probe; its provider 20000000.clock-controller is also the host's clock controller, which stays with the host",
    );
    expect(plan.findings).toContain(
      "20020000.usb: dmas: no DMA engine in the guest: a driver that requires its DMA channels will not probe; assign its provider 20005000.dma-controller in the same config and the guest node refers to that device's guest node",
    );
    // A property the config drops on purpose is the user's decision, not a finding.
    const dropped = await planGeneric([{ host: "20020000.usb", options: { drop: ["resets"] } }]);
    expect(dropped.plan.devices[0]?.findings.map((f) => f.property)).not.toContain("resets");
  });

  it("gives a usb-nop-xceiv PHY list the nop stand-in and a fixed-voltage supply a regulator-fixed", async () => {
    const { plan, guest } = await planGeneric([{ host: "20050000.usb" }]);
    const device = plan.devices[0]!;
    expect(device.findings).toEqual([]);
    expect(device.guestNodes).toEqual([
      "/platform-bus@c000000/usb@0",
      "/usb-phy-nop",
      "/regulator-vcc1v8",
    ]);
    expect(device.warnings.map((w) => w.message)).toEqual([
      "'phys': stand-in usb-nop-xceiv /usb-phy-nop, which Linux's phy-generic serves",
      "supply 'vbus-supply': stand-in regulator-fixed /regulator-vcc1v8 at 1800000 µV, voltage from the host DT's /soc/regulator-1v8",
    ]);
    const phandle = (path: string) => asU32(guest.root.child(path.slice(1))!.property("phandle")!);
    const node = guest.root.child("platform-bus@c000000")!.child("usb@0")!;
    expect(asU32(node.property("phys")!)).toBe(phandle("/usb-phy-nop"));
    expect(asStrings(node.property("phy-names")!)).toEqual(["usb"]);
    expect(asU32(node.property("vbus-supply")!)).toBe(phandle("/regulator-vcc1v8"));
    const regulator = guest.root.child("regulator-vcc1v8")!;
    expect(asStrings(regulator.property("compatible")!)).toEqual(["regulator-fixed"]);
    expect(asU32(regulator.property("regulator-min-microvolt")!)).toBe(1_800_000);
    expect(asU32(regulator.property("regulator-max-microvolt")!)).toBe(1_800_000);
    expect(asStrings(guest.root.child("usb-phy-nop")!.property("compatible")!)).toEqual([
      "usb-nop-xceiv",
    ]);
  });

  it("gives controller clocks stand-in fixed-clocks at the rates the host DT states and the config gives", async () => {
    const { plan, guest } = await planGeneric([
      { host: "20040000.mmc", options: { clockRates: { card: 25_000_000 } } },
    ]);
    const device = plan.devices[0]!;
    expect(device.guestNodes).toEqual([
      "/platform-bus@c000000/mmc@0",
      "/clock-20040000.mmc-core",
      "/clock-20040000.mmc-bus",
      "/clock-20040000.mmc-card",
    ]);
    const rate = (path: string) => guest.root.child(path.slice(1))?.property("clock-frequency");
    expect(device.guestNodes.slice(1).map((p) => asU32(rate(p)!))).toEqual([
      50_000_000, 12_000_000, 25_000_000,
    ]);
    expect(device.warnings.slice(0, 3).map((w) => w.message)).toEqual([
      "clock '20040000.mmc-core': stand-in fixed-clock /clock-20040000.mmc-core at 50000000 Hz, rate from the host DT's assigned-clock-rates",
      "clock '20040000.mmc-bus': stand-in fixed-clock /clock-20040000.mmc-bus at 12000000 Hz, rate from the host DT's /oscillator through /clock-div2",
      "clock '20040000.mmc-card': stand-in fixed-clock /clock-20040000.mmc-card at 25000000 Hz, rate from the config's clockRates",
    ]);
    const node = guest.root.child("platform-bus@c000000")?.child("mmc@0");
    expect(asStrings(node!.property("clock-names")!)).toEqual(["core", "bus", "card"]);
    expect(device.findings).toEqual([]);
  });

  it("takes the rate the live kernel reports over the host DT's and the config's", async () => {
    // As the live host discovers it: clk debugfs names two of the three clocks.
    const live = (found: HostDevice[]) =>
      found.map((d) =>
        d.name === "20040000.mmc"
          ? {
              ...d,
              power: {
                clocks: [
                  {
                    index: 0,
                    connection: "core",
                    provider: "/cru",
                    name: "cclk_sdmmc",
                    rate: 49_500_000,
                  },
                  { index: 1, connection: "bus", provider: "/clock-div2", name: undefined },
                  {
                    index: 2,
                    connection: "card",
                    provider: "/cru",
                    name: "sdmmc_card",
                    rate: 26_000_000,
                  },
                ],
                clocksUntold: undefined,
                domains: [],
                domainsUntold: undefined,
                wantsDomains: false,
                runtimeStatus: "active",
              },
            }
          : d,
      );
    const { plan } = await planGeneric(
      [{ host: "20040000.mmc", options: { clockRates: { card: 25_000_000 } } }],
      live,
    );
    expect(plan.devices[0]!.warnings.slice(0, 3).map((w) => w.message)).toEqual([
      "clock '20040000.mmc-core': stand-in fixed-clock /clock-20040000.mmc-core at 49500000 Hz, rate from the live host's clk debugfs (cclk_sdmmc)",
      "clock '20040000.mmc-bus': stand-in fixed-clock /clock-20040000.mmc-bus at 12000000 Hz, rate from the host DT's /oscillator through /clock-div2",
      "clock '20040000.mmc-card': stand-in fixed-clock /clock-20040000.mmc-card at 26000000 Hz, rate from the live host's clk debugfs (sdmmc_card)",
    ]);
  });

  it("leaves clocks out and records a finding when a rate is unknown", async () => {
    const { plan, guest } = await planGeneric([{ host: "20040000.mmc" }]);
    expect(plan.devices[0]?.guestNodes).toEqual(["/platform-bus@c000000/mmc@0"]);
    expect(guest.root.child("platform-bus@c000000")?.child("mmc@0")?.hasProperty("clocks")).toBe(
      false,
    );
    expect(plan.devices[0]?.findings).toEqual([
      {
        property: "clocks",
        message:
          "the guest driver will not probe without its clocks (host clock /soc/clock-controller@20000000 is not a fixed-clock and the host DT states no rate for 'card'); give each rate in Hz in the device's options.clockRates, keyed by its clock-names entry",
      },
    ]);
  });

  it("refuses a clock rate that is not a whole number of Hz in a u32", async () => {
    await expect(
      planGeneric([{ host: "20040000.mmc", options: { clockRates: { card: 2 ** 32 } } }]),
    ).rejects.toMatchObject({
      code: "BOARD_OPTIONS",
      message: expect.stringContaining("$.devices[0].options.clockRates.card"),
    });
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
