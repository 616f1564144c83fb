/**
 * The class plugins on real boards from Debian's arm64 kernel DTBs, against Linux 6.1's
 * bindings (dt-validate): rk3399-firefly's GMAC (dwmac, the generic core) and Arasan SDHCI
 * (sdhci, the PHY-less core), binding-clean with no finding; RZ/G2M's EtherAVB (etheravb) with
 * the PHY on its own MDIO bus, whose only binding errors are the two its driver does without
 * (resets, power-domains), each named in the plan. The guest nodes are golden .dts beside the
 * test.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBindings } from "../../../src/env/bindings.js";
import { planConfigFile } from "../../../src/world/plan-file.js";
import { readHostTree, validatePlan } from "../../../src/world/validate-plan.js";
import { readmeBlockAfter } from "../../support/readme.js";
import { guestFragment } from "../boards/fragment.js";
import { debianDtbs } from "../fdt/corpus.js";

let dir: string;
let boards: Map<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "platpass-classes-"));
  await loadBindings({ progress: (line) => process.stderr.write(`${line}\n`) });
  boards = new Map((await debianDtbs()).map((f) => [f.label.replace(/^debian:/, ""), f.path]));
}, 900_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** 'platpass plan CONFIG --host-dtb BOARD --validate' for one device, and its golden text. */
async function planned(board: string, device: unknown, golden: string) {
  const hostDtb = boards.get(board)!;
  const config = join(dir, `${golden}.json`);
  await writeFile(config, JSON.stringify({ devices: [device], machine: { accel: "tcg" } }));
  const { plan, guest } = await planConfigFile(config, { hostDtb });
  const validation = await validatePlan(plan, guest, await readHostTree(hostDtb));
  const text = guestFragment(guest, [
    plan.guest.platformBus,
    ...plan.devices[0]!.guestNodes.slice(1),
  ]);
  const file = new URL(`fixtures/${golden}.guest.dts`, import.meta.url);
  if (process.env.PLATPASS_UPDATE_GOLDEN === "1") await writeFile(file, text);
  const errors = validation.nodes.flatMap((n) => n.errors.map((e) => `${n.node}: ${e.message}`));
  return { device: plan.devices[0]!, text, golden: await readFile(file, "utf8"), errors };
}

/** The two rk3399-firefly devices whose class plugins give binding-clean nodes. */
const CLEAN = [
  {
    what: "rk3399's GMAC: the generic DWMAC core, one stand-in clock",
    plugin: "dwmac",
    device: { host: "fe300000.ethernet", options: { clockRates: { stmmaceth: 125_000_000 } } },
    golden: "rk3399-gmac",
  },
  {
    what: "rk3399's SDHCI, as the README configures it: the PHY-less Arasan core",
    plugin: "sdhci",
    device: JSON.parse(readmeBlockAfter("rk3399's SDHCI, say,", "json")).devices[0],
    golden: "rk3399-sdhci",
  },
];

describe("class plugins on Debian's arm64 DTBs, against Linux 6.1's bindings", () => {
  for (const { what, plugin, device: config, golden: name } of CLEAN) {
    it(`${what}, binding-clean, no finding`, async () => {
      const { device, text, golden, errors } = await planned(
        "rockchip/rk3399-firefly.dtb",
        config,
        name,
      );
      expect(device.plugin).toBe(plugin);
      expect(errors).toEqual([]);
      expect(device.findings).toEqual([]);
      expect(text).toBe(golden);
    });
  }

  it("RZ/G2M's EtherAVB with its PHY: only the two binding requirements ravb does without", async () => {
    const { device, text, golden, errors } = await planned(
      "renesas/r8a774a1-hihope-rzg2m-ex.dtb",
      // The fck module clock is S0D6, 800 MHz / 6, on R-Car Gen3 and RZ/G2 (the CPG's table).
      { host: "e6800000.ethernet", options: { clockRates: { fck: 133_333_333 } } },
      "rzg2m-etheravb",
    );
    expect(device.plugin).toBe("etheravb");
    expect(text).toContain("ethernet-phy@0 {");
    expect(errors).toEqual([
      "/platform-bus@c000000/ethernet@0: 'power-domains' is a required property",
      "/platform-bus@c000000/ethernet@0: 'resets' is a required property",
    ]);
    expect(device.findings).toEqual([]);
    for (const property of ["power-domains", "resets"]) {
      expect(device.warnings).toContainEqual({
        property,
        message: expect.stringMatching(
          new RegExp(
            `^'${property}' is no guest-driver finding: renesas,etheravb.yaml requires it, but ravb`,
          ),
        ),
      });
    }
    expect(text).toBe(golden);
  });
});
