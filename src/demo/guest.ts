/**
 * The nested guest the demo, the emulated-host tests and the bench launch inside L1: the bed's
 * L2 kernel and initramfs, whose init runs the command given after `--` on the kernel
 * command line. The command drives the assigned TPM with raw TPM2 commands written by
 * busybox's printf, and prints what a test or a person wants to see, one `PP-…` line each.
 */
import type { ConfigInput } from "../config/schema.js";
import { InputError } from "../errors.js";

/** Where L1 sees the nested guest's kernel and initramfs (the bed's l2 share). */
export const L2_KERNEL = "/opt/platpass/l2/vmlinuz";
export const L2_INITRAMFS = "/opt/platpass/l2/initramfs.cpio.gz";

export const L1_TPM = "c000000.tpm_tis";
export const L1_VIRTIO = "a000000.virtio_mmio";

/** TPM2_GetRandom(8): tag TPM_ST_NO_SESSIONS, size 12, TPM_CC_GetRandom 0x17b, 8 bytes. */
const GET_RANDOM = String.raw`\200\001\000\000\000\014\000\000\001\173\000\010`;

/**
 * A busybox sh script for L2, free of double quotes (the kernel command line quotes it):
 * the TPM's interrupt count, `commands` TPM2_GetRandom round trips (or as many as fit in
 * `seconds` when given: the bench), the count again, and whether tpm_tis fell back to polling.
 */
export function tpmGuestScript(commands: number, seconds?: number): string {
  const irqs = "grep tpm0 /proc/interrupts | awk '{print $2}'";
  const once = `exec 3<>/dev/tpm0; printf '${GET_RANDOM}' >&3; head -c 20 <&3 | od -An -tx1 | tr -d '\\n'; exec 3>&-`;
  const loop =
    seconds === undefined
      ? `for i in $(seq ${commands}); do echo PP-RANDOM $(${once}); done`
      : `n=0; end=$(( $(date +%s) + ${seconds} )); while [ $(date +%s) -lt $end ]; do (${once}) >/dev/null; n=$((n+1)); done; echo PP-RATE $n ${seconds}`;
  return [
    "echo PP-TPM $(cat /sys/class/tpm/tpm0/device/description 2>/dev/null || ls /dev/tpm0)",
    `echo PP-IRQS-BEFORE $(${irqs})`,
    loop,
    `echo PP-IRQS-AFTER $(${irqs})`,
    // [i]: the pattern must not match the kernel command line, which dmesg repeats.
    "echo PP-POLLING $(dmesg | grep -c 'polling [i]nstead')",
  ].join("; ");
}

export interface DemoGuestOptions {
  gic: 2 | 3;
  devices: string[];
  script: string;
  /** Extra QEMU arguments (the bench's `-global vfio-platform.x-irqfd=off`). */
  extraArgs?: string[];
}

/** The launch config L1 runs: KVM, the bed's L2 kernel, the script as L2's init command. */
export function demoGuestConfig(options: DemoGuestOptions): ConfigInput {
  if (options.script.includes('"')) {
    throw new InputError("DEMO_SCRIPT_QUOTED", "the L2 script must not contain double quotes", {
      hint: "The kernel command line carries it inside double quotes; use single quotes.",
    });
  }
  return {
    machine: { gicVersion: options.gic, accel: "kvm", cpu: "host", smp: 1, memory: 256 },
    kernel: L2_KERNEL,
    initrd: L2_INITRAMFS,
    append: `console=ttyAMA0 quiet panic=-1 -- sh -c "${options.script}"`,
    qemu: { extraArgs: ["-no-reboot", ...(options.extraArgs ?? [])] },
    devices: options.devices.map((host) => ({ host })),
  };
}

export interface GuestTpmResult {
  irqsBefore: number | undefined;
  irqsAfter: number | undefined;
  randoms: string[];
  polling: boolean | undefined;
  rate: { commands: number; seconds: number } | undefined;
}

/** Reads the `PP-…` lines of a guest's output (whatever else the console printed). */
export function readGuestTpm(output: string): GuestTpmResult {
  const value = (tag: string) => new RegExp(`^PP-${tag} ?(.*?)\\r?$`, "m").exec(output)?.[1];
  const num = (tag: string) => {
    const v = value(tag);
    return v === undefined || v === "" ? undefined : Number(v);
  };
  const rate = value("RATE")?.split(" ").map(Number);
  const polling = value("POLLING");
  return {
    irqsBefore: num("IRQS-BEFORE"),
    irqsAfter: num("IRQS-AFTER"),
    randoms: [...output.matchAll(/^PP-RANDOM (.*?)\r?$/gm)].map((m) => m[1]!.trim()),
    polling: polling === undefined ? undefined : polling !== "0",
    rate: rate && rate.length === 2 ? { commands: rate[0]!, seconds: rate[1]! } : undefined,
  };
}
