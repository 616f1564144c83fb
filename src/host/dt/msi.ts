/**
 * Whether the host remaps MSIs, read from its device tree. On arm64 Linux 6.1 only a GICv3
 * ITS does (irq_domain_check_msi_remap); SMMUv3 does not claim IOMMU_CAP_INTR_REMAP until
 * later kernels. Without it vfio_iommu_type1 refuses every group ("No interrupt remapping
 * support") unless loaded with allow_unsafe_interrupts=1.
 */
import { type FdtNode, walk } from "../../fdt/tree.js";
import { compatibleOf, isAvailable } from "./dtprops.js";

export interface MsiSituation {
  interruptController: string | undefined;
  msiRemap: boolean | undefined;
}

export function msiSituation(root: FdtNode): MsiSituation {
  let gic: "GICv3" | "GICv2" | undefined;
  let its = false;
  for (const n of walk(root)) {
    if (!isAvailable(n)) continue;
    const compatible = compatibleOf(n).map((c) => c.toLowerCase());
    if (compatible.includes("arm,gic-v3-its")) its = true;
    else if (n.hasProperty("interrupt-controller") && compatible.includes("arm,gic-v3")) {
      gic = "GICv3";
    } else if (
      n.hasProperty("interrupt-controller") &&
      compatible.some((c) => /^arm,(gic-400|cortex-a\d+-gic|arm11mp-gic|pl390)$/.test(c))
    ) {
      gic ??= "GICv2";
    }
  }
  if (gic === undefined) return { interruptController: undefined, msiRemap: its || undefined };
  const name = gic === "GICv3" ? (its ? "GICv3 with ITS" : "GICv3 without ITS") : "GICv2";
  return { interruptController: name, msiRemap: its };
}

/** The note a host without MSI remapping gets: the choice, its price, and how to make it. */
export function unsafeInterruptsNote(
  interruptController: string | undefined,
  module: "vfio_iommu_type1" | "iommufd" = "vfio_iommu_type1",
): string {
  const refusal =
    module === "iommufd"
      ? "iommufd refuses to bind any device and QEMU fails with EPERM."
      : 'vfio_iommu_type1 refuses to attach any IOMMU group ("No interrupt remapping support") and QEMU fails with EPERM.';
  return [
    `This host has no MSI remapping (${interruptController ?? "no GICv3 ITS"}), so ${refusal}`,
    `Loading ${module} with allow_unsafe_interrupts=1 lets assignment work, at a price: an assigned device that can do DMA can then write to the host's MSI doorbell and raise arbitrary host interrupts, so the guest (and the device) must be trusted.`,
    `To accept that: echo 1 > /sys/module/${module}/parameters/allow_unsafe_interrupts (or modprobe ${module} allow_unsafe_interrupts=1, or 'options ${module} allow_unsafe_interrupts=1' in /etc/modprobe.d/).`,
  ].join(" ");
}
