/**
 * The system user QEMU runs as (qemu.user's default), made by `provision --for launch` the way
 * a Debian package's maintainer script would: group kvm if the host lacks it (udev gives
 * /dev/kvm to it), then a system user with its own group, no home and no login shell, in kvm.
 * The bed's userland gets the same user from the same commands run with --prefix.
 */
import { execa } from "execa";
import { DEFAULT_QEMU_USER } from "../config/schema.js";
import { EnvironmentError } from "../errors.js";

export const KVM_GROUP = "kvm";

export function groupaddArgs(): string[] {
  return ["--system", KVM_GROUP];
}

export function useraddArgs(name: string): string[] {
  return [
    "--system",
    "--no-create-home",
    "--shell",
    "/usr/sbin/nologin",
    "--user-group",
    "--groups",
    KVM_GROUP,
    name,
  ];
}

export interface QemuUserReport {
  name: string;
  /** Commands run, in order (empty when the user and group were already there). */
  ran: string[];
}

async function exists(database: "passwd" | "group", key: string): Promise<boolean> {
  return (await execa("getent", [database, key], { reject: false })).exitCode === 0;
}

async function inKvm(name: string): Promise<boolean> {
  const r = await execa("id", ["-nG", name], { reject: false });
  return r.stdout.split(/\s+/).includes(KVM_GROUP);
}

/** The commands that would make group kvm, the user and its kvm membership; none when all are there. */
export async function qemuUserTodo(name = DEFAULT_QEMU_USER): Promise<string[][]> {
  const todo: string[][] = [];
  if (!(await exists("group", KVM_GROUP))) todo.push(["groupadd", ...groupaddArgs()]);
  if (!(await exists("passwd", name))) todo.push(["useradd", ...useraddArgs(name)]);
  else if (!(await inKvm(name))) todo.push(["usermod", "--append", "--groups", KVM_GROUP, name]);
  return todo;
}

/** Creates what is missing of group kvm, the user and its kvm membership; idempotent. */
export async function ensureQemuUser(
  progress: (line: string) => void,
  name = DEFAULT_QEMU_USER,
): Promise<QemuUserReport> {
  const todo = await qemuUserTodo(name);
  const ran = todo.map((c) => c.join(" "));
  if (todo.length > 0 && process.getuid?.() !== 0) {
    throw new EnvironmentError(
      "PROVISION_NEEDS_ROOT",
      `QEMU's user ${name} is missing or not in group ${KVM_GROUP}, and platpass is not root, so it cannot create it`,
      { hint: `Run as root: ${ran.join(" && ")}` },
    );
  }
  for (const [command, ...args] of todo) {
    progress(`provision: ${[command, ...args].join(" ")}`);
    const r = await execa(command!, args, { reject: false, all: true });
    if (r.exitCode !== 0) {
      throw new EnvironmentError("PROVISION_USER_FAILED", `${command} ${args.join(" ")} failed`, {
        hint: `${command} said: ${String(r.all ?? "").trim()}`,
      });
    }
  }
  return { name, ran };
}

/** The same user and group in a root file system at `root` (no chroot: --prefix). */
export async function createQemuUserIn(root: string, name = DEFAULT_QEMU_USER): Promise<void> {
  await execa("groupadd", ["--prefix", root, ...groupaddArgs()]);
  await execa("useradd", ["--prefix", root, ...useraddArgs(name)]);
}
