/**
 * A VfioNative that models one platform device in memory: fds are numbers it hands out and
 * takes back (a second close throws, as the addon's does), INFO calls return bytes laid out
 * as the kernel's structures, registers are a byte array, SET_IRQS calls are recorded and a
 * test fires eventfds by hand. It tests platpass's logic above the addon, never the kernel.
 */
import type { ByteWidth, CountListener, VfioNative } from "../../../src/vfio/native.js";
import { IOCTL } from "../../../src/vfio/uapi.js";

export interface FakeRegion {
  size: number;
  flags: number;
  /** Raw capability chain bytes appended after the 32-byte struct (cap_offset = 32). */
  caps?: Uint8Array;
}

export interface FakeDevice {
  name: string;
  flags: number;
  regions: FakeRegion[];
  irqFlags: number[];
}

export interface SetIrqsCall {
  index: number;
  flags: number;
  data: number[];
}

export class FakeNative implements VfioNative {
  readonly abi = 1;
  readonly kernelHeaders = "fake";
  readonly calls: string[] = [];
  readonly closed: number[] = [];
  readonly setIrqsCalls: SetIrqsCall[] = [];
  readonly registers: Uint8Array[];
  #next = 10;
  #open = new Map<number, string>();
  #maps = new Map<number, { region: number }>();
  #watches = new Map<number, CountListener>();
  /** ioctl or syscall name → errno to throw the next time it is called. */
  failures = new Map<string, string>();
  extensions = new Set<number>([3, 1]);

  constructor(readonly device: FakeDevice) {
    this.registers = device.regions.map((r) => new Uint8Array(r.size));
  }

  #fail(op: string): void {
    const errno = this.failures.get(op);
    if (errno === undefined) return;
    this.failures.delete(op);
    throw Object.assign(new Error(`${op} failed: fake ${errno}`), { op, errno, errnoNumber: 1 });
  }

  #fd(kind: string): number {
    const fd = this.#next++;
    this.#open.set(fd, kind);
    return fd;
  }

  #own(fd: number): void {
    if (!this.#open.has(fd)) throw new Error(`fd ${fd} is not open in this addon`);
  }

  ioctlNumbers(): Record<string, number> {
    return { ...IOCTL };
  }
  openPath(path: string): number {
    this.calls.push(`open ${path}`);
    this.#fail("open");
    return this.#fd(path);
  }
  closeFd(fd: number): void {
    this.#own(fd);
    this.calls.push(`close ${this.#open.get(fd)}`);
    this.#open.delete(fd);
    this.#watches.delete(fd);
    this.closed.push(fd);
  }
  ownedFds(): number[] {
    return [...this.#open.keys()];
  }
  setInheritable(fd: number): void {
    this.#own(fd);
  }
  apiVersion(fd: number): number {
    this.#own(fd);
    return 0;
  }
  checkExtension(fd: number, extension: number): number {
    this.#own(fd);
    return this.extensions.has(extension) ? 1 : 0;
  }
  setIommu(fd: number, type: number): void {
    this.#own(fd);
    this.calls.push(`VFIO_SET_IOMMU ${type}`);
    this.#fail("VFIO_SET_IOMMU");
  }
  groupStatus(fd: number): number {
    this.#own(fd);
    return 1;
  }
  groupSetContainer(group: number, container: number): void {
    this.#own(group);
    this.#own(container);
    this.calls.push("VFIO_GROUP_SET_CONTAINER");
  }
  groupUnsetContainer(group: number): void {
    this.#own(group);
  }
  groupDeviceFd(group: number, device: string): number {
    this.#own(group);
    this.calls.push(`VFIO_GROUP_GET_DEVICE_FD ${device}`);
    this.#fail("VFIO_GROUP_GET_DEVICE_FD");
    return this.#fd(`device ${device}`);
  }
  bindIommufd(device: number, iommufd: number): number {
    this.#own(device);
    this.#own(iommufd);
    this.calls.push("VFIO_DEVICE_BIND_IOMMUFD");
    return 1;
  }
  ioasAlloc(iommufd: number): number {
    this.#own(iommufd);
    this.calls.push("IOMMU_IOAS_ALLOC");
    return 2;
  }
  attachIommufdPt(device: number, ptId: number): void {
    this.#own(device);
    this.calls.push(`VFIO_DEVICE_ATTACH_IOMMUFD_PT ${ptId}`);
  }
  deviceInfo(fd: number): Uint8Array {
    this.#own(fd);
    return words([
      20,
      this.device.flags,
      this.device.regions.length,
      this.device.irqFlags.length,
      0,
    ]);
  }
  regionInfo(fd: number, index: number): Uint8Array {
    this.#own(fd);
    const r = this.device.regions[index]!;
    const caps = r.caps ?? new Uint8Array();
    const bytes = new Uint8Array(32 + caps.length);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, bytes.length, true);
    v.setUint32(4, r.flags, true);
    v.setUint32(8, index, true);
    v.setUint32(12, caps.length ? 32 : 0, true);
    v.setBigUint64(16, BigInt(r.size), true);
    v.setBigUint64(24, BigInt(index) << 40n, true);
    bytes.set(caps, 32);
    return bytes;
  }
  irqInfo(fd: number, index: number): Uint8Array {
    this.#own(fd);
    return words([16, this.device.irqFlags[index]!, index, 1]);
  }
  reset(fd: number): void {
    this.#own(fd);
    this.#fail("VFIO_DEVICE_RESET");
  }
  #at(offset: number): { bytes: Uint8Array; at: number } {
    const region = Math.floor(offset / 2 ** 40);
    return { bytes: this.registers[region]!, at: offset - region * 2 ** 40 };
  }
  read(fd: number, offset: number, width: ByteWidth): number {
    this.#own(fd);
    this.calls.push(`pread ${offset.toString(16)} ${width}`);
    const { bytes, at } = this.#at(offset);
    return Number(readLe(bytes, at, width));
  }
  read64(fd: number, offset: number): bigint {
    this.#own(fd);
    const { bytes, at } = this.#at(offset);
    return readLe(bytes, at, 8);
  }
  write(fd: number, offset: number, width: ByteWidth, value: number): void {
    this.#own(fd);
    const { bytes, at } = this.#at(offset);
    writeLe(bytes, at, width, BigInt(value));
  }
  write64(fd: number, offset: number, value: bigint): void {
    this.#own(fd);
    const { bytes, at } = this.#at(offset);
    writeLe(bytes, at, 8, value);
  }
  map(fd: number, offset: number): number {
    this.#own(fd);
    this.calls.push("mmap");
    const id = this.#next++;
    this.#maps.set(id, { region: Math.floor(offset / 2 ** 40) });
    return id;
  }
  unmap(mapId: number): void {
    if (!this.#maps.delete(mapId)) throw new Error(`mapping ${mapId} is not mapped`);
    this.calls.push("munmap");
  }
  mapRead(mapId: number, offset: number, width: ByteWidth): number {
    const m = this.#maps.get(mapId)!;
    return Number(readLe(this.registers[m.region]!, offset, width));
  }
  mapRead64(mapId: number, offset: number): bigint {
    const m = this.#maps.get(mapId)!;
    return readLe(this.registers[m.region]!, offset, 8);
  }
  mapWrite(mapId: number, offset: number, width: ByteWidth, value: number): void {
    const m = this.#maps.get(mapId)!;
    writeLe(this.registers[m.region]!, offset, width, BigInt(value));
  }
  mapWrite64(mapId: number, offset: number, value: bigint): void {
    const m = this.#maps.get(mapId)!;
    writeLe(this.registers[m.region]!, offset, 8, value);
  }
  eventfd(): number {
    return this.#fd("eventfd");
  }
  eventfdSignal(fd: number): void {
    this.#own(fd);
  }
  setIrqs(
    device: number,
    index: number,
    flags: number,
    _start: number,
    _count: number,
    data?: Int32Array | Uint8Array,
  ): void {
    this.#own(device);
    this.setIrqsCalls.push({ index, flags, data: data ? [...data] : [] });
    this.#fail("VFIO_DEVICE_SET_IRQS");
  }
  watch(fd: number, onCount: CountListener): void {
    this.#own(fd);
    this.#watches.set(fd, onCount);
  }
  unwatch(fd: number): void {
    if (!this.#watches.delete(fd)) throw new Error(`fd ${fd} is not watched`);
  }
  /** What the event loop would do when the kernel signals `fd` `count` times. */
  signal(fd: number, count: number): void {
    this.#watches.get(fd)?.(count);
  }
}

function words(values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const v = new DataView(bytes.buffer);
  for (const [i, w] of values.entries()) v.setUint32(i * 4, w, true);
  return bytes;
}

function readLe(bytes: Uint8Array, at: number, width: number): bigint {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
  return v;
}

function writeLe(bytes: Uint8Array, at: number, width: number, value: bigint): void {
  for (let i = 0; i < width; i++) bytes[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}
