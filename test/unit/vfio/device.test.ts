import { describe, expect, it } from "vitest";
import { openVfioDevice } from "../../../src/vfio/open.js";
import { readRegister, writeRegister } from "../../../src/vfio/region.js";
import { IRQ_SET } from "../../../src/vfio/uapi.js";
import { FakeNative } from "./fake-native.js";
import { sysfsTree } from "./sysfs-tree.js";

async function openFake(irqFlags = [0b0111]) {
  const native = new FakeNative({
    name: "c000000.tpm_tis",
    flags: 0b0100,
    regions: [
      { size: 0x5000, flags: 0b0111 },
      { size: 0x200, flags: 0b0011 },
    ],
    irqFlags,
  });
  const roots = sysfsTree([{ name: "c000000.tpm_tis", driver: "vfio-platform", group: 0 }]);
  const device = await openVfioDevice("c000000.tpm_tis", { native, roots });
  return { native, device };
}

describe("VfioDevice.details", () => {
  it("decodes every region and IRQ the device reports", async () => {
    const { device } = await openFake();
    const d = device.details();
    expect(d.platform).toBe(true);
    expect(d.regions.map((r) => [r.index, r.size, r.offset, r.mmap])).toEqual([
      [0, 0x5000, 0n, true],
      [1, 0x200, 1n << 40n, false],
    ]);
    expect(d.irqs[0]).toMatchObject({ automasked: true, maskable: true, eventfd: true });
    device.close();
  });
});

describe("register access", () => {
  it("reads through pread at region offset + register offset", async () => {
    const { native, device } = await openFake();
    native.registers[1]!.set([0x76, 0x69, 0x72, 0x74], 0);
    expect(device.regionFile(1).read(0)).toBe(0x74726976);
    expect(native.calls.at(-1)).toBe("pread 10000000000 4");
    device.close();
  });

  it("writes and reads back every width through the mmap view", async () => {
    const { device } = await openFake();
    const view = device.mapRegion(0);
    writeRegister(view, 0xf00, 32, 0x00011014n);
    writeRegister(view, 0x8, 64, 0x1122334455667788n);
    expect(readRegister(view, 0xf00, 32)).toBe(0x00011014n);
    expect(readRegister(view, 0xf00, 16)).toBe(0x1014n);
    expect(readRegister(view, 0xf02, 8)).toBe(0x01n);
    expect(readRegister(view, 0x8, 64)).toBe(0x1122334455667788n);
    device.close();
  });

  it("refuses an access past the end of the region", async () => {
    const { device } = await openFake();
    expect(() => device.regionFile(1).read(0x200)).toThrow(/outside region 1 of 0x200 bytes/);
    device.close();
  });

  it("refuses a misaligned access", async () => {
    const { device } = await openFake();
    expect(() => device.regionFile(0).read(0x2, 32)).toThrow(/not aligned to 32 bits/);
    device.close();
  });

  it("refuses a value wider than the access", async () => {
    const { device } = await openFake();
    expect(() => writeRegister(device.regionFile(0), 0, 8, 0x100n)).toThrow(
      /does not fit in 8 bits/,
    );
    device.close();
  });

  it("refuses an mmap view of a region without the MMAP flag", async () => {
    const { device } = await openFake();
    expect(() => device.mapRegion(1)).toThrow(/does not allow mmap/);
    device.close();
  });

  it("refuses a region index the device does not have", async () => {
    const { device } = await openFake();
    expect(() => device.regionFile(2)).toThrow(/has no region 2/);
    device.close();
  });
});

describe("IRQ lines", () => {
  it("hands the kernel an eventfd as trigger and counts what the event loop delivers", async () => {
    const { native, device } = await openFake();
    const line = device.irq(0);
    line.enable();
    const fd = line.triggerFd!;
    expect(native.setIrqsCalls[0]).toEqual({
      index: 0,
      flags: IRQ_SET.ACTION_TRIGGER | IRQ_SET.DATA_EVENTFD,
      data: [fd],
    });
    const waited = line.waitForCount(3, 1000);
    native.signal(fd, 1);
    native.signal(fd, 2);
    await expect(waited).resolves.toBe(3);
    expect(line.deliveries).toEqual([1, 2]);
    device.close();
  });

  it("names loopback, mask, unmask and resample-unmask with their SET_IRQS flags", async () => {
    const { native, device } = await openFake();
    const line = device.irq(0);
    line.loopback();
    line.mask();
    line.unmask();
    line.unmaskOnEventfd();
    expect(native.setIrqsCalls.map((c) => c.flags)).toEqual([
      IRQ_SET.ACTION_TRIGGER | IRQ_SET.DATA_NONE,
      IRQ_SET.ACTION_MASK | IRQ_SET.DATA_NONE,
      IRQ_SET.ACTION_UNMASK | IRQ_SET.DATA_NONE,
      IRQ_SET.ACTION_UNMASK | IRQ_SET.DATA_EVENTFD,
    ]);
    device.close();
  });

  it("rejects a wait that the device never satisfies, saying what was counted", async () => {
    const { device } = await openFake();
    const line = device.irq(0);
    line.enable();
    await expect(line.waitForCount(1, 20)).rejects.toMatchObject({
      code: "VFIO_IRQ_TIMEOUT",
      message: expect.stringContaining("count 0 after 20 ms"),
    });
    device.close();
  });
});

describe("VfioDevice.close", () => {
  it("releases every fd and mapping exactly once, kernel-side IRQ state first", async () => {
    const { native, device } = await openFake();
    device.mapRegion(0);
    const line = device.irq(0);
    line.enable();
    line.unmaskOnEventfd();
    device.close();
    device.close();
    expect(native.ownedFds()).toEqual([]);
    expect(new Set(native.closed).size).toBe(native.closed.length);
    expect(native.calls.slice(-6)).toEqual([
      "munmap",
      "close eventfd",
      "close eventfd",
      "close device c000000.tpm_tis",
      expect.stringMatching(/^close .*\/vfio\/0$/),
      "close /dev/vfio/vfio",
    ]);
    expect(native.setIrqsCalls.slice(-2).map((c) => c.data)).toEqual([[-1], [-1]]);
  });
});
