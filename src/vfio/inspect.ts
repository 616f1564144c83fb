/**
 * What `platpass inspect`, `peek` and `poke` do, as library calls: open the device, do the
 * one thing, close it again (on every path). The results are plain JSON-ready data.
 */
import type { VfioDevice } from "./device.js";
import { locateVfioDevice } from "./locate.js";
import { type OpenOptions, openVfioDevice } from "./open.js";
import { type BitWidth, readRegister, writeRegister } from "./region.js";
import { irqTrigger } from "./types.js";

export interface InspectReport {
  device: string;
  bus: string;
  driver: string | undefined;
  group: number;
  groupPath: string;
  groupDevices: string[];
  cdevPath: string | undefined;
  iommuMode: string;
  flags: { raw: number; platform: boolean; amba: boolean; reset: boolean };
  regions: {
    index: number;
    size: number;
    offset: string;
    readable: boolean;
    writable: boolean;
    mmap: boolean;
    capabilities: string[];
  }[];
  irqs: {
    index: number;
    count: number;
    eventfd: boolean;
    maskable: boolean;
    automasked: boolean;
    trigger: "level" | "edge";
  }[];
}

async function withDevice<T>(
  name: string,
  options: OpenOptions,
  fn: (d: VfioDevice) => T,
): Promise<T> {
  const device = await openVfioDevice(name, options);
  try {
    return fn(device);
  } finally {
    device.close();
  }
}

export async function inspectDevice(
  name: string,
  options: OpenOptions = {},
): Promise<InspectReport> {
  const loc = await locateVfioDevice(name, options.roots);
  return withDevice(name, options, (d) => {
    const info = d.details();
    return {
      device: name,
      bus: loc.bus,
      driver: loc.driver,
      group: loc.group,
      groupPath: loc.groupPath,
      groupDevices: loc.groupDevices,
      cdevPath: loc.cdevPath,
      iommuMode: d.mode,
      flags: {
        raw: info.flags.flags,
        platform: info.platform,
        amba: info.amba,
        reset: info.reset,
      },
      regions: info.regions.map((r) => ({
        index: r.index,
        size: r.size,
        offset: `0x${r.offset.toString(16)}`,
        readable: r.readable,
        writable: r.writable,
        mmap: r.mmap,
        capabilities: r.capabilities.map((c) => c.kind),
      })),
      irqs: info.irqs.map((i) => ({
        index: i.index,
        count: i.count,
        eventfd: i.eventfd,
        maskable: i.maskable,
        automasked: i.automasked,
        trigger: irqTrigger(i),
      })),
    };
  });
}

export interface RegisterAccess {
  device: string;
  region: number;
  offset: number;
  width: BitWidth;
  /** mmap view instead of pread/pwrite. */
  mmap: boolean;
}

export async function peekRegister(a: RegisterAccess, options: OpenOptions = {}): Promise<bigint> {
  return withDevice(a.device, options, (d) => {
    const io = a.mmap ? d.mapRegion(a.region) : d.regionFile(a.region);
    return readRegister(io, a.offset, a.width);
  });
}

export async function pokeRegister(
  a: RegisterAccess,
  value: bigint,
  options: OpenOptions = {},
): Promise<void> {
  await withDevice(a.device, options, (d) => {
    const io = a.mmap ? d.mapRegion(a.region) : d.regionFile(a.region);
    writeRegister(io, a.offset, a.width, value);
  });
}
