import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detachDevices } from "../../../src/host/bind/detach.js";
import { readEntries } from "../../../src/host/bind/journal.js";
import { lockedDevices } from "../../../src/host/bind/lock.js";
import type { Sysfs } from "../../../src/host/live/sysfs.js";
import { OTHER_LIVE_PID } from "./owners.js";
import { copySysfs, type SysfsCopy } from "./sysfs-copy.js";

describe("detach refuses before changing anything", () => {
  let copy: SysfsCopy;
  let root: string;
  let state: string;
  let sysfs: Sysfs;
  beforeEach(async () => {
    copy = await copySysfs();
    ({ root, state, sysfs } = copy);
  });
  afterEach(() => copy.remove());

  const override = (name: string) =>
    readFile(join(root, `sys/devices/platform/${name}/driver_override`), "utf8");

  it("rejects a group with a bound sibling, naming it and its driver", async () => {
    await expect(detachDevices(["a000000.virtio_mmio"], { sysfs, state })).rejects.toMatchObject({
      code: "HOST_GROUP_NOT_VIABLE",
      message:
        "IOMMU group 1 is not viable: a000200.virtio_mmio (bound to virtio-mmio) is bound to a host driver",
      hint: expect.stringContaining("platpass detach a000000.virtio_mmio a000200.virtio_mmio"),
    });
    expect(await override("a000000.virtio_mmio")).toBe("(null)\n");
    expect(readEntries(state)).toEqual([]);
  });

  it("rejects a device outside any IOMMU group", async () => {
    await expect(detachDevices(["9000000.pl011"], { sysfs, state })).rejects.toMatchObject({
      code: "HOST_NO_IOMMU_GROUP",
      errorClass: "host",
    });
    expect(await override("9000000.pl011")).toBe("(null)\n");
    expect(readEntries(state)).toEqual([]);
  });

  it("rejects an unknown device and points at platpass list", async () => {
    await expect(detachDevices(["nope.dev"], { sysfs, state })).rejects.toMatchObject({
      code: "HOST_NO_DEVICE",
      hint: expect.stringContaining("platpass list"),
    });
  });

  it("rejects a group another process holds open, naming the process", async () => {
    const { symlink, mkdir } = await import("node:fs/promises");
    await mkdir(join(root, "proc/4343/fd"), { recursive: true });
    await symlink("/dev/vfio/0", join(root, "proc/4343/fd/9"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(root, "proc/4343/comm"), "qemu-system-aar\n");
    // The group's node exists while it is open: another member is bound to vfio.
    await writeFile(join(root, "dev/vfio/0"), "");
    await expect(detachDevices(["c000000.tpm_tis"], { sysfs, state })).rejects.toMatchObject({
      code: "HOST_GROUP_BUSY",
      message: "IOMMU group 0 of c000000.tpm_tis is in use by pid 4343 (qemu-system-aar)",
    });
    expect(await override("c000000.tpm_tis")).toBe("(null)\n");
  });

  it("rejects a device another live platpass process has locked", async () => {
    const { writeFileSync, mkdirSync } = await import("node:fs");
    mkdirSync(join(state, "locks"), { recursive: true });
    writeFileSync(
      join(state, "locks", "c000000.tpm_tis.lock"),
      JSON.stringify({ pid: OTHER_LIVE_PID, start: undefined, purpose: "launch" }),
    );
    await expect(detachDevices(["c000000.tpm_tis"], { sysfs, state })).rejects.toMatchObject({
      code: "HOST_DEVICE_LOCKED",
      message: `c000000.tpm_tis is claimed by another platpass process (pid ${OTHER_LIVE_PID}, launch)`,
    });
  });

  it("releases every lock it took when it refuses", async () => {
    // Both devices are locked before either is inspected; the virtio group is not viable.
    await expect(
      detachDevices(["a000000.virtio_mmio", "c000000.tpm_tis"], { sysfs, state }),
    ).rejects.toMatchObject({ code: "HOST_GROUP_NOT_VIABLE" });
    expect(lockedDevices(state)).toEqual([]);
    expect(await override("c000000.tpm_tis")).toBe("(null)\n");
    expect(readEntries(state)).toEqual([]);
  });
});
