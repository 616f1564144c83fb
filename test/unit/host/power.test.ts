import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readDtb } from "../../../src/fdt/read.js";
import { parseClkSummary } from "../../../src/host/power/clk-summary.js";
import { type DevicePower, devicePower, type KernelPower } from "../../../src/host/power/device.js";
import { parseGenpdSummary } from "../../../src/host/power/genpd-summary.js";
import { powerVerdict } from "../../../src/host/power/rules.js";

const text = (name: string) =>
  readFileSync(new URL(`./fixtures/power/${name}`, import.meta.url), "utf8");
const tree = readDtb(readFileSync(new URL("./fixtures/clocks.dtb", import.meta.url)));
const node = (path: string) => {
  const parts = path.split("/").filter(Boolean);
  let n = tree.root;
  for (const p of parts) n = n.child(p)!;
  return n;
};
const TPM = { name: "c000000.tpm_tis", properties: node("/tpm_tis@c000000").properties };
const GMAC = { name: "fe300000.ethernet", properties: node("/ethernet@fe300000").properties };

function kernel(clkSummary: string, genpd = "l1-6.1.192-pm_genpd_summary.txt"): KernelPower {
  return {
    clocks: parseClkSummary(text(clkSummary))!,
    domains: parseGenpdSummary(text(genpd))!,
  };
}

describe("clk_summary", () => {
  it("reads Debian 6.1.192's columns: counts, rate, hardware enable, consumers, parents", () => {
    const summary = parseClkSummary(text("l1-6.1.192-clk_summary.txt"))!;
    expect(summary.consumerColumns).toBe(true);
    expect(summary.clocks).toEqual([
      {
        name: "clk24mhz",
        parent: undefined,
        enableCount: 4,
        prepareCount: 5,
        rate: 24_000_000,
        hardwareEnabled: true,
        consumers: [
          { device: "9030000.pl061", connection: "apb_pclk" },
          { device: "9000000.pl011", connection: undefined },
          { device: "9000000.pl011", connection: "apb_pclk" },
          { device: undefined, connection: undefined },
        ],
      },
      {
        name: "tpm-bus-gate",
        parent: "clk24mhz",
        enableCount: 1,
        prepareCount: 1,
        rate: 24_000_000,
        hardwareEnabled: true,
        consumers: [
          { device: "9010000.pl031", connection: "apb_pclk" },
          { device: undefined, connection: undefined },
        ],
      },
    ]);
  });

  it("reads the gate the kernel turned off once its last consumer let it go", () => {
    const gate = parseClkSummary(text("l1-6.1.192-clk_summary-gated.txt"))!.clocks[1];
    expect(gate).toMatchObject({ name: "tpm-bus-gate", enableCount: 0, hardwareEnabled: false });
    expect(gate!.consumers).toEqual([{ device: undefined, connection: undefined }]);
  });

  it("reads kernels without consumer columns (6.0 to 6.1.87)", () => {
    const summary = parseClkSummary(text("l1-pre-consumers-clk_summary-gated.txt"))!;
    expect(summary.consumerColumns).toBe(false);
    expect(
      summary.clocks.map((c) => [
        c.name,
        c.parent,
        c.enableCount,
        c.rate,
        c.hardwareEnabled,
        c.consumers,
      ]),
    ).toEqual([
      ["clk24mhz", undefined, 3, 24_000_000, true, undefined],
      ["tpm-bus-gate", "clk24mhz", 0, 24_000_000, false, undefined],
    ]);
  });

  it("reads a real board's clocks three levels deep and a clock with five consumers (sc8280xp, 7.1)", () => {
    const clocks = parseClkSummary(text("sc8280xp-7.1-clk_summary-excerpt.txt"))!.clocks;
    const byName = new Map(clocks.map((c) => [c.name, c]));
    expect(byName.get("LPASS_HW_DCODEC")!.consumers!.map((c) => c.device)).toEqual([
      "3240000.codec",
      "3220000.txmacro",
      "3200000.rxmacro",
      "3370000.codec",
      "pinctrl@33c0000",
    ]);
    expect(byName.get("gcc_pcie_3b_pipediv2_clk")!.parent).toBe("gcc_pcie_3b_pipe_div_clk_src");
    expect(byName.get("gcc_pcie_3b_pipe_clk")).toMatchObject({
      parent: "gcc_pcie_3b_pipe_clk_src",
      rate: 19_200_000,
      hardwareEnabled: false,
    });
    expect(clocks).toHaveLength(7);
  });

  it("is not fooled by a file that is not a clk_summary", () => {
    expect(parseClkSummary(text("l1-6.1.192-pm_genpd_summary.txt"))).toBeUndefined();
  });
});

describe("pm_genpd_summary", () => {
  it("lists no domain on a host without power domains (the emulated host)", () => {
    expect(parseGenpdSummary(text("l1-6.1.192-pm_genpd_summary.txt"))).toEqual([]);
  });

  it("names 6.1's devices (kobject paths) by their sysfs name", () => {
    const domains = parseGenpdSummary(text("format-6.1-pm_genpd_summary.txt"))!;
    expect(
      domains.map((d) => [d.name, d.state, d.devices.map((x) => `${x.name}:${x.runtimeStatus}`)]),
    ).toEqual([
      ["pd_gmac", "off-0", ["fe300000.ethernet:suspended"]],
      ["pd_sdioaudio", "on", ["fe310000.mmc:active"]],
      ["pd_usb3", "on", ["usb@fe800000:unsupported", "usb@fe900000:active"]],
      ["pd_vio", "off-0", []],
    ]);
  });

  it("reads a real board's domains with genpd:N: virtual devices and long names (sc8280xp, 7.1)", () => {
    const domains = parseGenpdSummary(text("sc8280xp-7.1-pm_genpd_summary-excerpt.txt"))!;
    expect(domains.map((d) => [d.name, d.on, d.devices.map((x) => x.name)])).toEqual([
      ["titan_top_gdsc", true, ["ac4c000.cci", "ac5a000.camss"]],
      ["ife_0_gdsc", false, ["ac5a000.camss"]],
      ["bps_gdsc", false, []],
      ["usb30_prim_gdsc", true, ["a6f8800.usb", "88eb000.phy", "aux_bridge.aux_bridge.0"]],
      ["hlos1_vote_mmnoc_mmu_tbu_sf1_gdsc", true, []],
    ]);
  });
});

describe("the device's clocks and domains, and the verdict", () => {
  it("matches the TPM's clocks to the kernel's by clock-output-names and by node name, with their rates", () => {
    const power = devicePower(kernel("l1-6.1.192-clk_summary.txt"), tree, TPM, "unsupported");
    expect(power.clocks.map((c) => [c.index, c.connection, c.provider, c.name, c.rate])).toEqual([
      [0, "apb_pclk", "/apb-pclk", "clk24mhz", 24_000_000],
      [1, "bus", "/tpm-bus-gate", "tpm-bus-gate", 24_000_000],
    ]);
    expect(powerVerdict(power, TPM.name, "tpm_tis")).toEqual({ problems: [], notes: [] });
  });

  it("refuses the TPM once its gate is off, on kernels with and without consumer columns", () => {
    for (const file of [
      "l1-6.1.192-clk_summary-gated.txt",
      "l1-pre-consumers-clk_summary-gated.txt",
    ]) {
      const power = devicePower(kernel(file), tree, TPM, "unsupported");
      expect(powerVerdict(power, TPM.name, "vfio-platform").problems).toEqual([
        {
          kind: "clock",
          message:
            "clock tpm-bus-gate ('bus') is off (enable count 0, gated in hardware): the guest would find a dead device",
        },
      ]);
    }
  });

  it("names a controller's output by its specifier, and a clock the kernel lists the device under", () => {
    const summary = {
      consumerColumns: true,
      clocks: [
        {
          name: "aclk_gmac",
          parent: undefined,
          enableCount: 1,
          prepareCount: 1,
          rate: 125_000_000,
          hardwareEnabled: true,
          consumers: [],
        },
        {
          name: "pclk_gmac_g",
          parent: undefined,
          enableCount: 1,
          prepareCount: 1,
          rate: 50_000_000,
          hardwareEnabled: true,
          consumers: [{ device: GMAC.name, connection: "pclk_mac" }],
        },
      ],
    };
    const power = devicePower({ clocks: summary, domains: [] }, tree, GMAC, "active");
    expect(power.clocks.map((c) => [c.name, c.rate])).toEqual([
      ["aclk_gmac", 125_000_000],
      ["pclk_gmac_g", 50_000_000],
    ]);
    expect(powerVerdict(power, GMAC.name, "rk_gmac-dwmac").notes).toEqual([
      "clock pclk_gmac_g ('pclk_mac') is held by the host driver rk_gmac-dwmac: unbinding it may gate the clock (launch checks again after binding vfio-platform)",
      "its DT names power-domains but no genpd domain lists the device",
    ]);
  });

  it("refuses a device on vfio whose domain is off, and only notes it while the host driver has it", () => {
    const k = kernel("l1-6.1.192-clk_summary.txt", "format-6.1-pm_genpd_summary.txt");
    const power = devicePower(k, tree, GMAC, "suspended");
    expect(power.domains).toEqual([
      { name: "pd_gmac", on: false, state: "off-0", runtimeStatus: "suspended" },
    ]);
    expect(powerVerdict(power, GMAC.name, "vfio-platform").problems).toEqual([
      {
        kind: "power-domain",
        message: "power domain pd_gmac is off-0: the guest would find a dead device",
      },
    ]);
    const withHost = powerVerdict(power, GMAC.name, "rk_gmac-dwmac");
    expect(withHost.problems).toEqual([]);
    expect(withHost.notes).toContain(
      "power domain pd_gmac is off-0 (the device is runtime-suspended): binding vfio-platform powers it on (launch checks again)",
    );
  });

  it("says plainly when the kernel does not tell, instead of refusing", () => {
    const untold: KernelPower = {
      clocks: { untold: "debugfs is not mounted" },
      domains: { untold: "debugfs is not mounted" },
    };
    const power: DevicePower = devicePower(untold, tree, GMAC, undefined);
    expect(powerVerdict(power, GMAC.name, "vfio-platform")).toEqual({
      problems: [],
      notes: [
        "the kernel does not tell whether its clocks run: debugfs is not mounted",
        "the kernel does not tell whether its power domain is on: debugfs is not mounted",
        "the kernel has no runtime PM state for it (no power/runtime_status: CONFIG_PM off)",
      ],
    });
  });
});
