/**
 * The generic plugin over real boards: devices from Debian's arm64 kernel DTBs (every vendor
 * folder), at least 50 distinct compatibles, each planned offline onto QEMU 7.2's virt base.
 * For every device, each host property that does not reach the guest node (other than the
 * `reg` and `interrupts` platpass rewrites) and each child node must be listed as a warning,
 * and dtc must accept the guest DTB without errors.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { selectPlugin } from "../../../src/boards/dispatch.js";
import { loadRegistry } from "../../../src/boards/loader.js";
import type { BoardRegistry } from "../../../src/boards/registry.js";
import { parseConfig } from "../../../src/config/parse.js";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { checkDtb } from "../../../src/fdt/dtc.js";
import { compileDts, findNode, readDtb, writeDtb } from "../../../src/fdt/index.js";
import type { HostDevice } from "../../../src/host/device.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { naturalAlignment } from "../../../src/machvirt/platform-bus.js";
import { buildPlanFor } from "../../support/plan.js";

const WANTED = 60;
const PER_BOARD = 2;

let dtbs: string[];
let base: Uint8Array;
let registry: BoardRegistry;
beforeAll(async () => {
  const abi = await newestArm64KernelAbi();
  const root = join(
    (await debianPackage(`linux-image-${abi}`, "arm64")).root,
    "usr/lib",
    `linux-image-${abi}`,
  );
  const vendors = readdirSync(root).sort();
  const perVendor = vendors.map((v) =>
    readdirSync(join(root, v))
      .filter((f) => f.endsWith(".dtb"))
      .sort()
      .map((f) => join(root, v, f)),
  );
  // Round-robin over vendors, so the devices come from every SoC family.
  dtbs = [];
  for (let i = 0; perVendor.some((l) => i < l.length); i++) {
    for (const list of perVendor) if (list[i]) dtbs.push(list[i] as string);
  }
  base = await compileDts(
    readFileSync(new URL("fixtures/virt-gicv3-base.dts", import.meta.url), "utf8"),
  );
  registry = await loadRegistry();
}, 180_000);

/** Fits QEMU's bus on its own: IRQs within 64 lines, regions within 32 MiB even when aligned. */
function fitsAlone(d: HostDevice): boolean {
  const span = d.regions.reduce((sum, r) => sum + naturalAlignment(r.size), 0);
  return d.irqs.length <= 64 && span <= 0x2000000;
}

describe("the generic plugin on real boards", () => {
  it(`plans ${WANTED} distinct real compatibles, lists every drop, and dtc accepts each guest DTB`, async () => {
    const seen = new Map<string, string>();
    for (const file of dtbs) {
      if (seen.size >= WANTED) break;
      const host = readDtb(readFileSync(file));
      let taken = 0;
      for (const device of devicesFromDtb(host)) {
        const compatible = device.compatible[0];
        if (taken >= PER_BOARD || !compatible || seen.has(compatible) || !fitsAlone(device))
          continue;
        if (device.bus !== "platform" || device.regions.length === 0) continue;
        if (selectPlugin(registry, device).plugin.name !== "generic") continue;
        const { plan, guest } = buildPlanFor({
          config: parseConfig({ devices: [{ host: device.name }], machine: { accel: "tcg" } }),
          hostDevices: [device],
          hostTree: host,
          baseDtb: base,
          registry,
          dtbFile: "guest.dtb",
          qemuBinary: "qemu-system-aarch64",
        });
        const planned = plan.devices[0];
        const guestNode = findNode(guest, planned?.guestNodes[0] ?? "");
        const hostNode = findNode(host, device.dtPath);
        const warned = new Set(planned?.warnings.map((w) => w.property ?? w.message));
        const missing = [...device.properties.keys()].filter(
          (p) => p !== "reg" && p !== "interrupts" && !guestNode?.hasProperty(p),
        );
        expect(
          missing.filter((p) => !warned.has(p)),
          `${file} ${device.name}`,
        ).toEqual([]);
        for (const child of hostNode?.children ?? []) {
          expect(warned, `${file} ${device.name}`).toContain(
            `dropped child node '${child.name}': child nodes are not copied`,
          );
        }
        const errors = (await checkDtb(writeDtb(guest))).filter((d) => d.severity === "error");
        expect(errors, `${file} ${device.name}`).toEqual([]);
        seen.set(compatible, `${file}:${device.name}`);
        taken++;
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(WANTED);
  }, 600_000);
});
