/**
 * The README's plugin guide, run: its example plugin, board DTS and config are taken from
 * the README's code blocks, planned, and must give the guest nodes the README shows.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { readConfig } from "../../../src/config/load.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";
import { readmeBlock as block } from "../../support/readme.js";
import { guestFragment } from "./fragment.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);

describe("README", () => {
  it("the plugin guide's example plugin plans the guest nodes the README shows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "platpass-readme-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(repo, "node_modules", "zod"), join(dir, "node_modules", "zod"));
    writeFileSync(join(dir, "acme-uart.mjs"), block("js", "acme-uart.mjs"));
    writeFileSync(join(dir, "vm.json"), block("json", "vm.json"));
    const config = await readConfig(join(dir, "vm.json"));
    const host = readDtb(await compileDts(block("dts", "acme-board.dts")));
    const { plan, guest } = buildPlanFor({
      config,
      hostDevices: devicesFromDtb(host),
      hostTree: host,
      baseDtb: await compileDts(baseDts),
      registry: await loadRegistry(config.plugins, dirname(join(dir, "vm.json"))),
      dtbFile: "guest.dtb",
      qemuBinary: "qemu-system-aarch64",
    });
    expect(plan.devices[0]).toMatchObject({ plugin: "acme-uart", qemuDevice: "vfio-platform" });
    expect(
      guestFragment(
        guest,
        plan.devices[0]?.guestNodes
          .filter((p) => p.split("/").length === 2)
          .concat(plan.guest.platformBus) ?? [],
      ),
    ).toContain(block("dts", "guest-nodes"));
  });
});
