/**
 * The native addon's shape. Every raw VFIO call goes through this one interface: the real
 * addon (native/) implements it, unit tests implement it with a fake, and load.ts checks the
 * loaded module against METHOD_NAMES once before anyone uses it.
 *
 * Conventions: fds and map ids are plain numbers owned by the addon (closeFd/unmap release
 * them once; a second release throws). Offsets are byte offsets on the device fd (region
 * offset + register offset) or inside a mapping. Widths are in bytes. INFO calls return the
 * kernel's structure bytes, decoded by decode.ts. Failures throw an Error with `op` (ioctl or
 * syscall name), `errno` ("EBUSY") and `errnoNumber`; errors.ts turns them into VfioError.
 */

import type { DtDirectory } from "../host/live/livedt.js";

export type ByteWidth = 1 | 2 | 4;

/** Receives how many times an eventfd was signalled since the previous delivery. */
export type CountListener = (count: number, error?: string) => void;

export interface VfioNative {
  readonly abi: number;
  readonly kernelHeaders: string;
  ioctlNumbers(): Record<string, number>;

  openPath(path: string): number;
  closeFd(fd: number): void;
  ownedFds(): number[];
  setInheritable(fd: number, inheritable: boolean): void;

  apiVersion(container: number): number;
  checkExtension(container: number, extension: number): number;
  setIommu(container: number, iommuType: number): void;
  groupStatus(group: number): number;
  groupSetContainer(group: number, container: number): void;
  groupUnsetContainer(group: number): void;
  groupDeviceFd(group: number, device: string): number;
  bindIommufd(device: number, iommufd: number): number;
  ioasAlloc(iommufd: number): number;
  attachIommufdPt(device: number, ptId: number): void;

  deviceInfo(device: number): Uint8Array;
  regionInfo(device: number, index: number): Uint8Array;
  irqInfo(device: number, index: number): Uint8Array;
  reset(device: number): void;

  read(fd: number, offset: number, width: ByteWidth): number;
  read64(fd: number, offset: number): bigint;
  write(fd: number, offset: number, width: ByteWidth, value: number): void;
  write64(fd: number, offset: number, value: bigint): void;
  map(fd: number, offset: number, size: number, writable: boolean): number;
  unmap(mapId: number): void;
  mapRead(mapId: number, offset: number, width: ByteWidth): number;
  mapRead64(mapId: number, offset: number): bigint;
  mapWrite(mapId: number, offset: number, width: ByteWidth, value: number): void;
  mapWrite64(mapId: number, offset: number, value: bigint): void;

  eventfd(): number;
  eventfdSignal(fd: number, value: number): void;
  setIrqs(
    device: number,
    index: number,
    flags: number,
    start: number,
    count: number,
    data?: Int32Array | Uint8Array,
  ): void;
  watch(fd: number, onCount: CountListener): void;
  unwatch(fd: number): void;

  /**
   * Not VFIO: a live device tree's directories and files in one call (src/host/live/livedt.ts
   * says why). Optional, so an addon built before it still loads; the tree is then read in
   * JavaScript.
   */
  readTree?(path: string): DtDirectory;
}

/** The ABI this TypeScript expects; bumped with any change to the interface. */
export const NATIVE_ABI = 1;

type MethodName = {
  [K in keyof VfioNative]-?: VfioNative[K] extends (...args: never[]) => unknown ? K : never;
}[keyof VfioNative];

// A record, not an array, so the compiler insists on every method of the interface.
const METHODS: Record<MethodName, true> = {
  ioctlNumbers: true,
  openPath: true,
  closeFd: true,
  ownedFds: true,
  setInheritable: true,
  apiVersion: true,
  checkExtension: true,
  setIommu: true,
  groupStatus: true,
  groupSetContainer: true,
  groupUnsetContainer: true,
  groupDeviceFd: true,
  bindIommufd: true,
  ioasAlloc: true,
  attachIommufdPt: true,
  deviceInfo: true,
  regionInfo: true,
  irqInfo: true,
  reset: true,
  read: true,
  read64: true,
  write: true,
  write64: true,
  map: true,
  unmap: true,
  mapRead: true,
  mapRead64: true,
  mapWrite: true,
  mapWrite64: true,
  eventfd: true,
  eventfdSignal: true,
  setIrqs: true,
  watch: true,
  unwatch: true,
};

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** What is wrong with a loaded module's shape; empty when it is a VfioNative. */
export function shapeProblems(candidate: unknown): string[] {
  if (typeof candidate !== "object" || candidate === null) return ["not an object"];
  const c = candidate as Record<string, unknown>;
  const problems: string[] = [];
  if (c.abi !== NATIVE_ABI) problems.push(`abi is ${String(c.abi)}, expected ${NATIVE_ABI}`);
  if (typeof c.kernelHeaders !== "string") problems.push("kernelHeaders is not a string");
  const missing = METHOD_NAMES.filter((m) => typeof c[m] !== "function");
  if (missing.length) problems.push(`missing functions: ${missing.join(", ")}`);
  return problems;
}

export function isVfioNative(candidate: unknown): candidate is VfioNative {
  return shapeProblems(candidate).length === 0;
}
