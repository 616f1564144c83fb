/**
 * A one-device host (acme,widget with one level IRQ and a fixed clock) and a plugin module for it written to a
 * fresh folder, so a test states the plugin members it is about and plans through the real
 * loader, guard and dispatcher.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlanFor } from "../../support/plan.js";

const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);
const hostDts = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;
  gic: interrupt-controller@10000000 { compatible = "arm,gic-400"; #interrupt-cells = <3>; interrupt-controller; reg = <0x10000000 0x1000>; };
  osc: oscillator { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <1000>; };
  widget@20000000 { compatible = "acme,widget"; reg = <0x20000000 0x1000>; interrupts = <0 40 4>;
    clocks = <&osc>; label = "w0"; acme,mode = <3>; }; };`;

let compiled: Promise<[Uint8Array, Uint8Array]> | undefined;

/** A plugin module for acme,widget whose body is `members`, written to a fresh folder. */
export function pluginFile(members: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "platpass-widget-"));
  const file = join(dir, "widget.mjs");
  writeFileSync(
    file,
    `export default {
  name: "widget",
  summary: "a test plugin",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "acme,widget", score: 50 }] },
${members}
};
`,
  );
  return { dir, file };
}

/** `run` plans 20000000.widget with the plugin `members` (and the device's `options`). */
export async function planWith(members: string, options?: unknown) {
  const { dir, file } = pluginFile(members);
  const registry = await loadRegistry(["./widget.mjs"], dir);
  compiled ??= Promise.all([compileDts(hostDts), compileDts(baseDts)]);
  const [hostBytes, base] = await compiled;
  const host = readDtb(hostBytes);
  const config = parseConfig({
    devices: [{ host: "20000000.widget", ...(options ? { options } : {}) }],
  });
  const hostDevices = devicesFromDtb(host);
  const [dtbFile, qemuBinary] = ["/run/vm/guest.dtb", "/usr/bin/qemu-system-aarch64"];
  const run = () =>
    buildPlanFor({
      config,
      hostDevices,
      hostTree: host,
      baseDtb: base,
      registry,
      dtbFile,
      qemuBinary,
    });
  return { run, file };
}
