/**
 * MSI isolation as Linux 6.3 and later judge it: per device, not per host. Up to 6.2,
 * vfio_iommu_type1_attach_group and iommufd's attach ask irq_domain_check_msi_remap(), which
 * any GICv3 ITS on the host satisfies (dt/msi.ts's msiSituation and readiness.ts model that).
 * Jason Gunthorpe's "Remove IOMMU_CAP_INTR_REMAP" series (v3 posted January 2023, after
 * 6.2-rc1; Ubuntu's 6.2.16 still has the global check) replaced it, as in Linux 6.12:
 *   - vfio_iommu_type1_attach_group (drivers/vfio/vfio_iommu_type1.c): EPERM ("No interrupt
 *     remapping support") when !allow_unsafe_interrupts && !iommu_group_has_isolated_msi(group);
 *   - iommufd_device_bind (drivers/iommu/iommufd/device.c): EPERM ("MSI interrupts are not
 *     secure") when !iommu_group_has_isolated_msi(igroup->group) and iommufd's own
 *     allow_unsafe_interrupts is off;
 *   - iommu_group_has_isolated_msi (drivers/iommu/iommu.c) ANDs msi_device_has_isolated_msi
 *     over the group's devices, which walks dev_get_msi_domain(dev) and its parents for
 *     IRQ_DOMAIN_FLAG_ISOLATED_MSI, else arch_is_isolated_msi(), false on arm64
 *     (kernel/irq/msi.c).
 * A platform device's MSI domain comes from its own msi-parent (dt/msi.ts's deviceMsi), so one
 * with wired interrupts only is refused even beside an ITS unless the path's module allows
 * unsafe interrupts. Pure: the caller gives the host's facts and the devices.
 */
import type { VfioBackend } from "../plan/vfio-backend.js";
import type { HostDevice } from "./device.js";
import type { HostReadiness } from "./model.js";

export type IsolationFacts = Pick<
  HostReadiness,
  | "kernelRelease"
  | "msiPerDevice"
  | "allowUnsafeInterrupts"
  | "iommufdAllowUnsafeInterrupts"
  | "vfioDeviceCdev"
  | "iommufd"
>;

/** The module whose allow_unsafe_interrupts decides a path. */
export type UnsafeInterruptsModule = "iommufd" | "vfio_iommu_type1";

/** Linux 6.3+, from a release such as "6.12.57+deb13-arm64"; undefined when it is not one. */
export function judgesMsiPerDevice(release: string | undefined): boolean | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release ?? "");
  if (!m) return undefined;
  const major = Number(m[1]);
  return major > 6 || (major === 6 && Number(m[2]) >= 3);
}

export function unsafeInterruptsModule(backend: VfioBackend): UnsafeInterruptsModule {
  return backend === "iommufd" ? "iommufd" : "vfio_iommu_type1";
}

export function allowsUnsafeInterrupts(
  facts: IsolationFacts,
  module: UnsafeInterruptsModule,
): boolean {
  const allowed =
    module === "iommufd" ? facts.iommufdAllowUnsafeInterrupts : facts.allowUnsafeInterrupts;
  return allowed === true;
}

/**
 * The path `list` judges a device by: iommufd where the host has VFIO cdevs and /dev/iommu,
 * which qemu.vfioBackend "auto" takes with a QEMU that has fd= and iommufd=, else the legacy one.
 */
export function hostPath(facts: IsolationFacts): VfioBackend {
  return facts.vfioDeviceCdev === true && facts.iommufd === true ? "iommufd" : "legacy";
}

/** The host's devices (`byName`) in `device`'s IOMMU group besides it: the peers judged with it. */
export function groupPeersIn(
  byName: ReadonlyMap<string, HostDevice>,
  device: HostDevice,
): HostDevice[] {
  return device.groupPeers.flatMap((p) => byName.get(p) ?? []);
}

/** The predicate's tail ("has no msi-parent, …") for a device not isolated on its own. */
function ownReason(device: HostDevice): string | undefined {
  const msi = device.msi;
  if (!msi || msi.isolated) return undefined;
  return msi.parent === undefined
    ? "has no msi-parent, so no MSI domain: its interrupts are wired"
    : `has msi-parent ${msi.parent}, which is not a GICv3 ITS, the one arm64 MSI controller that isolates`;
}

/**
 * Why the kernel would find the device's IOMMU group without isolated MSIs: the device itself,
 * or a group peer among `peers` (the host's devices of that group; others are not judged).
 * Undefined when every judged member is isolated, or the device's MSI domain is unknown.
 */
export function unisolatedBecause(
  device: HostDevice,
  peers: readonly HostDevice[] = [],
): string | undefined {
  if (!device.msi) return undefined;
  const own = ownReason(device);
  if (own) return `it ${own}`;
  for (const peer of peers) {
    const why = ownReason(peer);
    if (why) return `its IOMMU group holds ${peer.name}, which ${why}`;
  }
  return undefined;
}

/** `list`'s problem for a device on a 6.3+ kernel whose path refuses it; undefined if none. */
export function msiIsolationProblem(
  device: HostDevice,
  peers: readonly HostDevice[],
  facts: IsolationFacts,
): string | undefined {
  const why = unisolatedBecause(device, peers);
  if (!why) return undefined;
  const path = hostPath(facts);
  const module = unsafeInterruptsModule(path);
  if (allowsUnsafeInterrupts(facts, module)) return undefined;
  const legacy =
    path !== "iommufd"
      ? ""
      : allowsUnsafeInterrupts(facts, "vfio_iommu_type1")
        ? ' (vfio_iommu_type1 allows it: qemu.vfioBackend "legacy" would work)'
        : " (and vfio_iommu_type1 on the legacy path)";
  return `MSIs not isolated (${why}), which Linux 6.3+ asks of each device: ${module} needs allow_unsafe_interrupts=1${legacy}`;
}

/** What to do about a refusal: the trade-off, how to accept it, the other path if it allows it. */
export function unisolatedHint(facts: IsolationFacts, module: UnsafeInterruptsModule): string {
  const parameter = `/sys/module/${module}/parameters/allow_unsafe_interrupts`;
  const other =
    module === "iommufd" && allowsUnsafeInterrupts(facts, "vfio_iommu_type1")
      ? ' vfio_iommu_type1 allows unsafe interrupts, so qemu.vfioBackend "legacy" takes a path this host accepts.'
      : "";
  return [
    "Linux 6.3 and later ask each device whether its MSIs are isolated, and on arm64 only an msi-parent that is a GICv3 ITS makes them so: an ITS elsewhere on the host does not count.",
    `If you trust the device and the guest, allow it with 'echo 1 > ${parameter}' (or 'modprobe ${module} allow_unsafe_interrupts=1'): a device that can do DMA could then raise arbitrary host interrupts. Otherwise it cannot be assigned safely on this host.${other}`,
  ].join(" ");
}
