// The host build of the real addon, on what this x86 machine has without VFIO: a regular
// file stands in for a device fd (pread/pwrite/mmap behave the same on it) and eventfds are
// the kernel's own. The VFIO ioctls themselves are exercised in test/bed/vfio.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { vfioNative } from "../../../src/vfio/load.js";

function scratchFile(): string {
  const path = join(mkdtempSync(join(tmpdir(), "platpass-addon-")), "regs");
  const bytes = new Uint8Array(8192);
  bytes.set([0x14, 0x10, 0x01, 0x00], 0xf00);
  writeFileSync(path, bytes);
  return path;
}

describe("the host addon", () => {
  it("reads and writes every width through pread/pwrite and through a mapping", () => {
    const native = vfioNative();
    const path = scratchFile();
    const fd = native.openPath(path);
    const map = native.map(fd, 0, 8192, true);
    const seen = {
      pread32: native.read(fd, 0xf00, 4),
      pread16: native.read(fd, 0xf02, 2),
      map32: native.mapRead(map, 0xf00, 4),
      map8: native.mapRead(map, 0xf00, 1),
    };
    native.mapWrite64(map, 8, 0x1122334455667788n);
    native.write(fd, 16, 2, 0xbeef);
    const back = { pread64: native.read64(fd, 8), map16: native.mapRead(map, 16, 2) };
    native.closeFd(fd);
    expect(seen).toEqual({ pread32: 0x00011014, pread16: 0x0001, map32: 0x00011014, map8: 0x14 });
    expect(back).toEqual({ pread64: 0x1122334455667788n, map16: 0xbeef });
    expect(readFileSync(path).readUint16LE(16)).toBe(0xbeef);
  });

  it("unmaps a mapping when its fd is closed", () => {
    const native = vfioNative();
    const fd = native.openPath(scratchFile());
    const map = native.map(fd, 0, 4096, false);
    native.closeFd(fd);
    expect(() => native.mapRead(map, 0, 4)).toThrow(/mapping \d+ is not mapped/);
  });

  it("refuses accesses outside a mapping or misaligned", () => {
    const native = vfioNative();
    const fd = native.openPath(scratchFile());
    const map = native.map(fd, 0, 4096, false);
    const outside = () => native.mapRead(map, 4094, 4);
    const misaligned = () => native.mapRead(map, 2, 4);
    const readOnly = () => native.mapWrite(map, 0, 4, 1);
    expect(outside).toThrow(/outside the 0x1000-byte mapping/);
    expect(misaligned).toThrow(/not aligned to the access width of 4 bytes/);
    expect(readOnly).toThrow(/read-only/);
    native.closeFd(fd);
  });

  it("closes an fd once and refuses the second close", () => {
    const native = vfioNative();
    const fd = native.eventfd();
    native.closeFd(fd);
    expect(() => native.closeFd(fd)).toThrow(/is not open in this addon/);
    expect(native.ownedFds()).not.toContain(fd);
  });

  it("delivers eventfd counts through the event loop", async () => {
    const native = vfioNative();
    const fd = native.eventfd();
    const deliveries: number[] = [];
    const done = new Promise<void>((resolve) => {
      native.watch(fd, (count) => {
        deliveries.push(count);
        if (deliveries.reduce((a, b) => a + b, 0) === 3) resolve();
      });
    });
    native.eventfdSignal(fd, 2);
    native.eventfdSignal(fd, 1);
    await done;
    native.unwatch(fd);
    native.closeFd(fd);
    expect(deliveries.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it("reports a failed open with the syscall, errno name and path", () => {
    const native = vfioNative();
    expect(() => native.openPath("/nonexistent/vfio/7")).toThrow(
      expect.objectContaining({
        op: "open",
        errno: "ENOENT",
        message: expect.stringContaining("/nonexistent/vfio/7"),
      }),
    );
  });
});
