/**
 * Whom QEMU runs as (qemu.user): looked up on the host before anything is touched, so a
 * missing user fails the launch with nothing to undo. The user gets its primary group,
 * group kvm (for /dev/kvm) and nothing else, and an RLIMIT_MEMLOCK large enough for VFIO to
 * pin the guest's RAM: on the legacy path QEMU maps all guest RAM into the container when
 * the device is realized, and type1 counts every pinned page against the limit unless the
 * process has CAP_IPC_LOCK (root has; the user has not).
 */
import { dirname } from "node:path";
import { execa } from "execa";
import { HostError } from "../errors.js";
import type { QemuCredentials } from "../qemu/launcher.js";

const MiB = 1024 * 1024;

/**
 * Guest RAM plus 1 GiB, libvirt's rule for VFIO guests (qemuDomainGetMemLockLimitBytes): all
 * of the RAM is pinned, and the margin covers what else QEMU maps for DMA (ROMs, flash, a
 * device's own regions when they are not PFNMAP) and the few pages QEMU or glibc lock
 * themselves. The limit only caps; nothing is locked up front.
 */
export function memlockBytes(memoryMiB: number): number {
  return (memoryMiB + 1024) * MiB;
}

/** One line of getent's passwd or group output, split. */
export function passwdFields(line: string): { name: string; id: number; gid: number } | undefined {
  const [name, , id, gid] = line.trim().split(":");
  if (!name || !/^\d+$/.test(id ?? "") || !/^\d+$/.test(gid ?? "")) return undefined;
  return { name, id: Number(id), gid: Number(gid) };
}

export function groupId(line: string): number | undefined {
  const [name, , gid] = line.trim().split(":");
  return name && /^\d+$/.test(gid ?? "") ? Number(gid) : undefined;
}

/** `getent DATABASE KEY`'s line, undefined when there is none (exit 2). */
export type Lookup = (database: "passwd" | "group", key: string) => Promise<string | undefined>;

const getent: Lookup = async (database, key) => {
  const r = await execa("getent", [database, key], { reject: false });
  return r.exitCode === 0 ? r.stdout.split("\n")[0] : undefined;
};

const PROVISION = "platpass provision --for launch";

function missing(what: string, where: string, hint: string): HostError {
  return new HostError("HOST_QEMU_USER_MISSING", what, { where, hint });
}

/** qemu.user's credentials, or "root" (QEMU as platpass's own user, today's behaviour). */
export async function resolveQemuUser(
  name: string,
  memoryMiB: number,
  lookup: Lookup = getent,
): Promise<QemuCredentials | "root"> {
  if (name === "root") return "root";
  const user = passwdFields((await lookup("passwd", name)) ?? "");
  const fix = (extra: string) =>
    `Run '${PROVISION}' (it creates the system user platpass-qemu in group kvm)${extra}, or set qemu.user to "root" to run QEMU as root.`;
  if (!user) {
    throw missing(
      `the user ${name} that QEMU is to run as (qemu.user) does not exist`,
      "/etc/passwd",
      fix(
        name === "platpass-qemu"
          ? ""
          : `; for another name: useradd --system --no-create-home --shell /usr/sbin/nologin --groups kvm ${name}`,
      ),
    );
  }
  if (user.id === 0) return "root";
  const kvm = groupId((await lookup("group", "kvm")) ?? "");
  if (kvm === undefined) {
    throw missing(
      `this host has no group kvm, which gives QEMU's user ${name} /dev/kvm`,
      "/etc/group",
      fix(""),
    );
  }
  return {
    name,
    uid: user.id,
    gid: user.gid,
    groups: [kvm],
    memlockBytes: memlockBytes(memoryMiB),
  };
}

/** The launch's warning when QEMU keeps root. */
export const ROOT_QEMU_WARNING =
  'QEMU runs as root (qemu.user "root"): it can open every /dev/vfio group, write sysfs and ignore RLIMIT_MEMLOCK; leave qemu.user at its default to run it as platpass-qemu';

/** The mode, owner and group of /dev/kvm that matter to whether the user may open it. */
export interface NodeAccess {
  mode: number;
  uid: number;
  gid: number;
}

/** Whether `user` has all of `bits` (0o6 read-write, 0o1 search) on a file (no ACLs). */
export function userMay(node: NodeAccess, user: QemuCredentials, bits: number): boolean {
  const has = (shift: number) => ((node.mode >> shift) & bits) === bits;
  if (node.uid === user.uid) return has(6);
  if ([user.gid, ...user.groups].includes(node.gid)) return has(3);
  return has(0);
}

/**
 * HOST_QEMU_USER_NO_PATH when `user` cannot reach `dir` (each ancestor needs search
 * permission): QEMU's QMP socket and the guest DTB go into directories made there.
 */
export async function assertReachable(
  dir: string,
  user: QemuCredentials,
  statOf: (path: string) => Promise<NodeAccess>,
): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    const st = await statOf(d);
    if (!userMay(st, user, 0o1)) {
      throw new HostError(
        "HOST_QEMU_USER_NO_PATH",
        `QEMU's user ${user.name} cannot reach ${dir}: ${d} is mode 0${(st.mode & 0o777).toString(8)} (uid ${st.uid}, gid ${st.gid})`,
        {
          where: d,
          hint: "platpass makes QEMU's directories (QMP socket, guest DTB) in $TMPDIR: point TMPDIR at a directory whose parents others may search (e.g. /tmp).",
        },
      );
    }
    if (dirname(d) === d) return;
  }
}

/** HOST_KVM_DENIED when QEMU's user could not open /dev/kvm (QEMU would fail with EACCES). */
export function assertKvmAccess(node: NodeAccess, user: QemuCredentials, path = "/dev/kvm"): void {
  if (userMay(node, user, 0o6)) return;
  const mode = `0${(node.mode & 0o777).toString(8)}`;
  throw new HostError(
    "HOST_KVM_DENIED",
    `QEMU's user ${user.name} could not open ${path} (mode ${mode}, uid ${node.uid}, gid ${node.gid}; the user has gids ${[user.gid, ...user.groups].join(", ")})`,
    {
      where: path,
      hint: `Debian's udev rule gives /dev/kvm to group kvm with mode 0660; without udev: chgrp kvm ${path} && chmod 0660 ${path}.`,
    },
  );
}
