/**
 * Can this host assign this device? The rules that decide it before QEMU ever runs, from
 * facts a live host reads (./live/readiness.ts) or a board DT gives: vfio modules, a reset
 * handler for vfio-platform, MSI remapping for vfio_iommu_type1 (the host's up to Linux 6.2,
 * each device's from 6.3: ./msi-isolation.ts), an IOMMU group and its viability.
 */
import type { Fdt } from "../fdt/tree.js";
import type { HostDevice } from "./device.js";
import { AMBA_PROBLEM, isAmba } from "./dt/amba.js";
import { msiSituation, unsafeInterruptsNote } from "./dt/msi.js";
import { blockingMembers, describeBlockers, type GroupMember } from "./live/groups.js";
import type { DeviceReadiness, HostReadiness } from "./model.js";
import { msiIsolationProblem } from "./msi-isolation.js";
import { CLOCK_FIX, DOMAIN_FIX, powerVerdict } from "./power/rules.js";
import { resetModuleFor } from "./reset.js";

export function hostNotes(h: Omit<HostReadiness, "notes">): string[] {
  const notes: string[] = [];
  if (h.vfioPlatform === "missing") {
    notes.push(
      "vfio-platform is not available in this kernel: build it (CONFIG_VFIO_PLATFORM=m) or use a kernel that has it.",
    );
  } else if (h.vfioPlatform === "loadable") {
    notes.push(
      "vfio-platform is not loaded: modprobe vfio-platform (add reset_required=0 for devices without a reset module).",
    );
  }
  if (h.msiRemap === false && h.allowUnsafeInterrupts !== true) {
    notes.push(unsafeInterruptsNote(h.interruptController));
  }
  return notes;
}

/** Offline, only the device tree speaks: modules and parameters are unknown. */
export function offlineHostReadiness(dt: Fdt): HostReadiness {
  const base = {
    vfioPlatform: "unknown" as const,
    vfioAmba: "unknown" as const,
    vfioIommuType1: "unknown" as const,
    resetRequired: undefined,
    ...msiSituation(dt.root),
    kernelRelease: undefined,
    msiPerDevice: undefined,
    allowUnsafeInterrupts: undefined,
    vfioDeviceCdev: undefined,
    iommufd: undefined,
    iommufdAllowUnsafeInterrupts: undefined,
  };
  return { ...base, notes: hostNotes(base) };
}

interface ResetAnswer {
  reset?: string;
  problem?: string;
}

/**
 * Each host's answers by first compatible: a board with 300,000 devices of one kind gets one
 * "no reset handler" sentence, not 300,000 copies of it.
 */
const resetAnswers = new WeakMap<HostReadiness, Map<string | undefined, ResetAnswer>>();

function vfioPlatformReset(compatible: string[]): ResetAnswer {
  const module = resetModuleFor(compatible);
  if (module) return { reset: `module ${module}` };
  return {
    problem: `vfio-platform has no reset handler for "${compatible[0] ?? "(no compatible)"}": load vfio-platform with reset_required=0 (the device is then handed between users without a reset)`,
  };
}

function resetHow(device: HostDevice, host: HostReadiness): ResetAnswer {
  if (device.bus === "amba") return { reset: "not required (vfio-amba)" };
  if (host.resetRequired === false) return { reset: "not required (reset_required=0)" };
  let answers = resetAnswers.get(host);
  if (!answers) {
    answers = new Map();
    resetAnswers.set(host, answers);
  }
  // vfio-platform looks a reset handler up by the first compatible alone.
  const first = device.compatible[0];
  let answer = answers.get(first);
  if (!answer) {
    answer = vfioPlatformReset(device.compatible);
    answers.set(first, answer);
  }
  return answer;
}

/** The MSI problem, by the host's rule up to Linux 6.2 and by the device's from 6.3. */
function msiProblem(
  device: HostDevice,
  host: HostReadiness,
  peers: readonly HostDevice[],
): string | undefined {
  if (host.msiPerDevice === true) return msiIsolationProblem(device, peers, host);
  if (host.msiRemap === false && host.allowUnsafeInterrupts !== true) {
    return "no MSI remapping: vfio_iommu_type1 needs allow_unsafe_interrupts=1 (see the host notes)";
  }
  return undefined;
}

/**
 * `members` is the device's IOMMU group as sysfs lists it (undefined offline, where
 * groups are unknown); `peers` the host's devices among them, whose MSIs the kernel also asks.
 */
export function deviceReadiness(
  device: HostDevice,
  host: HostReadiness,
  members: GroupMember[] | undefined,
  peers: readonly HostDevice[] = [],
): DeviceReadiness {
  const vfioDriver = device.bus === "amba" ? "vfio-amba" : "vfio-platform";
  const problems: string[] = [];
  // Linux could bind it, but no QEMU could take it: `plan` refuses it for this reason.
  if (isAmba(device)) problems.push(AMBA_PROBLEM);
  const available = device.bus === "amba" ? host.vfioAmba : host.vfioPlatform;
  if (available === "missing") problems.push(`${vfioDriver} is not available in this kernel`);
  const { reset, problem } = resetHow(device, host);
  if (problem) problems.push(problem);
  const blockers = members ? blockingMembers(members, [device.name]) : [];
  if (members && device.iommuGroup === undefined) {
    problems.push("not behind an IOMMU (no iommu_group): VFIO cannot isolate it");
  }
  if (blockers.length > 0) {
    problems.push(`IOMMU group ${device.iommuGroup} is not viable: ${describeBlockers(blockers)}`);
  }
  const msi = msiProblem(device, host, peers);
  if (msi) problems.push(msi);
  const power = device.power ? powerVerdict(device.power, device.name, device.driver) : undefined;
  for (const p of power?.problems ?? []) {
    problems.push(`${p.message}; ${p.kind === "clock" ? CLOCK_FIX : DOMAIN_FIX}`);
  }
  return {
    vfioDriver,
    reset,
    groupViable: members === undefined ? undefined : blockers.length === 0,
    problems,
    notes: power?.notes ?? [],
  };
}
