/**
 * Who has an IOMMU group open: the processes with /dev/vfio/N among their open files.
 * Unbinding a device from vfio while its group is open blocks until it is closed, so
 * platpass asks first and names the holders instead of hanging.
 */
import type { Sysfs } from "./sysfs.js";

export interface Holder {
  pid: number;
  command: string;
}

/** The group's character device: /dev/vfio/N, or /dev/vfio/noiommu-N without an IOMMU. */
export async function vfioGroupNode(sysfs: Sysfs, group: number): Promise<string | undefined> {
  for (const p of [`/dev/vfio/${group}`, `/dev/vfio/noiommu-${group}`]) {
    if (await sysfs.exists(p)) return p;
  }
  return undefined;
}

export async function groupHolders(sysfs: Sysfs, group: number): Promise<Holder[]> {
  const nodes = [`/dev/vfio/${group}`, `/dev/vfio/noiommu-${group}`];
  const out: Holder[] = [];
  for (const entry of await sysfs.list("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const fds = await sysfs.list(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await sysfs.link(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      if (target && nodes.includes(target)) {
        out.push({ pid, command: (await sysfs.read(`/proc/${pid}/comm`).catch(() => "")) ?? "" });
        break;
      }
    }
  }
  return out;
}
