import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findQemu } from "../../../src/qemu/binary.js";
import { probeQemu, requireVfioPlatform } from "../../../src/qemu/probe.js";

const cacheDir = await mkdtemp(join(tmpdir(), "platpass-probe-test-"));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

describe("probeQemu on Debian 12's QEMU 7.2", () => {
  it("reads the version and vfio-platform's properties over QMP", async () => {
    const { probe, cached } = await probeQemu(await findQemu(), { cacheDir });
    expect(cached).toBe(false);
    expect([probe.version.major, probe.version.minor]).toEqual([7, 2]);
    expect(probe.version.package).toMatch(/^Debian /);
    expect(probe.devices["vfio-platform"].properties).toEqual(
      expect.arrayContaining(["host", "sysfsdev", "x-no-mmap", "mmap-timeout-ms", "x-irqfd"]),
    );
    expect(probe.vfioPlatform).toEqual({ present: true, fd: false, iommufd: false, irqfd: true });
    expect(probe.devices["vfio-calxeda-xgmac"].present).toBe(true);
    expect(probe.devices["vfio-amd-xgbe"].present).toBe(true);
    expect(probe.devices["tpm-tis-device"].properties).toContain("tpmdev");
    expect(() => requireVfioPlatform(probe)).not.toThrow();
  });

  it("answers the second time from its cache, keyed by path and mtime", async () => {
    const bin = await findQemu();
    const again = await probeQemu(bin, { cacheDir });
    expect(again.cached).toBe(true);
    expect(await readdir(cacheDir)).toHaveLength(1);
    const touched = await probeQemu({ ...bin, mtimeMs: bin.mtimeMs + 1 }, { cacheDir });
    expect(touched.cached).toBe(false);
    expect(await readdir(cacheDir)).toHaveLength(2);
  });
});
