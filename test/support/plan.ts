// Planning helpers for tests.

import { type MachineOptions, machineOptions } from "../../src/machvirt/machine.js";
import { buildPlan, type PlanInput, type PlanResult } from "../../src/plan/build.js";
import { machineOf } from "../../src/plan/qemu-args.js";

/** buildPlan with the machine derived from the config, as world/plan-file.ts does. */
export function buildPlanFor(input: Omit<PlanInput, "machine">): PlanResult {
  return buildPlan({ ...input, machine: machineOf(input.config.machine) });
}

/**
 * A small TCG machine for tests that dump or boot one: 1 CPU, 512 MiB, GICv3, `max` CPU,
 * with any field overridden. Spelled out here because machvirt has no defaults (the config
 * schema's are for users: kvm, 1024 MiB).
 */
export function testMachine(partial: Partial<MachineOptions> = {}): MachineOptions {
  return machineOptions({
    gicVersion: 3,
    virtualization: false,
    iommu: "none",
    highmem: true,
    accel: "tcg",
    cpu: "max",
    smp: 1,
    memoryMiB: 512,
    ...partial,
  });
}
