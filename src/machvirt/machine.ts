/**
 * The `virt` machine options platpass controls, as typed data, and the QEMU arguments they
 * become. Every option is always spelled out, so the same options give the same argv and
 * the same cached base DTB whatever QEMU's defaults are.
 */
import { InputError } from "../errors.js";

export interface MachineOptions {
  /** GIC model: 2, 3, or "max"/"host" for QEMU to choose. */
  gicVersion: 2 | 3 | "max" | "host";
  /** EL2 for the guest (nested virtualization; TCG only on x86). */
  virtualization: boolean;
  /** Emulated IOMMU (PCI only in QEMU). */
  iommu: "none" | "smmuv3";
  /** RAM and devices above 4 GiB. */
  highmem: boolean;
  accel: "tcg" | "kvm";
  cpu: string;
  smp: number;
  memoryMiB: number;
}

/**
 * Checks what QEMU would only reject later, less clearly. No defaults here: the config
 * schema is the one place that has them.
 */
export function machineOptions(m: MachineOptions): MachineOptions {
  const bad = (field: string, rule: string) =>
    new InputError("MACHINE_BAD_OPTION", `machine option ${field} ${rule}`, {
      where: `machine.${field}`,
    });
  if (![2, 3, "max", "host"].includes(m.gicVersion))
    throw bad("gicVersion", "must be 2, 3, max or host");
  if (!["none", "smmuv3"].includes(m.iommu)) throw bad("iommu", "must be none or smmuv3");
  if (!["tcg", "kvm"].includes(m.accel)) throw bad("accel", "must be tcg or kvm");
  if (!/^[A-Za-z0-9._-]+$/.test(m.cpu)) throw bad("cpu", `'${m.cpu}' is not a CPU model name`);
  if (!Number.isInteger(m.smp) || m.smp < 1 || m.smp > 512) throw bad("smp", "must be 1…512");
  if (!Number.isInteger(m.memoryMiB) || m.memoryMiB < 16) {
    throw bad("memoryMiB", "must be an integer of at least 16");
  }
  return m;
}

const onOff = (b: boolean) => (b ? "on" : "off");

/** The `-machine` value: `virt,gic-version=3,virtualization=off,…[,dumpdtb=FILE]`. */
export function machineProperty(m: MachineOptions, dumpdtb?: string): string {
  const props = [
    "virt",
    `gic-version=${m.gicVersion}`,
    `virtualization=${onOff(m.virtualization)}`,
    `iommu=${m.iommu}`,
    `highmem=${onOff(m.highmem)}`,
  ];
  if (dumpdtb !== undefined) {
    if (dumpdtb.includes(",")) {
      throw new InputError("MACHINE_BAD_PATH", `dumpdtb path '${dumpdtb}' contains a comma`, {
        hint: "QEMU's option parser splits on commas; use a path without one.",
      });
    }
    props.push(`dumpdtb=${dumpdtb}`);
  }
  return props.join(",");
}

/** The QEMU arguments for the machine: -machine, -accel, -cpu, -smp, -m. */
export function machineArgs(m: MachineOptions, dumpdtb?: string): string[] {
  return [
    "-machine",
    machineProperty(m, dumpdtb),
    "-accel",
    m.accel,
    "-cpu",
    m.cpu,
    "-smp",
    String(m.smp),
    "-m",
    `${m.memoryMiB}M`,
  ];
}
