/**
 * A small sysfs/dev tree for the iommufd fd handoff: VFIO cdevs need Linux 6.6+, so plain
 * files stand in for /dev/iommu and the device cdevs. Two devices have a cdev, the PL011 none.
 */
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HandoffFd } from "../../../src/plan/types.js";
import { locateVfioDevice, type VfioLocation } from "../../../src/vfio/locate.js";

export const TPM = "c000000.tpm_tis";
export const VIRTIO = "a000000.virtio_mmio";
export const PL011 = "9000000.pl011";

export interface HandoffTree {
  root: string;
  roots: { sysfs: string; dev: string };
}

async function device(
  roots: HandoffTree["roots"],
  name: string,
  group: number,
  cdev: string | undefined,
): Promise<void> {
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

export async function handoffTree(): Promise<HandoffTree> {
  const root = await mkdtemp(join(tmpdir(), "platpass-handoff-"));
  const roots = { sysfs: join(root, "sys"), dev: join(root, "dev") };
  await mkdir(join(roots.dev, "vfio/devices"), { recursive: true });
  await writeFile(join(roots.dev, "iommu"), "the iommufd\n");
  await device(roots, TPM, 1, "vfio0");
  await device(roots, VIRTIO, 2, "vfio1");
  await device(roots, PL011, 3, undefined);
  return { root, roots };
}

/** The launch locates each device once, after binding; the handoff uses those locations. */
export async function located(
  planned: readonly HandoffFd[],
  roots: HandoffTree["roots"],
): Promise<Map<string, VfioLocation>> {
  const out = new Map<string, VfioLocation>();
  for (const p of planned) {
    if (p.opens === "vfio-device") out.set(p.device, await locateVfioDevice(p.device, roots));
  }
  return out;
}
