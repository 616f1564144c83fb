/**
 * MSI remapping as the device tree tells it, in the two forms Linux has asked about it.
 * Up to 6.2 the host's: on arm64 only a GICv3 ITS remaps (irq_domain_check_msi_remap); SMMUv3
 * does not claim IOMMU_CAP_INTR_REMAP until later kernels. Without it vfio_iommu_type1 refuses
 * every group ("No interrupt remapping support") unless loaded with allow_unsafe_interrupts=1.
 * From 6.3 each device's (deviceMsi; the rule is ../msi-isolation.ts).
 */
import { type FdtNode, walk } from "../../fdt/tree.js";
import { byPhandle, cellAt, compatibleOf, isAvailable, propU32 } from "./dtprops.js";

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

/** What a platform device's own DT node gives Linux 6.3+ to judge its MSIs by. */
export interface DeviceMsi {
  /** The MSI controller its `msi-parent` reaches, by DT path; undefined without one. */
  parent: string | undefined;
  /** Whether the MSI domain the kernel gives it is isolating (that controller is a GICv3 ITS). */
  isolated: boolean;
}

/** An MSI controller an `msi-parent` entry can reach: irq_find_matching_host needs it probed. */
function msiController(node: FdtNode | undefined): FdtNode | undefined {
  return node?.hasProperty("msi-controller") && isAvailable(node) ? node : undefined;
}

/**
 * of_msi_get_domain(dev, np, DOMAIN_BUS_PLATFORM_MSI), drivers/of/irq.c (Linux 6.12), which
 * of_platform_device_create_pdata calls through of_msi_configure: a first `msi-parent` phandle
 * whose node has no #msi-cells is the answer, found or not; else the phandle+args entries in
 * order, the first with a domain winning. Only the device's own property counts (`msi-map` is
 * looked up for PCI and fsl-mc devices, not platform ones).
 */
function msiParentOf(node: FdtNode): FdtNode | undefined {
  const list = node.property("msi-parent");
  if (!list) return undefined;
  const first = cellAt(list, 0);
  const single = first === undefined ? undefined : byPhandle(node, first);
  if (single && !single.hasProperty("#msi-cells")) return msiController(single);
  for (let at = 0; cellAt(list, at) !== undefined; ) {
    const target = byPhandle(node, cellAt(list, at)!);
    const args = target ? propU32(target, "#msi-cells") : undefined;
    if (!target || args === undefined) return undefined;
    const found = msiController(target);
    if (found) return found;
    at += 1 + args;
  }
  return undefined;
}

/**
 * msi_device_has_isolated_msi(dev), kernel/irq/msi.c: true when the device's MSI domain or one
 * of its parents has IRQ_DOMAIN_FLAG_ISOLATED_MSI, else arch_is_isolated_msi(), false on
 * arm64. Of arm64's MSI controllers only the GICv3 ITS sets the flag (msi_domain_flags,
 * drivers/irqchip/irq-gic-v3-its.c); a GICv2m frame does not. Not modelled: the SynQuacer
 * pre-ITS quirk, which clears it in kernels built with CONFIG_SOCIONEXT_SYNQUACER_PREITS, a
 * fact the DT does not show (such a device is refused by the kernel, late, as before). A
 * device with no msi-parent has no MSI domain at all: with wired interrupts only, it is never
 * isolated.
 */
export function deviceMsi(node: FdtNode): DeviceMsi {
  const parent = msiParentOf(node);
  if (!parent) return { parent: undefined, isolated: false };
  const isolated = compatibleOf(parent).some((c) => c.toLowerCase() === "arm,gic-v3-its");
  return { parent: parent.path, isolated };
}
