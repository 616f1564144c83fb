/**
 * The part of QEMU's `virt` memory and interrupt map that platpass places devices in
 * (hw/arm/virt.c `base_memmap` / `a15irqmap`, unchanged from QEMU 7.2 to 10.1).
 *
 * ```
 *  guest physical address                       GIC interrupt
 *  0x0000_0000 ┌──────────────────────────┐
 *              │ flash, GIC, UART, RTC,   │
 *              │ fw_cfg, GPIO, SMMU, ...  │
 *  0x0a00_0000 ├──────────────────────────┤
 *              │ 32 virtio-mmio transports│     SPI 16 … 47
 *  0x0c00_0000 ├──────────────────────────┤ ◄── PLATFORM_BUS_BASE
 *              │ platform bus             │     64 lines: line n ─► SPI 112+n
 *              │ (dynamic sysbus devices, │     (GIC INTID 144+n)
 *              │  first fit, naturally    │     DT: interrupts = <0 (112+n) flags>
 *              │  aligned)   32 MiB       │
 *  0x0e00_0000 ├──────────────────────────┤ ◄── PLATFORM_BUS_END
 *              │ secure memory, PCIe, RAM │
 *              └──────────────────────────┘
 * ```
 *
 * Device nodes under the platform-bus node use bus-relative addresses: the node's
 * `ranges = <0 0x0 0xc000000 0x2000000>` translates offset 0 to 0x0c000000, which is why
 * the guest kernel names a device at offset 0 `c000000.<node name>`.
 */

import type { IrqTrigger } from "../vfio/types.js";

/** Guest physical base of the platform bus window. */
export const PLATFORM_BUS_BASE = 0x0c00_0000;
/** Size of the window: QEMU's `mmio_size` property of the platform-bus-device. */
export const PLATFORM_BUS_SIZE = 0x0200_0000;
/** First address past the window. */
export const PLATFORM_BUS_END = PLATFORM_BUS_BASE + PLATFORM_BUS_SIZE;
/** Interrupt lines of the bus: QEMU's `num_irqs` property of the platform-bus-device. */
export const PLATFORM_BUS_IRQS = 64;
/** The SPI number that platform-bus line 0 is wired to (`a15irqmap[VIRT_PLATFORM_BUS]`). */
export const PLATFORM_BUS_SPI_BASE = 112;
/** GIC INTIDs 0…31 are SGIs and PPIs; SPI n is INTID 32+n. */
export const GIC_SPI_INTID_OFFSET = 32;

/** First cell of a GIC interrupt specifier: 0 = SPI (the bindings' GIC_SPI). */
export const GIC_SPI = 0;
/** Third cell: IRQ_TYPE_EDGE_RISING. */
export const IRQ_TYPE_EDGE_RISING = 1;
/** Third cell: IRQ_TYPE_LEVEL_HIGH. */
export const IRQ_TYPE_LEVEL_HIGH = 4;

/** The compatible QEMU gives the platform-bus node; platpass finds the node by it. */
export const PLATFORM_BUS_COMPATIBLE = "qemu,platform";
/** The name QEMU gives the node (informative only; look it up by compatible). */
export const PLATFORM_BUS_NODE_NAME = `platform-bus@${PLATFORM_BUS_BASE.toString(16)}`;

/** The GIC SPI that platform-bus line `line` is wired to (the guest's INTID is 32 more). */
export function spiOfLine(line: number): number {
  return PLATFORM_BUS_SPI_BASE + line;
}

/** The GIC `interrupts` specifier for platform-bus line `line`: `<0 (112+line) flags>`. */
export function gicSpecifier(line: number, trigger: IrqTrigger): [number, number, number] {
  if (!Number.isInteger(line) || line < 0 || line >= PLATFORM_BUS_IRQS) {
    throw new RangeError(`platform-bus line ${line} is outside 0…${PLATFORM_BUS_IRQS - 1}`);
  }
  return [
    GIC_SPI,
    spiOfLine(line),
    trigger === "level" ? IRQ_TYPE_LEVEL_HIGH : IRQ_TYPE_EDGE_RISING,
  ];
}

/** The guest physical address of a bus-relative offset. */
export function guestAddress(offset: number): number {
  return PLATFORM_BUS_BASE + offset;
}

/** The name Linux gives a platform device at `offset` whose node is named `nodeName`. */
export function guestPlatformDeviceName(offset: number, nodeName: string): string {
  return `${guestAddress(offset).toString(16)}.${nodeName.split("@")[0]}`;
}
