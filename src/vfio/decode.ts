/**
 * Decoding of the kernel's INFO structures (as the addon returns them, raw) into plain data.
 * Pure: unit-tested with hand-built bytes; the same code reads the real kernel's answers.
 * Layouts: Linux 6.1 include/uapi/linux/vfio.h, host byte order (little-endian on arm64 and
 * x86_64, the only hosts platpass supports).
 */
import { InputError } from "../errors.js";
import type { VfioIrq, VfioRegion } from "./types.js";
import { DEVICE_FLAGS, INFO_SIZE, IRQ_FLAGS, REGION_CAP, REGION_FLAGS } from "./uapi.js";

export interface VfioDeviceFlags {
  flags: number;
  platform: boolean;
  amba: boolean;
  reset: boolean;
  numRegions: number;
  numIrqs: number;
}

export type RegionCapability =
  | { kind: "sparse-mmap"; areas: { offset: bigint; size: bigint }[] }
  | { kind: "type"; type: number; subtype: number }
  | { kind: "msix-mappable" }
  | { kind: "unknown"; id: number; version: number; bytes: Uint8Array };

export interface VfioRegionInfo extends VfioRegion {
  flags: number;
  capabilities: RegionCapability[];
}

export interface VfioIrqInfo extends VfioIrq {
  flags: number;
}

/** A chain longer than this is corrupt (the kernel emits at most a handful). */
const MAX_CAPS = 64;

function view(bytes: Uint8Array, need: number, what: string): DataView {
  if (bytes.byteLength < need) {
    throw new InputError(
      "VFIO_INFO_TRUNCATED",
      `${what} is ${bytes.byteLength} bytes, expected at least ${need}`,
      {
        hint: "The addon and the kernel disagree on the structure size; rebuild the addon.",
      },
    );
  }
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeDeviceInfo(bytes: Uint8Array): VfioDeviceFlags {
  const v = view(bytes, 16, "vfio_device_info");
  const flags = v.getUint32(4, true);
  return {
    flags,
    platform: (flags & DEVICE_FLAGS.PLATFORM) !== 0,
    amba: (flags & DEVICE_FLAGS.AMBA) !== 0,
    reset: (flags & DEVICE_FLAGS.RESET) !== 0,
    numRegions: v.getUint32(8, true),
    numIrqs: v.getUint32(12, true),
  };
}

function decodeCapability(v: DataView, at: number, end: number): RegionCapability {
  const id = v.getUint16(at, true);
  const version = v.getUint16(at + 2, true);
  const body = at + INFO_SIZE.capHeader;
  if (id === REGION_CAP.SPARSE_MMAP && body + 8 <= end) {
    const count = v.getUint32(body, true);
    const areas: { offset: bigint; size: bigint }[] = [];
    for (let i = 0; i < count && body + 8 + (i + 1) * 16 <= end; i++) {
      const a = body + 8 + i * 16;
      areas.push({ offset: v.getBigUint64(a, true), size: v.getBigUint64(a + 8, true) });
    }
    return { kind: "sparse-mmap", areas };
  }
  if (id === REGION_CAP.TYPE && body + 8 <= end) {
    return { kind: "type", type: v.getUint32(body, true), subtype: v.getUint32(body + 4, true) };
  }
  if (id === REGION_CAP.MSIX_MAPPABLE) return { kind: "msix-mappable" };
  return {
    kind: "unknown",
    id,
    version,
    bytes: new Uint8Array(v.buffer.slice(v.byteOffset + body, v.byteOffset + end)),
  };
}

/** Walks a capability chain: offsets are from the start of the INFO structure. */
function capabilities(v: DataView, first: number): RegionCapability[] {
  const caps: RegionCapability[] = [];
  let at = first;
  while (at !== 0) {
    if (
      caps.length >= MAX_CAPS ||
      at < INFO_SIZE.region ||
      at + INFO_SIZE.capHeader > v.byteLength
    ) {
      throw new InputError(
        "VFIO_BAD_CAPABILITY_CHAIN",
        `capability at offset ${at} lies outside the ${v.byteLength}-byte region info`,
        {
          hint: "The kernel's answer is malformed or truncated; report it with the kernel version.",
        },
      );
    }
    const next = v.getUint32(at + 4, true);
    if (next !== 0 && next <= at) {
      throw new InputError(
        "VFIO_BAD_CAPABILITY_CHAIN",
        `capability at ${at} points back to ${next}`,
        {
          hint: "The kernel's answer is malformed; report it with the kernel version.",
        },
      );
    }
    caps.push(decodeCapability(v, at, next === 0 ? v.byteLength : next));
    at = next;
  }
  return caps;
}

export function decodeRegionInfo(bytes: Uint8Array): VfioRegionInfo {
  const v = view(bytes, INFO_SIZE.region, "vfio_region_info");
  const flags = v.getUint32(4, true);
  const size = v.getBigUint64(16, true);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InputError("VFIO_REGION_TOO_LARGE", `region size ${size} exceeds 2^53`, {
      hint: "platpass handles platform-device regions; this size cannot be one.",
    });
  }
  const capOffset = v.getUint32(12, true);
  return {
    index: v.getUint32(8, true),
    size: Number(size),
    offset: v.getBigUint64(24, true),
    flags,
    readable: (flags & REGION_FLAGS.READ) !== 0,
    writable: (flags & REGION_FLAGS.WRITE) !== 0,
    mmap: (flags & REGION_FLAGS.MMAP) !== 0,
    capabilities: flags & REGION_FLAGS.CAPS && capOffset ? capabilities(v, capOffset) : [],
  };
}

export function decodeIrqInfo(bytes: Uint8Array): VfioIrqInfo {
  const v = view(bytes, INFO_SIZE.irq, "vfio_irq_info");
  const flags = v.getUint32(4, true);
  return {
    index: v.getUint32(8, true),
    count: v.getUint32(12, true),
    flags,
    eventfd: (flags & IRQ_FLAGS.EVENTFD) !== 0,
    maskable: (flags & IRQ_FLAGS.MASKABLE) !== 0,
    automasked: (flags & IRQ_FLAGS.AUTOMASKED) !== 0,
  };
}
