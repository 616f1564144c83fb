import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import type { BoardRegistry } from "../../../src/boards/registry.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, type Fdt, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";

const fixture = (name: string) =>
  readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);

let registry: BoardRegistry;
let base: Uint8Array;
beforeAll(async () => {
  registry = await loadRegistry();
  base = await compileDts(baseDts);
});

async function hostOf(dts: string): Promise<Fdt> {
  return readDtb(await compileDts(dts));
}

function plan(hostTree: Fdt, devices: unknown[]) {
  return buildPlanFor({
    config: parseConfig({ devices, machine: { accel: "tcg" } }),
    hostDevices: devicesFromDtb(hostTree),
    hostTree,
    baseDtb: base,
    registry,
    dtbFile: "guest.dtb",
    qemuBinary: "qemu-system-aarch64",
  });
}

describe("plugin selection and preconditions", () => {
  it("names close matches for an unknown device", async () => {
    const host = await hostOf(fixture("amd-xgbe.host.dts"));
    expect(() => plan(host, [{ host: "e0700000.xgbe" }])).toThrow(
      expect.objectContaining({
        code: "PLAN_UNKNOWN_DEVICE",
        message: expect.stringContaining("close matches: e0700000.xgmac"),
        where: "$.devices[0].host",
      }),
    );
  });

  it("names close matches for an unknown plugin", async () => {
    const host = await hostOf(fixture("amd-xgbe.host.dts"));
    expect(() => plan(host, [{ host: "e0700000.xgmac", plugin: "amd-xgmac" }])).toThrow(
      expect.objectContaining({
        code: "PLAN_UNKNOWN_PLUGIN",
        message: expect.stringContaining("amd-xgbe"),
      }),
    );
  });

  it("refuses an AMBA (PrimeCell) device with the reason", async () => {
    const host = await hostOf(
      fixture("virtio-mmio.host.dts").replace(
        "virtio_mmio@a000000 {",
        'pl011@9000000 { compatible = "arm,pl011", "arm,primecell"; reg = <0x0 0x9000000 0x0 0x1000>; interrupts = <0 1 4>; };\n\tvirtio_mmio@a000000 {',
      ),
    );
    expect(() => plan(host, [{ host: "9000000.pl011" }])).toThrow(
      expect.objectContaining({
        code: "BOARD_AMBA_DEVICE",
        message: expect.stringContaining("QEMU's vfio-platform rejects AMBA devices"),
      }),
    );
  });

  it("refuses a device no plugin accepts, with each plugin's reason", async () => {
    const host = await hostOf(fixture("generic.host.dts"));
    expect(() => plan(host, [{ host: "soc:regulator" }])).toThrow(
      expect.objectContaining({
        code: "BOARD_NO_PLUGIN",
        message: expect.stringContaining("generic: the device has no MMIO region to assign"),
      }),
    );
  });

  it("lists every unmet precondition of amd-xgbe: four regions and a clock that is not fixed", async () => {
    const dts = fixture("amd-xgbe.host.dts")
      .replace(", <0 0xe12500f8 0 0x4>", "")
      .replace(
        'compatible = "fixed-clock";\n\t\t\t#clock-cells = <0>;\n\t\t\tclock-frequency = <250000000>;\n\t\t\tclock-output-names = "xgmacclk0_ptp_250mhz";',
        'compatible = "acme,pll";\n\t\t\t#clock-cells = <0>;',
      );
    const host = await hostOf(dts);
    expect(() => plan(host, [{ host: "e0700000.xgmac" }])).toThrow(
      expect.objectContaining({
        code: "BOARD_PRECONDITION",
        message: expect.stringMatching(
          /needs exactly 5 MMIO regions, the device has 4[\s\S]*PTP clock \/smb\/clk250mhz_1 must be a fixed-clock/,
        ),
      }),
    );
  });

  it("reports a missing mandatory copied property as a precondition", async () => {
    const host = await hostOf(fixture("amd-xgbe.host.dts").replace('phy-mode = "xgmii";', ""));
    expect(() => plan(host, [{ host: "e0700000.xgmac" }])).toThrow(
      expect.objectContaining({
        message: expect.stringContaining("needs the host property 'phy-mode'"),
      }),
    );
  });

  it("uses the plugin the config names instead of the best match", async () => {
    const host = await hostOf(fixture("amd-xgbe.host.dts"));
    const { plan: p } = plan(host, [{ host: "e0700000.xgmac", plugin: "generic" }]);
    expect(p.devices[0]).toMatchObject({
      plugin: "generic",
      qemuDevice: "vfio-platform",
      score: null,
    });
  });

  it("keeps a named plugin's refusal: generic will not take a device without MMIO", async () => {
    const host = await hostOf(fixture("generic.host.dts"));
    expect(() => plan(host, [{ host: "oscillator", plugin: "generic" }])).toThrow(
      expect.objectContaining({
        code: "BOARD_PLUGIN_DECLINES",
        message: "plugin 'generic' refuses oscillator: the device has no MMIO region to assign",
      }),
    );
  });

  it("checks plugin options against the plugin's schema, every problem listed", async () => {
    const host = await hostOf(fixture("generic.host.dts"));
    expect(() =>
      plan(host, [{ host: "20010000.serial", options: { keep: "clocks", colour: 1 } }]),
    ).toThrow(
      expect.objectContaining({
        code: "BOARD_OPTIONS",
        message: expect.stringMatching(/\$\.devices\[0\]\.options\.keep[\s\S]*colour/),
      }),
    );
    expect(() => plan(host, [{ host: "e0700000.xgmac" }])).toThrow(
      expect.objectContaining({ code: "PLAN_UNKNOWN_DEVICE" }),
    );
  });

  it("refuses options for a plugin that takes none", async () => {
    const host = await hostOf(fixture("tpm-tis.host.dts"));
    expect(() => plan(host, [{ host: "c000000.tpm_tis", options: { fast: true } }])).toThrow(
      expect.objectContaining({
        code: "BOARD_OPTIONS",
        message: "plugin 'tpm-tis' takes no options",
      }),
    );
  });
});
