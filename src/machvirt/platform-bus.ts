/**
 * The platform-bus allocator of QEMU's `virt` machine, mirrored (hw/core/platform-bus.c,
 * `platform_bus_link_device`, QEMU 7.2 … 10.1). QEMU links each dynamic sysbus device when
 * it is plugged, in `-device` order:
 *
 * - first every IRQ, in sysbus index order: the lowest free of the bus's 64 lines;
 * - then every MMIO region, in sysbus index order: alignment = size rounded up to a power
 *   of two; QEMU tries offsets 0, a, 2a, … and maps the region at the first one where
 *   [offset, offset+size) overlaps nothing mapped yet.
 *
 * A vfio-platform device's sysbus IRQs and regions are its VFIO IRQ and region indexes in
 * order (hw/vfio/platform.c `vfio_populate_device`). When nothing fits QEMU prints
 * "Platform Bus: Can not fit …" and exits; platpass refuses the same input before QEMU runs.
 *
 * Pure: no I/O. The MMIO search does not walk offsets one by one: when the candidate
 * overlaps a mapped region, every aligned offset below that region's end overlaps it too,
 * so the search jumps to the region's end rounded up to the alignment. Same answer as
 * QEMU's scan, in steps proportional to the regions it passes.
 */
import { InputError } from "../errors.js";
import { PLATFORM_BUS_IRQS, PLATFORM_BUS_SIZE } from "./layout.js";

/** What the platform bus needs to know about one dynamic sysbus device. */
export interface SysbusDevice {
  /** The name the user knows the device by (its `-device id=`, its sysfs name). */
  name: string;
  /** Sizes of its sysbus MMIO regions, in sysbus (= VFIO region) index order. */
  regionSizes: readonly number[];
  /** How many sysbus IRQs it has (= VFIO IRQ indexes). */
  irqCount: number;
}

export interface MmioPlacement {
  /** Sysbus MMIO index. */
  index: number;
  /** Bus-relative offset: what goes into the guest node's `reg`. */
  offset: number;
  size: number;
}

export interface IrqPlacement {
  /** Sysbus IRQ index. */
  index: number;
  /** Platform-bus line, 0…63; the guest sees SPI 112+line. */
  line: number;
}

export interface DevicePlacement {
  name: string;
  regions: MmioPlacement[];
  irqs: IrqPlacement[];
}

/** The bus's resources; QEMU's `mmio_size` and `num_irqs`. */
export interface PlatformBusWindow {
  size: number;
  lines: number;
}

export const VIRT_PLATFORM_BUS: PlatformBusWindow = {
  size: PLATFORM_BUS_SIZE,
  lines: PLATFORM_BUS_IRQS,
};

/** A device that QEMU could not link either: the bus has no room for one of its resources. */
export class PlatformBusFullError extends InputError {
  readonly device: string;
  readonly resource: "mmio" | "irq";
  /** Sysbus index of the region or IRQ that did not fit. */
  readonly index: number;
  /** The region's size (MMIO only). */
  readonly size: number | undefined;

  constructor(
    device: string,
    resource: "mmio" | "irq",
    index: number,
    window: PlatformBusWindow,
    size?: number,
  ) {
    const qemuSays =
      resource === "mmio"
        ? `Platform Bus: Can not fit MMIO region of size ${size?.toString(16)}`
        : "Platform Bus: Can not fit IRQ line";
    const what =
      resource === "mmio"
        ? `MMIO region ${index} (0x${size?.toString(16)} bytes) does not fit in the ${hexSize(window.size)} platform bus`
        : `IRQ ${index} does not fit: all ${window.lines} platform-bus lines are taken`;
    super(
      resource === "mmio" ? "PLATFORM_BUS_MMIO_FULL" : "PLATFORM_BUS_IRQ_FULL",
      `${device}: ${what}; QEMU would exit with "${qemuSays}"`,
      {
        where: `device ${device}`,
        hint:
          resource === "mmio"
            ? `Each region takes a free range aligned to its size rounded up to a power of two, inside ${hexSize(window.size)}; assign fewer or smaller devices.`
            : `The platform bus has ${window.lines} interrupt lines for all assigned devices together; assign fewer devices.`,
      },
    );
    this.device = device;
    this.resource = resource;
    this.index = index;
    this.size = size;
  }
}

function hexSize(bytes: number): string {
  const mib = bytes / 0x10_0000;
  return Number.isInteger(mib) ? `${mib} MiB` : `0x${bytes.toString(16)}-byte`;
}

/** QEMU's alignment for a region: its size rounded up to a power of two. */
export function naturalAlignment(size: number): number {
  let a = 1;
  while (a < size) a *= 2;
  return a;
}

interface Interval {
  start: number;
  end: number;
}

export class PlatformBus {
  readonly window: PlatformBusWindow;
  /** Mapped ranges, sorted by start, never overlapping (so also sorted by end). */
  private mapped: Interval[] = [];
  private used: Uint8Array;
  private readonly placed: DevicePlacement[] = [];

  constructor(window: PlatformBusWindow = VIRT_PLATFORM_BUS) {
    this.window = window;
    this.used = new Uint8Array(window.lines);
  }

  /** Devices linked so far, in link order. */
  get placements(): readonly DevicePlacement[] {
    return this.placed;
  }

  /**
   * Links one device as QEMU does when it is plugged. All or nothing: a device that does
   * not fit leaves the bus as it was and throws PlatformBusFullError.
   */
  link(device: SysbusDevice): DevicePlacement {
    checkShape(device);
    const used = this.used.slice();
    const mapped = this.mapped.slice();
    const irqs: IrqPlacement[] = [];
    for (let index = 0; index < device.irqCount; index++) {
      const line = used.indexOf(0);
      if (line < 0) throw new PlatformBusFullError(device.name, "irq", index, this.window);
      used[line] = 1;
      irqs.push({ index, line });
    }
    const regions: MmioPlacement[] = [];
    device.regionSizes.forEach((size, index) => {
      const fit = firstFit(mapped, size, this.window.size);
      if (!fit) throw new PlatformBusFullError(device.name, "mmio", index, this.window, size);
      mapped.splice(fit.at, 0, { start: fit.offset, end: fit.offset + size });
      regions.push({ index, offset: fit.offset, size });
    });
    this.used = used;
    this.mapped = mapped;
    const placement = { name: device.name, regions, irqs };
    this.placed.push(placement);
    return placement;
  }
}

/** Links `devices` in order on a fresh bus; throws at the first one that does not fit. */
export function placeDevices(
  devices: readonly SysbusDevice[],
  window: PlatformBusWindow = VIRT_PLATFORM_BUS,
): DevicePlacement[] {
  const bus = new PlatformBus(window);
  return devices.map((d) => bus.link(d));
}

function checkShape(device: SysbusDevice): void {
  if (!Number.isSafeInteger(device.irqCount) || device.irqCount < 0) {
    throw new InputError(
      "PLATFORM_BUS_BAD_DEVICE",
      `${device.name}: IRQ count ${device.irqCount} is not a non-negative integer`,
      { where: `device ${device.name}` },
    );
  }
  device.regionSizes.forEach((size, index) => {
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new InputError(
        "PLATFORM_BUS_BAD_DEVICE",
        `${device.name}: MMIO region ${index} has size ${size}; a region needs a positive integer size`,
        { where: `device ${device.name}`, hint: "Region sizes are what VFIO reports (bytes)." },
      );
    }
  });
}

/**
 * The lowest offset that QEMU's scan would pick, and where it goes in `mapped`.
 * A placement must end inside the window; QEMU only ever needs that for regions larger
 * than the whole window, which platpass refuses rather than map past the bus's end.
 */
function firstFit(
  mapped: readonly Interval[],
  size: number,
  windowSize: number,
): { offset: number; at: number } | undefined {
  const align = naturalAlignment(size);
  let offset = 0;
  while (offset + size <= windowSize) {
    const at = firstEndingAfter(mapped, offset);
    const next = mapped[at];
    if (!next || next.start >= offset + size) return { offset, at };
    offset = Math.ceil(next.end / align) * align;
  }
  return undefined;
}

/** Index of the first interval whose end is above `offset` (mapped.length if none). */
function firstEndingAfter(mapped: readonly Interval[], offset: number): number {
  let lo = 0;
  let hi = mapped.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((mapped[mid] as Interval).end > offset) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
