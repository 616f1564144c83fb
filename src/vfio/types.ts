/**
 * What VFIO says about a device, as plain data. The native addon fills these live; the
 * offline host model derives them from a host DT node's `reg` and `interrupts`.
 * Flag values are the kernel uapi's (include/uapi/linux/vfio.h, Linux 6.1).
 */

export interface VfioRegion {
  /** VFIO region index; also the sysbus MMIO index QEMU gives it. */
  index: number;
  size: number;
  /** File offset of the region on the device fd (index << 40 for platform devices). */
  offset: bigint;
  readable: boolean;
  writable: boolean;
  mmap: boolean;
}

export type IrqTrigger = "level" | "edge";

export interface VfioIrq {
  /** VFIO IRQ index; also the sysbus IRQ index QEMU gives it. */
  index: number;
  count: number;
  eventfd: boolean;
  maskable: boolean;
  /** AUTOMASKED: the kernel masks it on delivery — a level-triggered line. */
  automasked: boolean;
}

export function irqTrigger(irq: VfioIrq): IrqTrigger {
  return irq.automasked ? "level" : "edge";
}

export interface VfioDeviceInfo {
  platform: boolean;
  amba: boolean;
  reset: boolean;
  regions: VfioRegion[];
  irqs: VfioIrq[];
}
