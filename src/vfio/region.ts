/**
 * Register access to one region, two ways with one interface: `RegionFile` does a
 * pread/pwrite on the device fd per access (works for every readable region), `MmioView`
 * loads and stores through an mmap of the region (only where the region allows mmap; no
 * syscall per access). Offsets are relative to the region; bounds and natural alignment are
 * checked here before the addon sees the access.
 */
import { InputError } from "../errors.js";
import { hex } from "../text.js";
import type { VfioRegionInfo } from "./decode.js";
import { call } from "./errors.js";
import type { ByteWidth, VfioNative } from "./native.js";

export type BitWidth = 8 | 16 | 32 | 64;
export type NarrowWidth = 8 | 16 | 32;

export const BIT_WIDTHS: readonly BitWidth[] = [8, 16, 32, 64];

export interface RegisterIo {
  readonly region: VfioRegionInfo;
  readonly via: "pread" | "mmap";
  read(offset: number, width?: NarrowWidth): number;
  read64(offset: number): bigint;
  write(offset: number, value: number, width?: NarrowWidth): void;
  write64(offset: number, value: bigint): void;
}

/** Throws unless [offset, offset + width/8) lies in the region and is naturally aligned. */
export function checkAccess(
  region: VfioRegionInfo,
  offset: number,
  width: BitWidth,
  access: "read" | "write",
): void {
  const bytes = width / 8;
  const where = `region ${region.index}`;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes > region.size) {
    throw new InputError(
      "VFIO_OFFSET_OUT_OF_RANGE",
      `offset ${hex(offset)} (+${bytes}) is outside ${where} of ${hex(region.size)} bytes`,
      {
        where,
        hint: `Valid offsets are 0 … ${hex(region.size - bytes)}.`,
      },
    );
  }
  if (offset % bytes !== 0) {
    throw new InputError(
      "VFIO_OFFSET_MISALIGNED",
      `offset ${hex(offset)} is not aligned to ${width} bits`,
      {
        where,
        hint: `Use a multiple of ${bytes} for ${width}-bit access.`,
      },
    );
  }
  if (access === "read" ? !region.readable : !region.writable) {
    throw new InputError(
      "VFIO_REGION_ACCESS",
      `${where} is not ${access === "read" ? "readable" : "writable"}`,
      {
        where,
        hint: "'platpass inspect' lists each region's flags.",
      },
    );
  }
}

export class RegionFile implements RegisterIo {
  readonly via = "pread";
  readonly #base: number;

  constructor(
    private readonly native: VfioNative,
    private readonly deviceFd: number,
    readonly region: VfioRegionInfo,
    private readonly device: string,
  ) {
    this.#base = Number(region.offset);
  }

  read(offset: number, width: NarrowWidth = 32): number {
    checkAccess(this.region, offset, width, "read");
    return call(this.device, () =>
      this.native.read(this.deviceFd, this.#base + offset, (width / 8) as ByteWidth),
    );
  }

  read64(offset: number): bigint {
    checkAccess(this.region, offset, 64, "read");
    return call(this.device, () => this.native.read64(this.deviceFd, this.#base + offset));
  }

  write(offset: number, value: number, width: NarrowWidth = 32): void {
    checkAccess(this.region, offset, width, "write");
    call(this.device, () =>
      this.native.write(this.deviceFd, this.#base + offset, (width / 8) as ByteWidth, value),
    );
  }

  write64(offset: number, value: bigint): void {
    checkAccess(this.region, offset, 64, "write");
    call(this.device, () => this.native.write64(this.deviceFd, this.#base + offset, value));
  }
}

export class MmioView implements RegisterIo {
  readonly via = "mmap";
  #mapId: number | undefined;

  constructor(
    private readonly native: VfioNative,
    deviceFd: number,
    readonly region: VfioRegionInfo,
    private readonly device: string,
  ) {
    if (!region.mmap) {
      throw new InputError(
        "VFIO_REGION_NOT_MMAPPABLE",
        `region ${region.index} of ${device} does not allow mmap`,
        {
          where: device,
          hint: "The kernel maps only page-aligned regions whose size is a multiple of the page size; use pread access (RegionFile, or peek without --mmap).",
        },
      );
    }
    this.#mapId = call(this.device, () =>
      native.map(deviceFd, Number(region.offset), region.size, region.writable),
    );
  }

  get mapped(): boolean {
    return this.#mapId !== undefined;
  }

  #id(): number {
    if (this.#mapId === undefined) {
      throw new InputError(
        "VFIO_VIEW_CLOSED",
        `the mmap view of region ${this.region.index} is closed`,
        {
          where: this.device,
          hint: "Map the region again to access it.",
        },
      );
    }
    return this.#mapId;
  }

  read(offset: number, width: NarrowWidth = 32): number {
    checkAccess(this.region, offset, width, "read");
    return this.native.mapRead(this.#id(), offset, (width / 8) as ByteWidth);
  }

  read64(offset: number): bigint {
    checkAccess(this.region, offset, 64, "read");
    return this.native.mapRead64(this.#id(), offset);
  }

  write(offset: number, value: number, width: NarrowWidth = 32): void {
    checkAccess(this.region, offset, width, "write");
    this.native.mapWrite(this.#id(), offset, (width / 8) as ByteWidth, value);
  }

  write64(offset: number, value: bigint): void {
    checkAccess(this.region, offset, 64, "write");
    this.native.mapWrite64(this.#id(), offset, value);
  }

  /** Unmaps; later calls do nothing. */
  close(): void {
    if (this.#mapId === undefined) return;
    const id = this.#mapId;
    this.#mapId = undefined;
    this.native.unmap(id);
  }
}

/** Any width as a bigint (for the CLI, which prints every width the same way). */
export function readRegister(io: RegisterIo, offset: number, width: BitWidth): bigint {
  return width === 64 ? io.read64(offset) : BigInt(io.read(offset, width));
}

export function writeRegister(
  io: RegisterIo,
  offset: number,
  width: BitWidth,
  value: bigint,
): void {
  if (value < 0n || value >= 1n << BigInt(width)) {
    throw new InputError(
      "VFIO_VALUE_TOO_WIDE",
      `value 0x${value.toString(16)} does not fit in ${width} bits`,
      {
        hint: "Give a smaller value or a wider --width.",
      },
    );
  }
  if (width === 64) io.write64(offset, value);
  else io.write(offset, Number(value), width);
}
