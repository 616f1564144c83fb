/**
 * The QEMU command line of a plan. The machine part must be exactly what the base DTB was
 * dumped with (DESIGN.md: a dump differs with virtualization=on, gic-version, iommu), so
 * both come from `machineArgs`.
 */
import type { Config, MachineConfig } from "../config/schema.js";

/** `-M virt,…` and the options that shape the base device tree, in one fixed order. */
export function machineArgs(machine: MachineConfig): string[] {
  const props = [`virt`, `gic-version=${machine.gicVersion}`];
  if (machine.virtualization) props.push("virtualization=on");
  if (machine.iommu !== "none") props.push(`iommu=${machine.iommu}`);
  return [
    "-M",
    props.join(","),
    "-accel",
    machine.accel,
    "-cpu",
    machine.cpu,
    "-smp",
    String(machine.smp),
    "-m",
    String(machine.memory),
  ];
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
    ...machineArgs(config.machine),
    "-nographic",
    ...bootArgs(config),
    "-dtb",
    dtbFile,
    ...deviceArgs(devices),
    ...config.qemu.extraArgs,
  ];
}
