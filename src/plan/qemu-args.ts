/**
 * The QEMU command line of a plan. The machine part comes from machvirt's machineArgs, the
 * same function the base DTB is dumped with, so the guest runs on exactly the machine whose
 * tree the plan extends.
 */
import type { Config, MachineConfig } from "../config/schema.js";
import { type MachineOptions, machineArgs, machineOptions } from "../machvirt/machine.js";
import type { HandoffFd } from "./types.js";
import type { VfioBackend } from "./vfio-backend.js";

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

/** The id of the iommufd object the devices of an iommufd launch share. */
export const IOMMUFD_OBJECT_ID = "platpass-iommufd";
/** The first fd after stdin, stdout and stderr: where the launcher puts the handed-over files. */
export const FIRST_HANDOFF_FD = 3;

/**
 * The files an iommufd launch opens for QEMU, at the fd numbers its argv names: /dev/iommu,
 * then each device's VFIO cdev in planned order. None on the legacy path.
 */
export function handoffFds(devices: readonly DeviceArg[], backend: VfioBackend): HandoffFd[] {
  if (backend === "legacy") return [];
  return [
    { fd: FIRST_HANDOFF_FD, opens: "iommufd" },
    ...devices.map((d, i) => ({
      fd: FIRST_HANDOFF_FD + 1 + i,
      opens: "vfio-device" as const,
      device: d.host,
    })),
  ];
}

/**
 * `-device vfio-platform,host=NAME,id=ID` (a comma in NAME doubled, as QEMU's option syntax
 * wants). QEMU maps the devices on the platform bus in this order, so the argv keeps the
 * plan's order. On the iommufd path each device also names its fd and the shared iommufd
 * object; `host=` stays, as the name QEMU's messages and trace events use.
 */
export function deviceArgs(
  devices: readonly DeviceArg[],
  backend: VfioBackend = "legacy",
): string[] {
  const fds = handoffFds(devices, backend);
  const objects =
    backend === "iommufd" ? ["-object", `iommufd,id=${IOMMUFD_OBJECT_ID},fd=${fds[0]!.fd}`] : [];
  return [
    ...objects,
    ...devices.flatMap((d, i) => {
      const host = `host=${d.host.replaceAll(",", ",,")}`;
      const via = backend === "iommufd" ? `,iommufd=${IOMMUFD_OBJECT_ID},fd=${fds[i + 1]!.fd}` : "";
      return ["-device", `${d.qemuDevice},${host}${via},id=${d.id}`];
    }),
  ];
}

export function qemuArgv(
  config: Config,
  dtbFile: string,
  devices: readonly DeviceArg[],
  backend: VfioBackend = "legacy",
): string[] {
  return [
    ...machineArgs(machineOf(config.machine)),
    "-nographic",
    // No default NIC: the guest gets the devices the plan names and what extraArgs adds (QEMU's
    // default would be a user-networked virtio-net-pci, whose option ROM comes from ipxe-qemu).
    "-nic",
    "none",
    ...bootArgs(config),
    "-dtb",
    dtbFile,
    ...deviceArgs(devices, backend),
    ...config.qemu.extraArgs,
  ];
}
