/**
 * Stand-in clocks against the real oracle: rk3399's GMAC (fe300000.ethernet) and Arasan SDHCI
 * (fe330000.mmc) from Debian's arm64 kernel DTBs (rk3399-firefly), planned by the generic
 * plugin and checked by dt-validate against Linux 6.1's bindings. With a stand-in for every
 * clock (rates from the host DT or the config) the 'clocks'/'clock-names' errors the plan
 * introduced are gone; every introduced error left is a property the plan names in a
 * guest-driver finding. (The class plugins that take both by default, and their golden guest
 * nodes, are classes.test.ts's.)
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBindings } from "../../../src/env/bindings.js";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { findNode } from "../../../src/fdt/index.js";
import { asStrings } from "../../../src/fdt/values.js";
import type { Plan } from "../../../src/plan/types.js";
import { planConfigFile } from "../../../src/world/plan-file.js";
import { readHostTree, validatePlan } from "../../../src/world/validate-plan.js";
import { readmeBlockAfter } from "../../support/readme.js";

/** Rates for the GMAC's CRU clocks, which rk3399-firefly's DT states none of. */
const GMAC_RATES = {
  stmmaceth: 125_000_000,
  mac_clk_rx: 125_000_000,
  mac_clk_tx: 125_000_000,
  clk_mac_ref: 50_000_000,
  clk_mac_refout: 50_000_000,
  aclk_mac: 200_000_000,
  pclk_mac: 100_000_000,
};
const GMAC = { host: "fe300000.ethernet", plugin: "generic", options: { clockRates: GMAC_RATES } };
/** The SDHCI's clk_xin has assigned-clock-rates in the DT; clk_ahb is the config's (the README's). */
const SDHCI = {
  ...JSON.parse(readmeBlockAfter("rk3399's SDHCI, say,", "json")).devices[0],
  plugin: "generic",
};

let dir: string;
let hostDtb: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "platpass-stand-ins-"));
  await loadBindings({ progress: (line) => process.stderr.write(`${line}\n`) });
  const abi = await newestArm64KernelAbi();
  const kernel = await debianPackage(`linux-image-${abi}`, "arm64");
  hostDtb = join(kernel.root, "usr/lib", `linux-image-${abi}`, "rockchip/rk3399-firefly.dtb");
}, 900_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeConfig(devices: unknown[]) {
  const config = join(dir, `vm-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(config, JSON.stringify({ devices, machine: { accel: "tcg" } }));
  return config;
}

/** 'platpass plan CONFIG --host-dtb rk3399-firefly.dtb --validate', per guest node. */
async function validated(devices: unknown[]) {
  const { plan, guest } = await planConfigFile(await writeConfig(devices), { hostDtb });
  const validation = await validatePlan(plan, guest, await readHostTree(hostDtb));
  return { plan, guest, validation };
}

const introduced = (v: Awaited<ReturnType<typeof validated>>["validation"], device: string) =>
  v.nodes
    .filter((n) => n.device === device && n.hostNode !== undefined)
    .flatMap((n) => n.errors.filter((e) => e.origin === "introduced").map((e) => e.message));

/** The property a "'X' is a required property" error is about; a `-names` one goes with X. */
function requiredProperty(message: string): string | undefined {
  const name = /^'([^']+)' is a required property$/.exec(message)?.[1];
  return name?.replace(/-names$/, "s");
}

/** Root nodes the plan added besides the devices' own, with their compatibles. */
function addedNodes(plan: Plan, guest: Awaited<ReturnType<typeof validated>>["guest"]) {
  return plan.devices.flatMap((d) =>
    d.guestNodes.slice(1).map((path) => {
      const compatible = findNode(guest, path)?.property("compatible");
      return { path, compatible: compatible ? asStrings(compatible) : [] };
    }),
  );
}

describe("rk3399 GMAC and SDHCI with stand-in clocks, against Linux 6.1's bindings", () => {
  it("without rates for the CRU clocks the clock errors stay, and the plan names them as a finding", async () => {
    const { plan, validation } = await validated([
      { host: "fe300000.ethernet", plugin: "generic" },
    ]);
    expect(introduced(validation, "fe300000.ethernet")).toEqual([
      "'clocks' is a required property",
      "'clock-names' is a required property",
    ]);
    expect(plan.devices[0]?.findings.map((f) => f.property)).toEqual([
      "clocks",
      "power-domains",
      "resets",
      "rockchip,grf",
      "phy-supply",
    ]);
  });

  it("the GMAC with stand-ins for its 7 clocks introduces no binding error", async () => {
    const { plan, guest, validation } = await validated([GMAC]);
    expect(introduced(validation, "fe300000.ethernet")).toEqual([]);
    const node = findNode(guest, plan.devices[0]!.guestNodes[0]!)!;
    expect(asStrings(node.property("clock-names")!)).toEqual(Object.keys(GMAC_RATES));
    // Each stand-in is listed in the plan with its rate and where the rate came from.
    const listed = plan.devices[0]!.warnings.filter((w) => w.message.includes("stand-in"));
    expect(listed).toHaveLength(7);
    expect(listed[0]).toEqual({
      property: "clocks",
      message:
        "clock 'fe300000.ethernet-stmmaceth': stand-in fixed-clock /clock-fe300000.ethernet-stmmaceth at 125000000 Hz, rate from the config's clockRates",
    });
  });

  it("the SDHCI's clocks come from the DT's assigned-clock-rates and the config; what is left is a finding", async () => {
    const { plan, validation } = await validated([SDHCI]);
    const errors = introduced(validation, "fe330000.mmc");
    expect(errors).toEqual(["'phys' is a required property", "'phy-names' is a required property"]);
    const findings = plan.devices[0]!.findings.map((f) => f.property);
    for (const error of errors) expect(findings).toContain(requiredProperty(error));
    expect(plan.devices[0]!.warnings.map((w) => w.message)).toContain(
      "clock 'fe330000.mmc-clk_xin': stand-in fixed-clock /clock-fe330000.mmc-clk_xin at 200000000 Hz, rate from the host DT's assigned-clock-rates",
    );
  });

  it("every node the plan adds besides the devices' own is a fixed-clock, which a mainline driver serves", async () => {
    const { plan, guest, validation } = await validated([GMAC, SDHCI]);
    const added = addedNodes(plan, guest);
    process.stderr.write(
      `nodes added besides the devices':\n${added.map((a) => `  ${a.path} ${a.compatible.join(", ")}`).join("\n")}\n`,
    );
    expect(added).toHaveLength(9);
    // Linux's clk-fixed-rate driver (drivers/clk/clk-fixed-rate.c) binds "fixed-clock".
    expect(new Set(added.flatMap((a) => a.compatible))).toEqual(new Set(["fixed-clock"]));
    // And each satisfies fixed-clock.yaml.
    const standIns = validation.nodes.filter((n) => n.hostNode === undefined);
    expect(standIns.map((n) => n.node).sort()).toEqual(added.map((a) => a.path).sort());
    for (const n of standIns)
      expect(n).toMatchObject({ schemas: ["clock/fixed-clock.yaml"], errors: [] });
  });
});

describe("plan / dtb --strict (the built CLI)", () => {
  const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;

  it("refuses a plan with guest-driver findings, exit 3, and accepts it without --strict", async () => {
    const config = await writeConfig([SDHCI]);
    const strict = await execa("node", [bin, "plan", config, "--host-dtb", hostDtb, "--strict"], {
      reject: false,
    });
    expect(strict.exitCode).toBe(3);
    expect(strict.stdout).toBe("");
    expect(strict.stderr).toContain("refused by --strict");
    expect(strict.stderr).toContain(
      "fe330000.mmc: phys: the PHY /syscon@ff770000/phy@f780 is driven by the host",
    );
    expect(strict.stderr).toMatch(/\[PLAN_GUEST_DRIVER_FINDINGS\]$/m);
    const plain = await execa("node", [bin, "plan", config, "--host-dtb", hostDtb]);
    expect(plain.stdout).toMatch(/^guest-driver findings \(3\):$/m);
    const out = join(dir, "strict.dtb");
    const dtb = await execa(
      "node",
      [bin, "dtb", config, "--host-dtb", hostDtb, "-o", out, "--strict", "--json"],
      { reject: false },
    );
    expect(dtb.exitCode).toBe(3);
    await expect(readFile(out)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a plan without findings passes --strict", async () => {
    const config = await writeConfig([
      {
        host: "fe300000.ethernet",
        plugin: "generic",
        options: {
          clockRates: GMAC_RATES,
          drop: ["resets", "power-domains", "rockchip,grf", "phy-supply"],
        },
      },
    ]);
    const r = await execa("node", [
      bin,
      "plan",
      config,
      "--host-dtb",
      hostDtb,
      "--strict",
      "--json",
    ]);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });
});
