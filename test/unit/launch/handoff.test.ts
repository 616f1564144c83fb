/**
 * The iommufd path's fd handoff, end to end through the launcher's real spawn (setpriv
 * included): the files platpass opens arrive in the child at exactly the numbers the plan's
 * argv names. The child is a script that reports its fds; VFIO cdevs need Linux 6.6+, so the
 * device tree here is a small sysfs/dev tree with plain files standing in for the nodes.
 */
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openHandoff } from "../../../src/launch/handoff.js";
import { handoffFds } from "../../../src/plan/qemu-args.js";
import type { HandoffFd } from "../../../src/plan/types.js";
import { startQemu } from "../../../src/qemu/launcher.js";
import { locateVfioDevice, type VfioLocation } from "../../../src/vfio/locate.js";

const TPM = "c000000.tpm_tis";
const VIRTIO = "a000000.virtio_mmio";
let root: string;
let roots: { sysfs: string; dev: string };

async function device(name: string, group: number, cdev: string | undefined): Promise<void> {
  const dir = join(roots.sysfs, "bus/platform/devices", name);
  await mkdir(dir, { recursive: true });
  await mkdir(join(roots.sysfs, "bus/platform/drivers/vfio-platform"), { recursive: true });
  await mkdir(join(roots.sysfs, "kernel/iommu_groups", String(group), "devices"), {
    recursive: true,
  });
  await symlink(join(roots.sysfs, "bus/platform/drivers/vfio-platform"), join(dir, "driver"));
  await symlink(join(roots.sysfs, "kernel/iommu_groups", String(group)), join(dir, "iommu_group"));
  if (cdev) {
    await mkdir(join(dir, "vfio-dev", cdev), { recursive: true });
    await writeFile(join(roots.dev, "vfio/devices", cdev), `cdev of ${name}\n`);
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "platpass-handoff-"));
  roots = { sysfs: join(root, "sys"), dev: join(root, "dev") };
  await mkdir(join(roots.dev, "vfio/devices"), { recursive: true });
  await writeFile(join(roots.dev, "iommu"), "the iommufd\n");
  await device(TPM, 1, "vfio0");
  await device(VIRTIO, 2, "vfio1");
  await device("9000000.pl011", 3, undefined);
  // Stands in for QEMU: prints what it holds at fds 3-5, ignoring the QMP/trace arguments.
  await writeFile(
    join(root, "child.sh"),
    '#!/bin/sh\nfor n in 3 4 5; do echo "fd$n=$(cat <&$n)"; done >&2\n',
    { mode: 0o755 },
  );
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** The launch locates each device once, after binding; the handoff uses those locations. */
async function located(planned: readonly HandoffFd[]): Promise<Map<string, VfioLocation>> {
  const out = new Map<string, VfioLocation>();
  for (const p of planned) {
    if (p.opens === "vfio-device") out.set(p.device, await locateVfioDevice(p.device, roots));
  }
  return out;
}

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("the iommufd fd handoff", () => {
  it("gives the child /dev/iommu at fd 3 and each device's cdev after it, in planned order", async () => {
    const planned = handoffFds(
      [
        { qemuDevice: "vfio-platform", host: TPM, id: "platpass0", fd: 4 },
        { qemuDevice: "vfio-platform", host: VIRTIO, id: "platpass1", fd: 5 },
      ],
      "iommufd",
    );
    const handoff = openHandoff(planned, await located(planned), roots.dev);
    expect(handoff.files).toEqual([
      { fd: 3, path: join(roots.dev, "iommu") },
      { fd: 4, path: join(roots.dev, "vfio/devices/vfio0") },
      { fd: 5, path: join(roots.dev, "vfio/devices/vfio1") },
    ]);
    const child = startQemu({
      binary: join(root, "child.sh"),
      argv: [],
      qmpSocket: join(root, "qmp.sock"),
      passFds: handoff.fds,
    });
    handoff.close();
    expect(handoff.fds).toEqual([]);
    await child.exited;
    expect(child.messages).toEqual([
      "fd3=the iommufd",
      `fd4=cdev of ${TPM}`,
      `fd5=cdev of ${VIRTIO}`,
    ]);
  });

  it("refuses a device without a VFIO cdev, naming the legacy path, and leaves nothing open", async () => {
    const planned = handoffFds(
      [
        { qemuDevice: "vfio-platform", host: TPM, id: "platpass0", fd: 4 },
        { qemuDevice: "vfio-platform", host: "9000000.pl011", id: "platpass1", fd: 5 },
      ],
      "iommufd",
    );
    const openFiles = async () => (await readdir("/proc/self/fd")).length;
    const before = await openFiles();
    const locations = await located(planned);
    const error = catching(() => openHandoff(planned, locations, roots.dev));
    expect(await openFiles()).toBe(before);
    expect(error).toMatchObject({
      code: "HOST_NO_VFIO_CDEV",
      message: "9000000.pl011 is bound to vfio-platform but has no VFIO device cdev",
    });
    expect((error as { hint: string }).hint).toMatch(/qemu\.vfioBackend to "legacy"/);
  });
});
