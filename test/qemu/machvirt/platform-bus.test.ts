/**
 * The allocator and the guest DT against QEMU itself: QEMU 7.2 maps a swtpm-backed
 * tpm-tis-device on the platform bus exactly as it maps a vfio-platform device (the only
 * dynamic sysbus device with MMIO and an IRQ that realizes without host hardware; QEMU
 * allows one TPM per machine). For several machine configurations we compare our
 * prediction with `info qtree` (the device's shape), `info mtree -f` (where its region
 * is), the QOM link of its sysbus IRQ (which GIC input it drives), and the node QEMU
 * writes itself when no -dtb is given.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  asU32s,
  checkDtb,
  type Fdt,
  findCompatible,
  readDtb,
  str,
  walk,
  writeDtb,
} from "../../../src/fdt/index.js";
import { baseDtb } from "../../../src/machvirt/base-dtb.js";
import { assembleGuestDtb, platformBusNode } from "../../../src/machvirt/guest-dt.js";
import { PLATFORM_BUS_BASE, PLATFORM_BUS_SPI_BASE } from "../../../src/machvirt/layout.js";
import { type MachineOptions, machineArgs } from "../../../src/machvirt/machine.js";
import { placeDevices } from "../../../src/machvirt/platform-bus.js";
import { findQemu } from "../../../src/qemu/binary.js";
import { startQemu } from "../../../src/qemu/process.js";
import { testMachine } from "../../support/plan.js";
import { startSwtpm } from "./swtpm.js";

const qemu = await findQemu();
const cacheDir = await mkdtemp(join(tmpdir(), "platpass-pbus-test-"));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

/** tpm-tis-device's sysbus shape: 5 localities of 4 KiB, one IRQ (hw/tpm/tpm_tis_sysbus.c). */
const TPM = { name: "tpm0", regionSizes: [0x5000], irqCount: 1 };

interface Config {
  title: string;
  machine: MachineOptions;
  /** Dynamic sysbus devices QEMU links before the TPM. */
  before: string[];
  gicType: string;
}

const configs: Config[] = [
  { title: "GICv3", machine: testMachine({ gicVersion: 3 }), before: [], gicType: "arm-gicv3" },
  { title: "GICv2", machine: testMachine({ gicVersion: 2 }), before: [], gicType: "arm_gic" },
  {
    title: "GICv3, virtualization=on, iommu=smmuv3, 2 CPUs (the emulated host's L1)",
    machine: testMachine({ virtualization: true, iommu: "smmuv3", smp: 2, memoryMiB: 1024 }),
    before: [],
    gicType: "arm-gicv3",
  },
  {
    title: "GICv3, ramfb linked first (a dynamic sysbus device with no MMIO or IRQ)",
    machine: testMachine(),
    before: ["-device", "ramfb"],
    gicType: "arm-gicv3",
  },
];

async function withSwtpm<T>(run: (tpmArgs: string[]) => Promise<T>): Promise<T> {
  const swtpm = await startSwtpm();
  try {
    return await run(swtpm.qemuArgs(TPM.name));
  } finally {
    await swtpm.stop();
  }
}

/** Every node's properties as hex, by path: a tree comparison that names what differs. */
function flatten(fdt: Fdt): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const n of walk(fdt.root)) {
    out[n.path] = Object.fromEntries(
      [...n.properties].map(([k, v]) => [k, Buffer.from(v).toString("hex")]),
    );
  }
  return out;
}

describe.each(configs)("platform bus vs QEMU 7.2: $title", (config) => {
  const [predicted] = placeDevices([TPM]);
  const region = predicted!.regions[0]!;
  const line = predicted!.irqs[0]!.line;
  const machine = [...machineArgs(config.machine), "-nodefaults", "-display", "none"];

  it("maps the TPM's region and wires its IRQ where the allocator said", async () => {
    const seen = await withSwtpm(async (tpmArgs) => {
      const q = await startQemu(qemu.path, [...machine, "-S", ...config.before, ...tpmArgs]);
      try {
        const qtree = await q.qmp.hmp("info qtree");
        const mtree = await q.qmp.hmp("info mtree -f");
        const irq = await q.qmp.execute<string>("qom-get", {
          path: `/machine/peripheral/${TPM.name}`,
          property: "sysbus-irq[0]",
        });
        const gic = irq.slice(0, irq.lastIndexOf("/"));
        const gicType = await q.qmp.execute<string>("qom-get", { path: gic, property: "type" });
        return { qtree, mtree, irq, gicType };
      } finally {
        await q.stop();
      }
    });
    const device = seen.qtree.slice(seen.qtree.indexOf("dev: tpm-tis-device"));
    expect(device).toMatch(/^dev: tpm-tis-device, id "tpm0"\s+gpio-out "sysbus-irq" 1\b/);
    expect(device).toMatch(/mmio ffffffffffffffff\/0000000000005000/);

    const start = PLATFORM_BUS_BASE + region.offset;
    const hex = (n: number) => n.toString(16).padStart(16, "0");
    expect(seen.mtree).toContain(
      `${hex(start)}-${hex(start + region.size - 1)} (prio 0, i/o): tpm-tis-mmio`,
    );

    expect(seen.irq).toMatch(new RegExp(`/unnamed-gpio-in\\[${PLATFORM_BUS_SPI_BASE + line}\\]$`));
    expect(seen.gicType).toBe(config.gicType);
  });

  it("writes the node QEMU writes itself, plus the interrupts QEMU 7.2 leaves out", async () => {
    const request = { binary: qemu, machine: config.machine, extraArgs: config.before };
    const base = readDtb((await baseDtb(request, { cacheDir })).bytes);
    const qemuOwn = await withSwtpm(async (tpmArgs) =>
      readDtb(
        (await baseDtb({ ...request, extraArgs: [...config.before, ...tpmArgs] }, { cacheDir }))
          .bytes,
      ),
    );
    const ours = assembleGuestDtb(base, [
      {
        name: "tpm_tis",
        properties: { compatible: str("tcg,tpm-tis-mmio") },
        regions: [region],
        irqs: [{ line, trigger: "level" }],
      },
    ]);

    const node = `${platformBusNode(ours).path}/tpm_tis@${region.offset.toString(16)}`;
    const a = flatten(ours);
    const b = flatten(qemuOwn);
    expect(asU32s(Buffer.from(a[node]!.interrupts!, "hex"))).toEqual([0, 112 + line, 4]);
    delete a[node]!.interrupts;
    for (const t of [a, b]) {
      delete t["/chosen"]!["rng-seed"];
      delete t["/chosen"]!["kaslr-seed"];
    }
    expect(a).toEqual(b);
    expect(findCompatible(qemuOwn, "tcg,tpm-tis-mmio").map((n) => n.path)).toEqual([node]);
  });

  it("assembles a DTB dtc has nothing to say about", async () => {
    const { bytes } = await baseDtb({ binary: qemu, machine: config.machine }, { cacheDir });
    const ours = assembleGuestDtb(readDtb(bytes), [
      {
        name: "tpm",
        properties: { compatible: str("tcg,tpm-tis-mmio") },
        regions: [region],
        irqs: [{ line, trigger: "level" }],
      },
    ]);
    expect(await checkDtb(writeDtb(ours))).toEqual([]);
  });
});
