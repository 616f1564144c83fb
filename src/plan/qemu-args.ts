/**
 * The QEMU command line of a plan. The machine part comes from machvirt's machineArgs, the
 * same function the base DTB is dumped with, so the guest runs on exactly the machine whose
 * tree the plan extends.
 */
import type { Config, MachineConfig } from "../config/schema.js";
import { type MachineOptions, machineArgs, machineOptions } from "../machvirt/machine.js";
import type { Assignment, HandoffFd } from "./types.js";
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

/** Where the kernel lists platform devices; QEMU's `sysfsdev=` names one there. */
const PLATFORM_DEVICES = "/sys/bus/platform/devices";

/** The id of the iommufd object the devices of an iommufd launch share. */
export const IOMMUFD_OBJECT_ID = "platpass-iommufd";
/** The first fd after stdin, stdout and stderr: where the launcher puts the handed-over files. */
export const FIRST_HANDOFF_FD = 3;

/** What `-device` needs of an assignment. */
export type DeviceArg = Pick<Assignment, "qemuDevice" | "host" | "id" | "fd">;

/**
 * The fd each device's VFIO cdev gets on the iommufd path: /dev/iommu at 3, then the devices
 * in planned order. Decided once, here, and carried by the assignment.
 */
export function deviceFd(position: number, backend: VfioBackend): number | undefined {
  return backend === "iommufd" ? FIRST_HANDOFF_FD + 1 + position : undefined;
}

/** The files an iommufd launch opens for QEMU, from the fds its assignments carry. */
export function handoffFds(devices: readonly DeviceArg[], backend: VfioBackend): HandoffFd[] {
  if (backend === "legacy") return [];
  return [
    { fd: FIRST_HANDOFF_FD, opens: "iommufd" },
    ...devices.flatMap((d) =>
      d.fd === undefined ? [] : [{ fd: d.fd, opens: "vfio-device" as const, device: d.host }],
    ),
  ];
}

/**
 * `-device vfio-platform,host=NAME,id=ID` (a comma in NAME doubled, as QEMU's option syntax
 * wants). QEMU maps the devices on the platform bus in this order, so the argv keeps the
 * plan's order. On the iommufd path each device also names its fd and the shared iommufd
 * object; `host=` stays, as the name QEMU's messages and trace events use, and `sysfsdev=`
 * is added: given an fd, QEMU 10.0 derives no sysfs path from `host=`, yet realize still
 * reads the device's of_node/compatible through it ("(null)/of_node/compatible" without).
 */
export function deviceArgs(devices: readonly DeviceArg[], backend: VfioBackend): string[] {
  const objects =
    backend === "iommufd"
      ? ["-object", `iommufd,id=${IOMMUFD_OBJECT_ID},fd=${FIRST_HANDOFF_FD}`]
      : [];
  return [
    ...objects,
    ...devices.flatMap((d) => {
      const name = d.host.replaceAll(",", ",,");
      const via =
        d.fd === undefined
          ? ""
          : `,sysfsdev=${PLATFORM_DEVICES}/${name},iommufd=${IOMMUFD_OBJECT_ID},fd=${d.fd}`;
      return ["-device", `${d.qemuDevice},host=${name}${via},id=${d.id}`];
    }),
  ];
}

/** Whether QEMU arguments turn KVM irqfd off for vfio-platform (`x-irqfd=off`). */
export function irqfdTurnedOff(args: readonly string[]): boolean {
  return args.some((a) => /(^|[,.])x-irqfd=(off|false)/.test(a));
}

export function qemuArgv(
  config: Config,
  machine: MachineOptions,
  dtbFile: string,
  devices: readonly DeviceArg[],
  backend: VfioBackend,
): string[] {
  return [
    ...machineArgs(machine),
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
