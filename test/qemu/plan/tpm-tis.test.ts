/**
 * QEMU itself as the oracle for the tpm-tis plugin and the placement under it: QEMU 7.2 writes
 * its own node for a tpm-tis-device on the platform bus. That dump is the emulated host's
 * tree; platpass plans the same TPM from it onto the plain virt base, and the node it writes
 * must equal QEMU's own, property for property, at the same bus offset.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Swtpm, startSwtpm } from "../../../src/bed/swtpm.js";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { findNode, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { baseDtb } from "../../../src/machvirt/base-dtb.js";
import { machineOf } from "../../../src/plan/qemu-args.js";
import { findQemu } from "../../../src/qemu/binary.js";
import { buildPlanFor } from "../../support/plan.js";

const work = mkdtempSync(join(tmpdir(), "platpass-plan-tpm-"));
let swtpm: Swtpm;
afterAll(async () => {
  await swtpm?.stop();
  rmSync(work, { recursive: true, force: true });
});

beforeAll(async () => {
  swtpm = await startSwtpm();
}, 60_000);

const props = (node: ReturnType<typeof findNode>) =>
  Object.fromEntries(
    [...(node?.properties ?? [])].map(([k, v]) => [k, Buffer.from(v).toString("hex")]),
  );

describe("tpm-tis against QEMU's own tpm-tis-device node", () => {
  it("writes the node QEMU writes, at the offset QEMU's allocator gave it", async () => {
    const binary = await findQemu();
    const config = parseConfig({
      devices: [{ host: "c000000.tpm_tis" }],
      machine: { accel: "tcg" },
    });
    const machine = machineOf(config.machine);
    const withTpm = await baseDtb(
      { binary, machine, extraArgs: swtpm.qemuArgs },
      { cacheDir: work, refresh: true },
    );
    const plain = await baseDtb({ binary, machine }, { cacheDir: work });
    const host = readDtb(withTpm.bytes);
    const qemuNode = findNode(host, "/platform-bus@c000000/tpm_tis@0");
    expect(qemuNode, "QEMU wrote its tpm node").toBeDefined();

    const { plan, guest } = buildPlanFor({
      config,
      hostDevices: devicesFromDtb(host),
      hostTree: host,
      baseDtb: plain.bytes,
      registry: await loadRegistry(),
      dtbFile: "guest.dtb",
      qemuBinary: binary.path,
    });
    expect(plan.devices[0]).toMatchObject({
      plugin: "tpm-tis",
      guestNodes: ["/platform-bus@c000000/tpm_tis@0"],
    });
    expect(props(findNode(guest, "/platform-bus@c000000/tpm_tis@0"))).toEqual(props(qemuNode));
  });
});
