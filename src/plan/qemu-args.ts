/**
 * The QEMU command line of a plan. The machine part comes from machvirt's machineArgs, the
 * same function the base DTB is dumped with, so the guest runs on exactly the machine whose
 * tree the plan extends.
 */
import type { Config, MachineConfig } from "../config/schema.js";
import { type MachineOptions, machineArgs, machineOptions } from "../machvirt/machine.js";

/** The config's machine as machvirt's options. */
export function machineOf(machine: MachineConfig): MachineOptions {
  return machineOptions({
    gicVersion: machine.gicVersion,
    virtualization: machine.virtualization,
    iommu: machine.iommu,
    highmem: machine.highmem,
    accel: machine.accel,
    cpu: machine.cpu,
    smp: machine.smp,
    memoryMiB: machine.memory,
  });
}

/** Kernel, initrd and command line, or firmware; nothing when the config boots neither. */
export function bootArgs(config: Config): string[] {
  if (config.firmware !== undefined) return ["-bios", config.firmware];
  const args: string[] = [];
  if (config.kernel !== undefined) args.push("-kernel", config.kernel);
  if (config.initrd !== undefined) args.push("-initrd", config.initrd);
  if (config.append !== undefined) args.push("-append", config.append);
  return args;
}

export interface DeviceArg {
  qemuDevice: string;
  host: string;
  id: string;
}

/**
 * `-device vfio-platform,host=NAME,id=ID` (a comma in NAME doubled, as QEMU's option syntax
 * wants). QEMU maps the devices on the platform bus in
 * this order, so the argv keeps the plan's order.
 */
export function deviceArgs(devices: readonly DeviceArg[]): string[] {
  return devices.flatMap((d) => [
    "-device",
    `${d.qemuDevice},host=${d.host.replaceAll(",", ",,")},id=${d.id}`,
  ]);
}

export function qemuArgv(config: Config, dtbFile: string, devices: readonly DeviceArg[]): string[] {
  return [
    ...machineArgs(machineOf(config.machine)),
    "-nographic",
    ...bootArgs(config),
    "-dtb",
    dtbFile,
    ...deviceArgs(devices),
    ...config.qemu.extraArgs,
  ];
}
