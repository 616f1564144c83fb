/**
 * An open VFIO device: its fds, what it reports (flags, regions, IRQs), register access,
 * IRQ lines and reset. `close` releases everything it opened, each exactly once, in the
 * order the kernel needs (views and IRQs, device, group, container or iommufd).
 */
import { InputError } from "../errors.js";
import {
  decodeDeviceInfo,
  decodeIrqInfo,
  decodeRegionInfo,
  type VfioDeviceFlags,
  type VfioIrqInfo,
  type VfioRegionInfo,
} from "./decode.js";
import { call } from "./errors.js";
import { IrqLine } from "./irq.js";
import type { VfioNative } from "./native.js";
import { MmioView, RegionFile } from "./region.js";
import type { VfioDeviceInfo } from "./types.js";

export type IommuMode = "type1v2" | "type1" | "noiommu" | "iommufd";

/** The fds behind an open device; a child process (QEMU's fd=, iommufd=) can be given them. */
export interface VfioFds {
  device: number;
  group?: number;
  container?: number;
  iommufd?: number;
}

export interface VfioDeviceDetails extends VfioDeviceInfo {
  flags: VfioDeviceFlags;
  regions: VfioRegionInfo[];
  irqs: VfioIrqInfo[];
}

export class VfioDevice {
  #details: VfioDeviceDetails | undefined;
  #views: MmioView[] = [];
  #irqs = new Map<number, IrqLine>();
  #closed = false;

  constructor(
    private readonly native: VfioNative,
    readonly name: string,
    readonly mode: IommuMode,
    readonly fds: VfioFds,
    readonly group: number | undefined,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  details(): VfioDeviceDetails {
    if (this.#details) return this.#details;
    const fd = this.fds.device;
    const flags = decodeDeviceInfo(call(this.name, () => this.native.deviceInfo(fd)));
    const regions = Array.from({ length: flags.numRegions }, (_, i) =>
      decodeRegionInfo(call(this.name, () => this.native.regionInfo(fd, i))),
    );
    const irqs = Array.from({ length: flags.numIrqs }, (_, i) =>
      decodeIrqInfo(call(this.name, () => this.native.irqInfo(fd, i))),
    );
    this.#details = {
      flags,
      platform: flags.platform,
      amba: flags.amba,
      reset: flags.reset,
      regions,
      irqs,
    };
    return this.#details;
  }

  #region(index: number): VfioRegionInfo {
    const region = this.details().regions[index];
    if (!region) {
      throw new InputError("VFIO_NO_SUCH_REGION", `${this.name} has no region ${index}`, {
        where: this.name,
        hint: `It has ${this.details().regions.length} region(s), numbered from 0; 'platpass inspect ${this.name}' lists them.`,
      });
    }
    return region;
  }

  /** pread/pwrite access to a region. */
  regionFile(index: number): RegionFile {
    return new RegionFile(this.native, this.fds.device, this.#region(index), this.name);
  }

  /** An mmap view of a region; unmapped by `close` at the latest. */
  mapRegion(index: number): MmioView {
    const view = new MmioView(this.native, this.fds.device, this.#region(index), this.name);
    this.#views.push(view);
    return view;
  }

  /** The IRQ line for an IRQ index (one object per index). */
  irq(index: number): IrqLine {
    const existing = this.#irqs.get(index);
    if (existing) return existing;
    const info = this.details().irqs[index];
    if (!info) {
      throw new InputError("VFIO_NO_SUCH_IRQ", `${this.name} has no IRQ ${index}`, {
        where: this.name,
        hint: `It has ${this.details().irqs.length} IRQ(s), numbered from 0; 'platpass inspect ${this.name}' lists them.`,
      });
    }
    const line = new IrqLine(this.native, this.fds.device, info, this.name);
    this.#irqs.set(index, line);
    return line;
  }

  reset(): void {
    call(this.name, () => this.native.reset(this.fds.device));
  }

  /**
   * Lets a child process inherit the fds at their current numbers (clears close-on-exec).
   * Passing them through spawn's stdio array instead needs no such call.
   */
  setInheritable(inheritable: boolean): void {
    for (const fd of Object.values(this.fds)) this.native.setInheritable(fd, inheritable);
  }

  /** Releases everything, each once; a second call does nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const steps: (() => void)[] = [
      ...this.#views.map((v) => () => v.close()),
      ...[...this.#irqs.values()].map((l) => () => l.disable()),
      () => this.native.closeFd(this.fds.device),
      ...(this.fds.group !== undefined
        ? [() => this.native.closeFd(this.fds.group as number)]
        : []),
      ...(this.fds.container !== undefined
        ? [() => this.native.closeFd(this.fds.container as number)]
        : []),
      ...(this.fds.iommufd !== undefined
        ? [() => this.native.closeFd(this.fds.iommufd as number)]
        : []),
    ];
    // Every step runs even when one fails; the first failure is reported afterwards.
    let first: unknown;
    for (const step of steps) {
      try {
        step();
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }
}
