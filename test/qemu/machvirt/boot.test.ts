/**
 * The guest kernel as the oracle: Debian's stock arm64 kernel boots under TCG with the DTB
 * platpass assembled (QEMU's base + a tpm-tis-device node it placed and described), and
 * the kernel shows that node and names the platform device after the translated address.
 * The same guest without -dtb shows QEMU's own node at the same address.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDtb, str, writeDtb } from "../../../src/fdt/index.js";
import { baseDtb } from "../../../src/machvirt/base-dtb.js";
import { assembleGuestDtb, reseedChosen } from "../../../src/machvirt/guest-dt.js";
import { guestPlatformDeviceName } from "../../../src/machvirt/layout.js";
import { machineArgs } from "../../../src/machvirt/machine.js";
import { placeDevices } from "../../../src/machvirt/platform-bus.js";
import { findQemu } from "../../../src/qemu/binary.js";
import { startQemu } from "../../../src/qemu/process.js";
import { testMachine } from "../../support/plan.js";
import { type GuestReport, inspectInitramfs, parseReport, stockKernel } from "./guest.js";
import { startSwtpm } from "./swtpm.js";

const qemu = await findQemu();
// cortex-a57 rather than max: no pointer authentication to emulate, a faster TCG boot.
const machine = testMachine({ gicVersion: 3, cpu: "cortex-a57", memoryMiB: 512 });
const work = await mkdtemp(join(tmpdir(), "platpass-boot-test-"));
let kernel: string;
let initrd: string;

beforeAll(async () => {
  kernel = await stockKernel();
  initrd = await inspectInitramfs();
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
  await rm(join(initrd, ".."), { recursive: true, force: true });
});

async function boot(extra: string[]): Promise<GuestReport> {
  const swtpm = await startSwtpm();
  try {
    const q = await startQemu(qemu.path, [
      ...machineArgs(machine),
      "-nodefaults",
      "-display",
      "none",
      "-serial",
      "stdio",
      "-no-reboot",
      "-kernel",
      kernel,
      "-initrd",
      initrd,
      "-append",
      "console=ttyAMA0 panic=-1",
      ...swtpm.qemuArgs("tpm0"),
      ...extra,
    ]);
    try {
      await q.waitForOutput(/PLATPASS-END/, 480_000);
      return parseReport(q.stdout());
    } finally {
      await q.stop();
    }
  } finally {
    await swtpm.stop();
  }
}

describe("Debian's arm64 kernel on the platform bus platpass described", () => {
  const [tpm] = placeDevices([{ name: "tpm0", regionSizes: [0x5000], irqCount: 1 }]);
  const region = tpm!.regions[0]!;
  const line = tpm!.irqs[0]!.line;

  it("shows the node's reg and interrupts as written and creates c000000.tpm", async () => {
    const base = readDtb((await baseDtb({ binary: qemu, machine })).bytes);
    const fdt = assembleGuestDtb(base, [
      {
        name: "tpm",
        properties: { compatible: str("tcg,tpm-tis-mmio") },
        regions: [region],
        irqs: [{ line, trigger: "level" }],
      },
    ]);
    reseedChosen(fdt);
    const dtb = join(work, "guest.dtb");
    await writeFile(dtb, writeDtb(fdt));

    const report = await boot(["-dtb", dtb]);
    expect(report.nodes).toEqual(["tpm@0"]);
    expect(report.props["tpm@0 reg"]).toBe("0000000000005000");
    expect(report.props["tpm@0 interrupts"]).toBe("000000000000007000000004");
    expect(report.devices).toContain(guestPlatformDeviceName(region.offset, "tpm@0"));
    expect(report.devices).toContain("c000000.tpm");
  });

  it("without -dtb shows QEMU's own TPM node at the same address", async () => {
    const report = await boot([]);
    expect(report.nodes).toEqual(["tpm_tis@0"]);
    expect(report.props["tpm_tis@0 reg"]).toBe("0000000000005000");
    expect(report.props["tpm_tis@0 interrupts"]).toBeUndefined();
    expect(report.devices).toContain("c000000.tpm_tis");
  });
});
