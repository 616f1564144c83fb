/**
 * The Plan: everything a launch needs, as plain JSON-able data. Devices in the order QEMU
 * gets them, where QEMU maps each region and wires each IRQ, the warnings a user should read,
 * the guest device tree and the QEMU arguments.
 */
import type { QemuDeviceType, Quiesce } from "../boards/api.js";
import type { IrqTrigger } from "../vfio/types.js";
import type { VfioBackend } from "./vfio-backend.js";

/** A file QEMU gets at a fixed fd: /dev/iommu, or a device's VFIO cdev (found after binding). */
export type HandoffFd =
  | { fd: number; opens: "iommufd" }
  | { fd: number; opens: "vfio-device"; device: string };

export interface PlanRegion {
  /** VFIO region index = sysbus MMIO index. */
  index: number;
  size: number;
  /** Offset inside the platform bus (the guest node's `reg`). */
  busOffset: number;
  guestAddress: number;
}

export interface PlanIrq {
  /** VFIO IRQ index = sysbus IRQ index. */
  index: number;
  /** Platform-bus line 0…63. */
  line: number;
  /** GIC SPI (112 + line); the guest's INTID is 32 more. */
  spi: number;
  trigger: IrqTrigger;
  /** Level-triggered (AUTOMASKED): QEMU unmasks through a resamplefd. */
  resample: boolean;
}

export interface PlanDeviceWarning {
  message: string;
  /** The host property it is about, when it is about one. */
  property?: string;
}

export interface PlannedDevice {
  /** The host device's sysfs name. */
  host: string;
  /** Its host DT node. */
  hostPath: string;
  compatible: string[];
  plugin: string;
  /** The plugin's score, or null when the config named the plugin. */
  score: number | null;
  qemuDevice: QemuDeviceType;
  /** The qdev id it gets on `-device`. */
  id: string;
  /** Bind it to vfio-platform for the run and restore it after. */
  managed: boolean;
  regions: PlanRegion[];
  irqs: PlanIrq[];
  /** Guest DT nodes the plugin wrote for it (the device node first). */
  guestNodes: string[];
  warnings: PlanDeviceWarning[];
  /** The plugin's quiesce, run through VFIO before QEMU opens the device; absent if none. */
  quiesce?: Quiesce;
}

export interface Plan {
  devices: PlannedDevice[];
  /** Every device warning as one line, "<host>: <message>". */
  warnings: string[];
  guest: {
    /** Where the argv says the DTB is (`-dtb`); the caller writes it there. */
    dtbFile: string;
    /** The guest DTB: QEMU's base tree plus the planned nodes, base64. */
    dtb: string;
    /** The platform-bus node's path in the guest tree. */
    platformBus: string;
  };
  qemu: {
    binary: string;
    /** Arguments after the binary: machine, boot, -dtb, devices in planned order, extra args. */
    argv: string[];
    /** How QEMU reaches the devices, and why that way. */
    vfio: { backend: VfioBackend; reason: string };
    /** The files the launcher opens and passes at the fd numbers the argv names (iommufd only). */
    fds: HandoffFd[];
  };
}
