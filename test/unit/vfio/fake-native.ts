/**
 * A VfioNative that models one platform device in memory, held to the same contract as the
 * real addon (test/support/addon-contract.mjs, run against both): fds are numbers it hands
 * out and takes back, INFO calls return bytes laid out as the kernel's structures and refuse
 * an index the device lacks, registers are a byte array, SET_IRQS calls are recorded, and
 * eventfds count and deliver on the event loop as the kernel and libuv do (a loopback trigger
 * signals the trigger eventfd; an automasked line then stays quiet until unmasked). Argument
 * checks throw what the addon throws. It tests platpass's logic above the addon, never the
 * kernel.
 */
import { constants } from "node:os";
import type { ByteWidth, CountListener, VfioNative } from "../../../src/vfio/native.js";
import {
  DEVICE_FLAGS,
  GROUP_FLAGS,
  IOCTL,
  IRQ_FLAGS,
  IRQ_SET,
  REGION_FLAGS,
} from "../../../src/vfio/uapi.js";

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

/** vfio-platform's region offsets: the index in the bits above 40. */
const REGION_SHIFT = 2 ** 40;

interface Eventfd {
  counter: number;
  listener?: CountListener;
  scheduled: boolean;
  /** Set when SET_IRQS made this the unmask eventfd of an IRQ: a signal unmasks it. */
  unmasks?: number;
}

interface Line {
  trigger?: number;
  masked: boolean;
}

interface Mapping {
  fd: number;
  region: number;
  start: number;
  size: number;
  writable: boolean;
}

function sysError(op: string, errno: string): Error {
  return Object.assign(new Error(`${op} failed: fake ${errno}`), {
    op,
    errno,
    errnoNumber: constants.errno[errno as keyof typeof constants.errno],
  });
}

function safeInteger(value: number, name: string): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  if (!(value >= 0) || !Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a non-negative safe integer`);
  }
  return value;
}

function u32(value: number, name: string): number {
  if (safeInteger(value, name) > 0xffffffff) throw new RangeError(`${name} must fit in 32 bits`);
  return value;
}

function byteWidth(width: number): ByteWidth {
  u32(width, "width");
  if (width !== 1 && width !== 2 && width !== 4) {
    throw new RangeError("width must be 1, 2 or 4 bytes (use read64/write64 for 8)");
  }
  return width;
}

function aligned(offset: number, width: number): void {
  if (offset % width !== 0) {
    throw new RangeError(
      `offset 0x${offset.toString(16)} is not aligned to the access width of ${width} bytes`,
    );
  }
}

function fits(value: number, width: ByteWidth): number {
  u32(value, "value");
  if (width < 4 && value >= 2 ** (8 * width)) {
    throw new RangeError(`value does not fit in ${width * 8} bits`);
  }
  return value;
}

export class FakeNative implements VfioNative {
  readonly abi = 1;
  readonly kernelHeaders = "fake";
  readonly calls: string[] = [];
  readonly closed: number[] = [];
  readonly setIrqsCalls: SetIrqsCall[] = [];
  readonly registers: Uint8Array[];
  #next = 10;
  #nextMap = 1;
  #open = new Map<number, string>();
  #maps = new Map<number, Mapping>();
  #eventfds = new Map<number, Eventfd>();
  #groupsInContainer = new Set<number>();
  #lines: Line[];
  /** ioctl or syscall name → errno to throw the next time it is called. */
  failures = new Map<string, string>();
  extensions = new Set<number>([3, 1]);

  constructor(readonly device: FakeDevice) {
    this.registers = device.regions.map((r) => new Uint8Array(r.size));
    this.#lines = device.irqFlags.map(() => ({ masked: false }));
  }

  #fail(op: string): void {
    const errno = this.failures.get(op);
    if (errno === undefined) return;
    this.failures.delete(op);
    throw sysError(op, errno);
  }

  #fd(kind: string): number {
    const fd = this.#next++;
    this.#open.set(fd, kind);
    return fd;
  }

  #own(fd: number): number {
    u32(fd, "fd");
    if (!this.#open.has(fd)) {
      throw new Error(`fd ${fd} is not open in this addon (closed already, or never opened by it)`);
    }
    return fd;
  }

  #mapping(mapId: number): Mapping {
    const m = this.#maps.get(u32(mapId, "mapId"));
    if (!m) throw new Error(`mapping ${mapId} is not mapped`);
    return m;
  }

  /** The register bytes behind a device-fd offset, as vfio-platform's pread/pwrite find them. */
  #at(op: string, offset: number): { bytes: Uint8Array; at: number } {
    const region = Math.floor(offset / REGION_SHIFT);
    const bytes = this.registers[region];
    if (!bytes) throw sysError(op, "EINVAL");
    return { bytes, at: offset - region * REGION_SHIFT };
  }

  /** Checked in the addon's order: the offset, the width (and value), then the bounds. */
  #inside(m: Mapping, offset: number, width: number): number {
    if (offset + width > m.size) {
      throw new RangeError(
        `offset 0x${offset.toString(16)} + ${width} is outside the 0x${m.size.toString(16)}-byte mapping`,
      );
    }
    aligned(offset, width);
    return m.start + offset;
  }

  #writable(m: Mapping): void {
    if (!m.writable) throw new Error("mapping is read-only");
  }

  /** Adds to an eventfd's counter; a watcher hears of it on a later turn of the event loop. */
  #signal(fd: number, value: number): void {
    const e = this.#eventfds.get(fd);
    if (!e) return;
    if (e.unmasks !== undefined) {
      const line = this.#lines[e.unmasks];
      setImmediate(() => {
        if (line) line.masked = false;
      });
      return;
    }
    e.counter += value;
    this.#schedule(e);
  }

  #schedule(e: Eventfd): void {
    if (e.scheduled || !e.listener || e.counter === 0) return;
    e.scheduled = true;
    setImmediate(() => {
      e.scheduled = false;
      const count = e.counter;
      e.counter = 0;
      if (count > 0) e.listener?.(count);
    });
  }

  /** What vfio-platform's IRQ handler does when the line fires (a loopback trigger here). */
  #fire(index: number): void {
    const line = this.#lines[index]!;
    const automasked = (this.device.irqFlags[index]! & IRQ_FLAGS.AUTOMASKED) !== 0;
    if (automasked) {
      if (line.masked) return;
      line.masked = true;
    }
    if (line.trigger !== undefined) this.#signal(line.trigger, 1);
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
    for (const [id, m] of this.#maps) if (m.fd === fd) this.#maps.delete(id);
    this.#eventfds.delete(fd);
    this.#groupsInContainer.delete(fd);
    this.#open.delete(fd);
    this.closed.push(fd);
  }
  ownedFds(): number[] {
    return [...this.#open.keys()].sort((a, b) => a - b);
  }
  setInheritable(fd: number, inheritable: boolean): void {
    this.#own(fd);
    if (typeof inheritable !== "boolean") throw new TypeError("inheritable must be a boolean");
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
    return GROUP_FLAGS.VIABLE | (this.#groupsInContainer.has(fd) ? GROUP_FLAGS.CONTAINER_SET : 0);
  }
  groupSetContainer(group: number, container: number): void {
    this.#own(group);
    this.#own(container);
    this.calls.push("VFIO_GROUP_SET_CONTAINER");
    this.#groupsInContainer.add(group);
  }
  groupUnsetContainer(group: number): void {
    this.#own(group);
    this.#groupsInContainer.delete(group);
  }
  groupDeviceFd(group: number, device: string): number {
    this.#own(group);
    this.calls.push(`VFIO_GROUP_GET_DEVICE_FD ${device}`);
    this.#fail("VFIO_GROUP_GET_DEVICE_FD");
    // The kernel looks the name up among the group's devices.
    if (device !== this.device.name) throw sysError("VFIO_GROUP_GET_DEVICE_FD", "ENODEV");
    // vfio-platform sets its IRQs up afresh on each open: unmasked, no trigger.
    this.#lines = this.device.irqFlags.map(() => ({ masked: false }));
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
    const r = this.device.regions[u32(index, "index")];
    if (!r) throw sysError("VFIO_DEVICE_GET_REGION_INFO", "EINVAL");
    const caps = r.caps ?? new Uint8Array();
    const bytes = new Uint8Array(32 + caps.length);
    const v = new DataView(bytes.buffer);
    v.setUint32(0, bytes.length, true);
    v.setUint32(4, r.flags, true);
    v.setUint32(8, index, true);
    v.setUint32(12, caps.length ? 32 : 0, true);
    v.setBigUint64(16, BigInt(r.size), true);
    v.setBigUint64(24, BigInt(index) * BigInt(REGION_SHIFT), true);
    bytes.set(caps, 32);
    return bytes;
  }
  irqInfo(fd: number, index: number): Uint8Array {
    this.#own(fd);
    const flags = this.device.irqFlags[u32(index, "index")];
    if (flags === undefined) throw sysError("VFIO_DEVICE_GET_IRQ_INFO", "EINVAL");
    return words([16, flags, index, 1]);
  }
  reset(fd: number): void {
    this.#own(fd);
    this.#fail("VFIO_DEVICE_RESET");
    // vfio-platform answers EINVAL when it has no reset handler for the device.
    if (!(this.device.flags & DEVICE_FLAGS.RESET)) throw sysError("VFIO_DEVICE_RESET", "EINVAL");
  }
  read(fd: number, offset: number, width: ByteWidth): number {
    this.#own(fd);
    safeInteger(offset, "offset");
    aligned(offset, byteWidth(width));
    this.calls.push(`pread ${offset.toString(16)} ${width}`);
    const { bytes, at } = this.#at("pread", offset);
    return Number(readLe(bytes, at, width));
  }
  read64(fd: number, offset: number): bigint {
    this.#own(fd);
    aligned(safeInteger(offset, "offset"), 8);
    const { bytes, at } = this.#at("pread", offset);
    return readLe(bytes, at, 8);
  }
  write(fd: number, offset: number, width: ByteWidth, value: number): void {
    this.#own(fd);
    safeInteger(offset, "offset");
    fits(value, byteWidth(width));
    aligned(offset, width);
    const { bytes, at } = this.#at("pwrite", offset);
    writeLe(bytes, at, width, BigInt(value));
  }
  write64(fd: number, offset: number, value: bigint): void {
    this.#own(fd);
    aligned(safeInteger(offset, "offset"), 8);
    if (typeof value !== "bigint") throw new TypeError("value must be a bigint");
    const { bytes, at } = this.#at("pwrite", offset);
    writeLe(bytes, at, 8, value);
  }
  map(fd: number, offset: number, size: number, writable: boolean): number {
    this.#own(fd);
    safeInteger(offset, "offset");
    safeInteger(size, "size");
    if (typeof writable !== "boolean") throw new TypeError("writable must be a boolean");
    if (size === 0) throw new RangeError("size must be at least 1");
    // vfio-platform's mmap: an mmappable region, the whole request inside it.
    const region = Math.floor(offset / REGION_SHIFT);
    const start = offset - region * REGION_SHIFT;
    const r = this.device.regions[region];
    if (!r || !(r.flags & REGION_FLAGS.MMAP) || start + size > r.size)
      throw sysError("mmap", "EINVAL");
    this.calls.push("mmap");
    const id = this.#nextMap++;
    this.#maps.set(id, { fd, region, start, size, writable });
    return id;
  }
  unmap(mapId: number): void {
    this.#mapping(mapId);
    this.#maps.delete(mapId);
    this.calls.push("munmap");
  }
  mapRead(mapId: number, offset: number, width: ByteWidth): number {
    const m = this.#mapping(mapId);
    safeInteger(offset, "offset");
    const at = this.#inside(m, offset, byteWidth(width));
    return Number(readLe(this.registers[m.region]!, at, width));
  }
  mapRead64(mapId: number, offset: number): bigint {
    const m = this.#mapping(mapId);
    safeInteger(offset, "offset");
    return readLe(this.registers[m.region]!, this.#inside(m, offset, 8), 8);
  }
  mapWrite(mapId: number, offset: number, width: ByteWidth, value: number): void {
    const m = this.#mapping(mapId);
    safeInteger(offset, "offset");
    fits(value, byteWidth(width));
    const at = this.#inside(m, offset, width);
    this.#writable(m);
    writeLe(this.registers[m.region]!, at, width, BigInt(value));
  }
  mapWrite64(mapId: number, offset: number, value: bigint): void {
    const m = this.#mapping(mapId);
    safeInteger(offset, "offset");
    if (typeof value !== "bigint") throw new TypeError("value must be a bigint");
    const at = this.#inside(m, offset, 8);
    this.#writable(m);
    writeLe(this.registers[m.region]!, at, 8, value);
  }
  eventfd(): number {
    const fd = this.#fd("eventfd");
    this.#eventfds.set(fd, { counter: 0, scheduled: false });
    return fd;
  }
  eventfdSignal(fd: number, value: number): void {
    this.#own(fd);
    this.#signal(fd, safeInteger(value, "value"));
  }
  setIrqs(
    device: number,
    index: number,
    flags: number,
    start: number,
    count: number,
    data?: Int32Array | Uint8Array,
  ): void {
    this.#own(device);
    u32(index, "index");
    u32(flags, "flags");
    u32(start, "start");
    u32(count, "count");
    if (flags & IRQ_SET.DATA_EVENTFD) {
      if (!(data instanceof Int32Array)) {
        throw new TypeError("DATA_EVENTFD needs an Int32Array of eventfds");
      }
      if (data.length !== count) {
        throw new RangeError("one eventfd per IRQ in count is required");
      }
      for (const fd of data) {
        if (fd !== -1 && !this.#open.has(fd)) {
          throw new Error(`eventfd ${fd} is not open in this addon`);
        }
      }
    } else if (flags & IRQ_SET.DATA_BOOL) {
      if (!(data instanceof Uint8Array)) throw new TypeError("DATA_BOOL needs a Uint8Array");
      if (data.length !== count) throw new RangeError("one bool per IRQ in count is required");
    }
    this.setIrqsCalls.push({ index, flags, data: data ? [...data] : [] });
    this.#fail("VFIO_DEVICE_SET_IRQS");
    const line = this.#lines[index];
    if (!line || start + count > 1) throw sysError("VFIO_DEVICE_SET_IRQS", "EINVAL");
    this.#apply(index, line, flags, count, data);
  }
  /** vfio-platform's SET_IRQS actions on the device's one IRQ per index. */
  #apply(
    index: number,
    line: Line,
    flags: number,
    count: number,
    data: Int32Array | Uint8Array | undefined,
  ): void {
    const fd = flags & IRQ_SET.DATA_EVENTFD ? data![0]! : undefined;
    const fires = flags & IRQ_SET.DATA_NONE || (flags & IRQ_SET.DATA_BOOL && data![0]);
    if (flags & IRQ_SET.ACTION_TRIGGER) {
      if (fd !== undefined) line.trigger = fd === -1 ? undefined : fd;
      else if (count === 0) line.trigger = undefined;
      else if (fires) this.#fire(index);
    } else if (flags & IRQ_SET.ACTION_MASK) {
      if (fires) line.masked = true;
    } else if (flags & IRQ_SET.ACTION_UNMASK) {
      if (fd !== undefined) {
        for (const e of this.#eventfds.values()) if (e.unmasks === index) e.unmasks = undefined;
        const e = this.#eventfds.get(fd);
        if (e) e.unmasks = index;
      } else if (fires) line.masked = false;
    }
  }
  watch(fd: number, onCount: CountListener): void {
    this.#own(fd);
    if (typeof onCount !== "function") throw new TypeError("onCount must be a function");
    // Any fd can be polled; only eventfds ever become readable here.
    const e = this.#eventfds.get(fd) ?? { counter: 0, scheduled: false };
    if (e.listener) throw new Error(`fd ${fd} is already watched`);
    e.listener = onCount;
    this.#eventfds.set(fd, e);
    this.#schedule(e);
  }
  unwatch(fd: number): void {
    this.#own(fd);
    const e = this.#eventfds.get(fd);
    if (!e?.listener) throw new Error(`fd ${fd} is not watched`);
    e.listener = undefined;
  }
  /** What the event loop would do when the kernel signals `fd` `count` times. */
  signal(fd: number, count: number): void {
    this.#eventfds.get(fd)?.listener?.(count);
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
