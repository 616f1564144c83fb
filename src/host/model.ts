/**
 * The host as `platpass list` reports it: its devices (HostDevice, the shared data type)
 * plus what decides whether each can be assigned at all.
 */
import type { HostDevice } from "./device.js";

/** Whether a kernel module is in use, could be loaded, or is absent; unknown offline. */
export type Availability = "loaded" | "loadable" | "missing" | "unknown";

export interface HostReadiness {
  vfioPlatform: Availability;
  vfioAmba: Availability;
  vfioIommuType1: Availability;
  /** vfio_platform's reset_required parameter; undefined when the module is not loaded. */
  resetRequired: boolean | undefined;
  /** "GICv3 with ITS", "GICv2", …; undefined when the device tree names no GIC. */
  interruptController: string | undefined;
  /**
   * Whether the host remaps MSIs (a GICv3 ITS); vfio_iommu_type1 needs it unless told
   * otherwise. Up to Linux 6.2 that settles it for every device; see msiPerDevice.
   */
  msiRemap: boolean | undefined;
  /** The kernel's release (/proc/sys/kernel/osrelease); undefined offline. */
  kernelRelease: string | undefined;
  /**
   * Whether this kernel asks each device whether its MSIs are isolated (Linux 6.3+), so that
   * a GICv3 ITS elsewhere on the host does not help a device whose own MSI domain does not
   * isolate (src/host/msi-isolation.ts); undefined when the release is unknown.
   */
  msiPerDevice: boolean | undefined;
  /** vfio_iommu_type1's allow_unsafe_interrupts; undefined when the module is not loaded. */
  allowUnsafeInterrupts: boolean | undefined;
  /**
   * VFIO device cdevs (/dev/vfio/devices/vfioN, Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV): the
   * kernel registered the "vfio-dev" character device region. Needed for QEMU's fd=/iommufd.
   */
  vfioDeviceCdev: boolean | undefined;
  /** /dev/iommu exists: iommufd (Linux 6.2+) is loaded. */
  iommufd: boolean | undefined;
  /** iommufd's own allow_unsafe_interrupts: on the iommufd path it stands in for type1's. */
  iommufdAllowUnsafeInterrupts: boolean | undefined;
  /** Sentences for the user: what blocks assignment on this host and what to do. */
  notes: string[];
}

export interface DeviceReadiness {
  /** The vfio driver this device's bus uses. */
  vfioDriver: "vfio-platform" | "vfio-amba";
  /** How a reset is provided ("module vfio-platform-amdxgbe", "reset_required=0", …), or undefined. */
  reset: string | undefined;
  /** Whether the IOMMU group's other members allow assignment now; undefined offline. */
  groupViable: boolean | undefined;
  /** Every reason the device cannot be assigned as things stand; empty when it can. */
  problems: string[];
  /**
   * What the user should know that does not block it now: a clock no driver holds, the host
   * driver's own clock, what the kernel does not tell (src/host/power/rules.ts).
   */
  notes: string[];
}

export interface HostModel {
  /** Live sysfs, or a board DTB given with --host-dtb. */
  source: "sysfs" | "dtb";
  /** The sysfs root or the DTB file. */
  origin: string;
  devices: HostDevice[];
  /** Per device name. */
  readiness: Record<string, DeviceReadiness>;
  host: HostReadiness;
}
