/**
 * Which accelerator a base-DTB dump can use on this machine. KVM runs an aarch64 guest only on
 * an aarch64 host: an x86 workstation with /dev/kvm still has no KVM for `virt`, and QEMU
 * refuses `-accel kvm` there ("invalid accelerator kvm"). The decision is pure; its inputs
 * (architecture, whether /dev/kvm opens) come from `hostKvm` or from a test.
 */
import { closeSync, constants, openSync } from "node:fs";
import type { MachineOptions } from "./machine.js";

export interface KvmFacts {
  /** process.arch of the machine planning: "arm64", "x64", … */
  arch: string;
  /** /dev/kvm opened read-write (exists and this user may use it). */
  kvmOpens: boolean;
}

export interface KvmVerdict {
  usable: boolean;
  /** Why not, in words for a warning or doctor; undefined when usable. */
  reason: string | undefined;
}

export function kvmVerdict(facts: KvmFacts): KvmVerdict {
  if (facts.arch !== "arm64") {
    return {
      usable: false,
      reason: `this is a ${facts.arch} machine: KVM runs aarch64 guests only on an arm64 host${facts.kvmOpens ? " (its /dev/kvm serves its own architecture)" : ""}`,
    };
  }
  if (!facts.kvmOpens)
    return { usable: false, reason: "this arm64 machine's /dev/kvm is absent or cannot be opened" };
  return { usable: true, reason: undefined };
}

/** The facts of the running machine. */
export function hostKvm(
  arch: string = process.arch,
  open: (path: string) => boolean = opensReadWrite,
): KvmFacts {
  return { arch, kvmOpens: open("/dev/kvm") };
}

function opensReadWrite(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_RDWR));
    return true;
  } catch {
    return false;
  }
}

export interface DumpMachine {
  machine: MachineOptions;
  /** Said once in the plan when the dump cannot use what the config asks for. */
  warning: string | undefined;
}

/**
 * The machine a dump runs with: the config's own where it can run here, else TCG (and the
 * `max` CPU for `host`, which needs KVM). The tree differs from a KVM dump only in the CPU
 * node's details, which is why planning off the board still works.
 */
export function dumpMachine(machine: MachineOptions, facts: KvmFacts): DumpMachine {
  if (machine.accel !== "kvm") return { machine, warning: undefined };
  const verdict = kvmVerdict(facts);
  if (verdict.usable) return { machine, warning: undefined };
  const cpu = machine.cpu === "host" ? "max" : machine.cpu;
  return {
    machine: { ...machine, accel: "tcg", cpu },
    warning: `base DTB dumped with -accel tcg${cpu !== machine.cpu ? " and -cpu max" : ""}: ${verdict.reason}; plan on the board itself for a dump with kvm`,
  };
}
