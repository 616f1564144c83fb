import { describe, expect, it } from "vitest";
import { decodeDeviceInfo, decodeIrqInfo, decodeRegionInfo } from "../../../src/vfio/decode.js";

/** Little-endian bytes from [value, size in bytes] pairs. */
function le(...words: [number | bigint, 2 | 4 | 8][]): Uint8Array {
  const size = words.reduce((n, [, b]) => n + b, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  let at = 0;
  for (const [value, bytes] of words) {
    if (bytes === 2) v.setUint16(at, Number(value), true);
    else if (bytes === 4) v.setUint32(at, Number(value), true);
    else v.setBigUint64(at, BigInt(value), true);
    at += bytes;
  }
  return out;
}

describe("decodeDeviceInfo", () => {
  it("reads a platform device with reset support", () => {
    const bytes = le(
      [20, 4], // 0x00 argsz
      [0b0101, 4], // 0x04 flags: RESET | PLATFORM
      [1, 4], // 0x08 num_regions
      [1, 4], // 0x0c num_irqs
      [0, 4], // 0x10 cap_offset
    );
    expect(decodeDeviceInfo(bytes)).toEqual({
      flags: 5,
      platform: true,
      amba: false,
      reset: true,
      numRegions: 1,
      numIrqs: 1,
    });
  });

  it("rejects a structure shorter than the fixed part", () => {
    expect(() => decodeDeviceInfo(new Uint8Array(8))).toThrow(/vfio_device_info is 8 bytes/);
  });
});

describe("decodeRegionInfo", () => {
  it("reads an mmap-able region at index << 40 with no capabilities", () => {
    const bytes = le(
      [32, 4], // 0x00 argsz
      [0b0111, 4], // 0x04 flags: READ | WRITE | MMAP
      [1, 4], // 0x08 index
      [0, 4], // 0x0c cap_offset
      [0x5000n, 8], // 0x10 size
      [1n << 40n, 8], // 0x18 offset
    );
    expect(decodeRegionInfo(bytes)).toEqual({
      index: 1,
      size: 0x5000,
      offset: 1n << 40n,
      flags: 7,
      readable: true,
      writable: true,
      mmap: true,
      capabilities: [],
    });
  });

  it("walks a capability chain: sparse mmap, then type", () => {
    const bytes = le(
      [88, 4], // 0x00 argsz
      [0b1011, 4], // 0x04 flags: READ | WRITE | CAPS
      [0, 4], // 0x08 index
      [32, 4], // 0x0c cap_offset → 0x20
      [0x10000n, 8], // 0x10 size
      [0n, 8], // 0x18 offset
      [1, 2], // 0x20 cap id SPARSE_MMAP
      [1, 2], // 0x22 version
      [72, 4], // 0x24 next → 0x48
      [1, 4], // 0x28 nr_areas
      [0, 4], // 0x2c reserved
      [0x1000n, 8], // 0x30 area offset
      [0x2000n, 8], // 0x38 area size
      [0n, 8], // 0x40 padding before the next cap
      [2, 2], // 0x48 cap id TYPE
      [1, 2], // 0x4a version
      [0, 4], // 0x4c next: end
      [3, 4], // 0x50 type
      [7, 4], // 0x54 subtype
    );
    expect(decodeRegionInfo(bytes).capabilities).toEqual([
      { kind: "sparse-mmap", areas: [{ offset: 0x1000n, size: 0x2000n }] },
      { kind: "type", type: 3, subtype: 7 },
    ]);
  });

  it("keeps an unknown capability's bytes", () => {
    const bytes = le(
      [44, 4], // 0x00 argsz
      [0b1001, 4], // 0x04 flags: READ | CAPS
      [0, 4], // 0x08 index
      [32, 4], // 0x0c cap_offset
      [0x100n, 8], // 0x10 size
      [0n, 8], // 0x18 offset
      [99, 2], // 0x20 cap id (unknown)
      [2, 2], // 0x22 version
      [0, 4], // 0x24 next: end
      [0xabcd, 4], // 0x28 body
    );
    expect(decodeRegionInfo(bytes).capabilities).toEqual([
      { kind: "unknown", id: 99, version: 2, bytes: new Uint8Array([0xcd, 0xab, 0, 0]) },
    ]);
  });

  it("rejects a chain that points backwards", () => {
    const bytes = le(
      [40, 4], // 0x00 argsz
      [0b1001, 4], // 0x04 flags: READ | CAPS
      [0, 4], // 0x08 index
      [32, 4], // 0x0c cap_offset
      [0x100n, 8], // 0x10 size
      [0n, 8], // 0x18 offset
      [3, 2], // 0x20 cap id MSIX_MAPPABLE
      [1, 2], // 0x22 version
      [32, 4], // 0x24 next → itself
    );
    expect(() => decodeRegionInfo(bytes)).toThrow(/points back/);
  });

  it("rejects a capability offset past the end", () => {
    const bytes = le(
      [32, 4], // 0x00 argsz
      [0b1001, 4], // 0x04 flags: READ | CAPS
      [0, 4], // 0x08 index
      [64, 4], // 0x0c cap_offset beyond the 32 bytes given
      [0x100n, 8], // 0x10 size
      [0n, 8], // 0x18 offset
    );
    expect(() => decodeRegionInfo(bytes)).toThrow(/outside the 32-byte region info/);
  });
});

describe("decodeIrqInfo", () => {
  it("reads a level IRQ as eventfd, maskable and automasked", () => {
    const bytes = le(
      [16, 4], // 0x00 argsz
      [0b0111, 4], // 0x04 flags: EVENTFD | MASKABLE | AUTOMASKED
      [0, 4], // 0x08 index
      [1, 4], // 0x0c count
    );
    expect(decodeIrqInfo(bytes)).toEqual({
      index: 0,
      count: 1,
      flags: 7,
      eventfd: true,
      maskable: true,
      automasked: true,
    });
  });

  it("reads an edge IRQ as eventfd only", () => {
    const bytes = le(
      [16, 4], // 0x00 argsz
      [0b0001, 4], // 0x04 flags: EVENTFD
      [0, 4], // 0x08 index
      [1, 4], // 0x0c count
    );
    expect(decodeIrqInfo(bytes)).toMatchObject({
      eventfd: true,
      maskable: false,
      automasked: false,
    });
  });
});
