/**
 * The per-class plugins (dwmac, etheravb, sdhci, dw-mmc, dwc3, cadence-gem, fec) on the small
 * host fixtures beside the golden ones: what each plan says about the guest node it wrote —
 * the compatible it falls back to and why, the drops its driver probes without (warnings),
 * the requirements the guest cannot have (findings) — and that every node a plan adds besides
 * the devices' own is one a mainline driver binds.
 */
import { describe, expect, it } from "vitest";
import { type FdtNode, findNode, walk } from "../../../src/fdt/index.js";
import { asStrings, asU32 } from "../../../src/fdt/values.js";
import { planOnFixture } from "./plan-fixture.js";

async function planned(plugin: string, devices: unknown[]) {
  const result = await planOnFixture(plugin, devices);
  const messages = (i: number) => result.plan.devices[i]!.warnings.map((w) => w.message);
  const findings = (i: number) => result.plan.devices[i]!.findings.map((f) => f.property);
  const node = (i: number) => findNode(result.guest, result.plan.devices[i]!.guestNodes[0]!)!;
  return { ...result, messages, findings, node };
}

const strings = (node: FdtNode, name: string) => asStrings(node.property(name)!);

describe("the dwmac plugin", () => {
  it("gives a glue that needs a host syscon the generic core, with only the core's clocks", async () => {
    const { plan, messages, findings, node } = await planned("dwmac", [
      { host: "20010000.ethernet", options: { clockRates: { mac_clk_rx: 125_000_000 } } },
    ]);
    expect(plan.devices[0]!.plugin).toBe("dwmac");
    expect(strings(node(0), "compatible")).toEqual(["snps,dwmac"]);
    expect(strings(node(0), "clock-names")).toEqual(["stmmaceth"]);
    expect(messages(0)).toContain(
      "compatible: the guest node is 'snps,dwmac': the glue driver dwmac-rk needs the host's 'rockchip,grf', so the guest gets the generic core (dwmac-generic) with the interface mode the host set",
    );
    expect(messages(0)).toContain(
      "'rockchip,grf' is no guest-driver finding: the generic core's driver does not use dwmac-rk's",
    );
    expect(messages(0)).toContain(
      "'resets' is no guest-driver finding: stmmac takes its resets as optional",
    );
    expect(findings(0)).toEqual([]);
  });

  it("keeps the PHY on the MAC's own MDIO bus, without its interrupt and reset GPIO", async () => {
    const { plan, guest, messages, node } = await planned("dwmac", [{ host: "20010000.ethernet" }]);
    const phy = findNode(guest, `${plan.devices[0]!.guestNodes[0]}/mdio/ethernet-phy@1`)!;
    expect(asU32(node(0).property("phy-handle")!)).toBe(asU32(phy.property("phandle")!));
    expect([...phy.properties.keys()]).toEqual(["phandle", "compatible", "reg"]);
    expect(messages(0)).toContain(
      "dropped 'reset-gpios' of the PHY subtree's /soc/ethernet@20010000/mdio/ethernet-phy@1: GPIOs belong to host GPIO controllers; the host's reset line stays as the host left it",
    );
    expect(messages(0)).toContain(
      "supply 'phy-supply': stand-in regulator-fixed /regulator-vcc_phy at 3300000 µV, voltage from the host DT's /regulator-phy",
    );
  });

  it("names a PHY on another MAC's bus and a syscon no generic core replaces as findings", async () => {
    const { plan, findings, node } = await planned("dwmac", [
      { host: "20020000.ethernet" },
      { host: "20030000.ethernet" },
    ]);
    expect(findings(0)).toEqual(["phy-handle"]);
    expect(plan.devices[0]!.findings[0]!.message).toBe(
      "the guest driver will not find its PHY: its PHY /soc/ethernet@20010000/mdio/ethernet-phy@1 is not on the device's own MDIO bus, so the guest has no bus to reach it",
    );
    expect(node(0).hasProperty("phy-handle")).toBe(false);
    expect(findings(1)).toEqual(["syscon"]);
    expect(strings(node(1), "compatible")).toEqual(["allwinner,sun50i-a64-emac"]);
  });
});

describe("the etheravb, cadence-gem and fec plugins", () => {
  it("etheravb keeps its PHY child; its binding's resets and power domain are warnings", async () => {
    const { messages, findings, node } = await planned("etheravb", [{ host: "20800000.ethernet" }]);
    expect(node(0).children.map((c) => c.name)).toEqual(["ethernet-phy@0"]);
    expect(findings(0)).toEqual([]);
    expect(messages(0)).toContain(
      "'resets' is no guest-driver finding: renesas,etheravb.yaml requires it, but ravb takes its reset as optional (devm_reset_control_get_optional_exclusive)",
    );
  });

  it("cadence-gem keeps its mdio child with the PHY", async () => {
    const { findings, node } = await planned("cadence-gem", [{ host: "20e00000.ethernet" }]);
    expect(node(0).children.map((c) => c.name)).toEqual(["mdio"]);
    expect(strings(node(0), "clock-names")).toEqual(["pclk", "hclk", "tx_clk"]);
    expect(findings(0)).toEqual([]);
  });

  it("fec leaves out enet_out without a rate and the host's stop-mode GPR, and keeps the PHY's own regulator", async () => {
    const { plan, guest, messages, findings, node } = await planned("fec", [
      { host: "20be0000.ethernet" },
    ]);
    expect(strings(node(0), "clock-names")).toEqual(["ipg", "ahb", "ptp", "enet_clk_ref"]);
    expect(node(0).hasProperty("fsl,stop-mode")).toBe(false);
    expect(messages(0)).toContain(
      "dropped 'fsl,stop-mode': it names the host's GPR, which fec uses only to suspend",
    );
    const phy = findNode(guest, `${plan.devices[0]!.guestNodes[0]}/mdio/ethernet-phy@0`)!;
    const regulator = phy.child("vddio-regulator")!;
    expect(asU32(phy.property("vddio-supply")!)).toBe(asU32(regulator.property("phandle")!));
    expect(findings(0)).toEqual([]);
    // With a rate for it, enet_out comes along.
    const rated = await planned("fec", [
      { host: "20be0000.ethernet", options: { clockRates: { enet_out: 50_000_000 } } },
    ]);
    expect(strings(rated.node(0), "clock-names")).toContain("enet_out");
  });
});

describe("the sdhci, dw-mmc and dwc3 plugins", () => {
  it("sdhci gives an Arasan 5.1 with a host PHY the PHY-less core, without HS400", async () => {
    const { messages, findings, node } = await planned("sdhci", [
      { host: "20030000.mmc" },
      { host: "20040000.mmc" },
    ]);
    expect(strings(node(0), "compatible")).toEqual(["arasan,sdhci-8.9a"]);
    for (const gone of ["phys", "phy-names", "arasan,soc-ctl-syscon", "mmc-hs400-1_8v"])
      expect(node(0).hasProperty(gone)).toBe(false);
    expect(messages(0)).toContain(
      "compatible: the guest node is 'arasan,sdhci-8.9a': sdhci-of-arasan needs the 5.1 core's PHY, and /soc/syscon@20001000/phy@f780 is driven by the host",
    );
    expect(findings(0)).toEqual([]);
    // A plain 8.9a keeps its compatible and gets no fallback.
    expect(strings(node(1), "compatible")).toEqual(["arasan,sdhci-8.9a"]);
    expect(messages(1).some((m) => m.startsWith("compatible:"))).toBe(false);
  });

  it("dw-mmc keeps biu/ciu only, drops the modes that need tuning and names the optional supply", async () => {
    const { messages, findings, node } = await planned("dw-mmc", [{ host: "20050000.mmc" }]);
    expect(strings(node(0), "clock-names")).toEqual(["biu", "ciu"]);
    expect(node(0).hasProperty("sd-uhs-sdr104")).toBe(false);
    expect(node(0).hasProperty("mmc-pwrseq")).toBe(false);
    expect(messages(0)).toContain(
      "'vmmc-supply' is no guest-driver finding: the MMC core takes vmmc as optional (the host keeps the card powered)",
    );
    expect(findings(0)).toEqual([]);
  });

  it("dwc3 takes the core below its glue, and the glue stays with the host", async () => {
    const { plan, messages, findings } = await planned("dwc3", [{ host: "20800000.usb" }]);
    expect(plan.devices[0]!.plugin).toBe("dwc3");
    expect(findings(0)).toEqual([]);
    expect(messages(0)).toContain(
      "'phys' is no guest-driver finding: dwc3 takes its PHYs as optional; they stay the host's, which must keep them powered",
    );
    await expect(planned("dwc3", [{ host: "soc:usb@20800000" }])).rejects.toMatchObject({
      code: "BOARD_NO_PLUGIN",
    });
  });
});

describe("what the class plugins add besides the devices' own nodes", () => {
  it("only fixed clocks, fixed regulators, the nop PHY and PHY children: each bound by a mainline driver", async () => {
    const cases: [string, string[]][] = [
      ["dwmac", ["20010000.ethernet", "20020000.ethernet", "20030000.ethernet"]],
      ["etheravb", ["20800000.ethernet"]],
      ["sdhci", ["20030000.mmc", "20040000.mmc"]],
      ["dw-mmc", ["20050000.mmc"]],
      ["dwc3", ["20800000.usb", "20a00000.usb"]],
      ["cadence-gem", ["20e00000.ethernet"]],
      ["fec", ["20be0000.ethernet"]],
    ];
    const added = new Set<string>();
    const children = new Set<string>();
    for (const [plugin, hosts] of cases) {
      const { plan, guest } = await planned(
        plugin,
        hosts.map((host) => ({ host })),
      );
      for (const d of plan.devices) {
        for (const path of d.guestNodes.slice(1))
          for (const c of strings(findNode(guest, path)!, "compatible")) added.add(c);
        const [device, ...inside] = [...walk(findNode(guest, d.guestNodes[0]!)!)];
        expect(device).toBeDefined();
        for (const n of inside) {
          const compatible = n.property("compatible");
          if (compatible) for (const c of asStrings(compatible)) children.add(c);
        }
      }
    }
    // clk-fixed-rate, reg-fixed-voltage and phy-generic bind these.
    expect([...added].sort()).toEqual(["fixed-clock", "regulator-fixed", "usb-nop-xceiv"]);
    // of_mdiobus_register registers each PHY child; stmmac's "snps,dwmac-mdio" is its bus.
    for (const c of children) expect(c).toMatch(/^(ethernet-phy-|snps,dwmac-mdio$)/);
  });
});
