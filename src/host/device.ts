import type { VfioIrq, VfioRegion } from "../vfio/types.js";
import type { DeviceMsi } from "./dt/msi.js";
import type { DevicePower } from "./power/device.js";

export type HostBus = "platform" | "amba";

/** A property of the host DT node, raw bytes as the kernel exposes them. */
export type HostProperties = ReadonlyMap<string, Uint8Array>;

/**
 * One host device as platpass sees it: from live sysfs or, offline, from a board DTB.
 * Plain data: everything downstream (boards, plan) reads it and never goes back to the host.
 */
export interface HostDevice {
  /** sysfs name, e.g. "e0700000.xgmac" or "c000000.tpm_tis". */
  name: string;
  bus: HostBus;
  /** Path of the device's node in the host device tree, e.g. "/smb/xgmac@e0700000". */
  dtPath: string;
  compatible: string[];
  /** The host DT node's properties (for plugins that copy them). */
  properties: HostProperties;
  /** Driver currently bound, or undefined. */
  driver: string | undefined;
  driverOverride: string | undefined;
  /** IOMMU group number, undefined when the device has none. */
  iommuGroup: number | undefined;
  /** The other devices in the same IOMMU group. */
  groupPeers: string[];
  /** Regions and IRQs as VFIO reports them (live) or as the host DT implies (offline). */
  regions: VfioRegion[];
  irqs: VfioIrq[];
  /** Where regions/irqs came from. */
  source: "vfio" | "device-tree";
  /**
   * Its clocks, power domains and runtime PM as the live kernel reports them, for a device whose
   * node has `clocks` or `power-domains`; undefined offline.
   */
  power?: DevicePower | undefined;
  /**
   * The MSI domain its DT node gives it and whether that isolates, which Linux 6.3+ asks of
   * each device VFIO takes (dt/msi.ts); undefined for an AMBA device.
   */
  msi?: DeviceMsi | undefined;
}
