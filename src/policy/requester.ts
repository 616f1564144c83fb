/**
 * Who asks platpass to assign a device, for the policy's users and groups. Run through sudo
 * (root, with SUDO_UID set), it is the user who ran sudo: uid SUDO_UID, name SUDO_USER, and
 * the groups initgroups(3) would give them from the files: the primary group (SUDO_GID,
 * else /etc/passwd's) and every /etc/group entry that lists the name. Otherwise it is the
 * process's own uid and groups. Only root's environment is believed: anyone can set SUDO_UID
 * for a process of their own, and without root it cannot bind anything anyway.
 *
 * Pure: the caller reads the environment, the ids and the two files.
 */
import type { Requester, RequesterGroup } from "./rules.js";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function fields(text: string, count: number): string[][] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"))
    .filter((f) => f.length >= count);
}

const id = (text: string | undefined): number | undefined =>
  text !== undefined && /^[0-9]{1,10}$/.test(text) ? Number(text) : undefined;

/** name:password:uid:gid:gecos:home:shell; lines that are not such an entry are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  return fields(text, 4).flatMap(([name, , uid, gid]) => {
    const u = id(uid);
    const g = id(gid);
    return name && u !== undefined && g !== undefined ? [{ name, uid: u, gid: g }] : [];
  });
}

/** name:password:gid:member,member */
export function parseGroup(text: string): GroupEntry[] {
  return fields(text, 4).flatMap(([name, , gid, members]) => {
    const g = id(gid);
    const listed = (members ?? "").split(",").filter((m) => m !== "");
    return name && g !== undefined ? [{ name, gid: g, members: listed }] : [];
  });
}

export interface Credentials {
  env: Readonly<Record<string, string | undefined>>;
  uid: number;
  gid: number;
  /** The process's supplementary groups (getgroups(2)). */
  groups: readonly number[];
  passwd: readonly PasswdEntry[];
  group: readonly GroupEntry[];
}

function named(gids: readonly number[], group: readonly GroupEntry[]): RequesterGroup[] {
  return [...new Set(gids)].map((gid) => ({ gid, name: group.find((g) => g.gid === gid)?.name }));
}

export function requesterOf(c: Credentials): Requester {
  const sudoUid = c.uid === 0 ? id(c.env.SUDO_UID) : undefined;
  if (sudoUid === undefined) {
    return {
      uid: c.uid,
      user: c.passwd.find((p) => p.uid === c.uid)?.name,
      groups: named([c.gid, ...c.groups], c.group),
      viaSudo: false,
    };
  }
  const entry = c.passwd.find((p) => p.uid === sudoUid);
  const user = c.env.SUDO_USER || entry?.name;
  const primary = id(c.env.SUDO_GID) ?? entry?.gid;
  const listed = user === undefined ? [] : c.group.filter((g) => g.members.includes(user));
  return {
    uid: sudoUid,
    user,
    groups: named(
      [...(primary === undefined ? [] : [primary]), ...listed.map((g) => g.gid)],
      c.group,
    ),
    viaSudo: true,
  };
}
