/**
 * The Plan: everything a launch needs, as plain JSON-able data. At its heart one Assignment
 * per device, made once by buildPlan and read unchanged by every later stage (detach, VFIO
 * check, quiesce, QEMU, verification, the injection report, the events, reattach); the
 * guest DTB, the argv and the handed-over fds are projections of the assignments, each
 * computed once. src/README.md walks one device through it.
 */
import type { PlannedIrq, PlannedRegion, QemuDeviceType, Quiesce } from "../boards/api.js";
import type { HostBus } from "../host/device.js";
import type { VfioBackend } from "./vfio-backend.js";

export type { PlannedIrq, PlannedRegion };

/** A file QEMU gets at a fixed fd: /dev/iommu, or a device's VFIO cdev (found after binding). */
export type HandoffFd =
  | { fd: number; opens: "iommufd" }
  | { fd: number; opens: "vfio-device"; device: string };

export interface PlanDeviceWarning {
  message: string;
  /** The host property it is about, when it is about one. */
  property?: string;
}

/** A requirement of the device's binding the guest node cannot meet: its driver will not probe. */
export interface PlanDeviceFinding {
  /** The host property the guest node lacks (e.g. "resets"). */
  property: string;
  message: string;
}

/** One host device given to the guest, from discovery to reattach. */
export interface Assignment {
  /** The host device's sysfs name. */
  host: string;
  bus: HostBus;
  /** Its host DT node. */
  hostPath: string;
  compatible: string[];
  /** The driver it had at discovery (undefined: none, or planned offline). */
  driver: string | undefined;
  /** Its IOMMU group at discovery (undefined: none, or planned offline). */
  iommuGroup: number | undefined;
  /** Where its regions and IRQs came from: VFIO's own report (live) or the host DT. */
  source: "vfio" | "device-tree";
  plugin: string;
  /** The plugin's score, or null when the config named the plugin. */
  score: number | null;
  qemuDevice: QemuDeviceType;
  /** The qdev id it gets on `-device`. */
  id: string;
  /** Bind it to vfio-platform for the run and restore it after. */
  managed: boolean;
  /** Where QEMU maps each VFIO region: sysbus MMIO index = VFIO region index. */
  regions: PlannedRegion[];
  /** Where QEMU wires each VFIO IRQ, with the trigger the guest node says. */
  irqs: PlannedIrq[];
  /** False when the config's QEMU arguments turn KVM irqfd off (x-irqfd=off). */
  irqfd: boolean;
  /** The fd its VFIO cdev is handed to QEMU at (iommufd path); absent on the legacy path. */
  fd?: number;
  /** Guest DT nodes the plugin wrote for it (the device node first). */
  guestNodes: string[];
  warnings: PlanDeviceWarning[];
  /** What the guest driver needs and the guest cannot have (`--strict` refuses the plan). */
  findings: PlanDeviceFinding[];
  /** The plugin's quiesce, run through VFIO before QEMU opens the device; absent if none. */
  quiesce?: Quiesce;
}

export interface Plan {
  /** The assignments in the order QEMU gets them (`-device` order = platform-bus order). */
  devices: Assignment[];
  /** Every device warning as one line, "<host>: <message>". */
  warnings: string[];
  /** Every device's guest-driver findings as one line, "<host>: <property>: <message>". */
  findings: string[];
  /** What the plan says about the machine rather than a device (e.g. a TCG base dump). */
  notes: string[];
  guest: {
    /** Where the argv says the DTB is (`-dtb`); the caller writes it there. */
    dtbFile: string;
    /** The guest DTB: QEMU's base tree plus the planned nodes and overlays, base64. */
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
