/**
 * A plan of `devices` on a host DTS fixture, as 'platpass plan --host-dtb' makes it, over the
 * GICv3 virt base of the plan tests, with the built-in plugins.
 */
import { readFileSync } from "node:fs";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import type { HostDevice } from "../../../src/host/device.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import type { PlanResult } from "../../../src/plan/build.js";
import { buildPlanFor } from "../../support/plan.js";

const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);

/**
 * The plan for `devices` on the host fixture `fixtures/<name>.host.dts`; `discovered` changes
 * the host devices as a live discovery would see them (e.g. with clk debugfs rates).
 */
export async function planOnFixture(
  name: string,
  devices: unknown[],
  discovered: (found: HostDevice[]) => HostDevice[] = (found) => found,
): Promise<PlanResult> {
  const dts = readFileSync(new URL(`fixtures/${name}.host.dts`, import.meta.url), "utf8");
  const hostTree = readDtb(await compileDts(dts));
  return buildPlanFor({
    config: parseConfig({ devices, machine: { accel: "tcg" } }),
    hostDevices: discovered(devicesFromDtb(hostTree)),
    hostTree,
    baseDtb: await compileDts(baseDts),
    registry: await loadRegistry(),
    dtbFile: "/run/guest.dtb",
    qemuBinary: "qemu-system-aarch64",
  });
}
