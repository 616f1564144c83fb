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

/**
 * The processes holding the group's node open, read from every /proc/PID/fd. A group
 * without a node has none: a node removed while open reads back as "/dev/vfio/N (deleted)",
 * not as the group, so the scan (a few hundred ms under TCG) is skipped.
 */
export async function groupHolders(sysfs: Sysfs, group: number): Promise<Holder[]> {
  if ((await vfioGroupNode(sysfs, group)) === undefined) return [];
  const nodes = [`/dev/vfio/${group}`, `/dev/vfio/noiommu-${group}`];
  const out: Holder[] = [];
  for (const entry of await sysfs.list("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const fds = await sysfs.list(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      // An open file's link is its absolute path; sockets and pipes ("pipe:[N]") never match.
      const target = await sysfs.target(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
      if (target && nodes.includes(target)) {
        out.push({ pid, command: (await sysfs.read(`/proc/${pid}/comm`).catch(() => "")) ?? "" });
        break;
      }
    }
  }
  return out;
}
