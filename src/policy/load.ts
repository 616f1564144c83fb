/**
 * The policy's I/O edge: where the file is, reading it as root reads a file that limits
 * root (a regular file owned by root that only root can write, below directories only root
 * can change, never through a symlink: the state directory's rules), and who is asking (the
 * environment, /etc/passwd, /etc/group). Validation (zod and the config's machinery) loads
 * only when a policy file exists: most hosts have none, and every module costs a command
 * milliseconds in the emulated host.
 */
import { readFileSync } from "node:fs";
import { HostError } from "../errors.js";
import { readStateFile, shellWord, unsafeParent } from "../host/bind/state.js";
import { parseGroup, parsePasswd, requesterOf } from "./requester.js";
import type { LoadedPolicy, Requester } from "./rules.js";

export const DEFAULT_POLICY_FILE = "/etc/platpass/policy.json";

/** --policy, else $PLATPASS_POLICY, else /etc/platpass/policy.json. */
export function policyFile(option?: string, env = process.env): string {
  return option ?? (env.PLATPASS_POLICY || DEFAULT_POLICY_FILE);
}

function refused(file: string, why: string, hint: string): HostError {
  return new HostError("POLICY_FILE_REFUSED", `the policy file is refused: ${why}`, {
    where: file,
    hint,
  });
}

/**
 * The policy in force, or undefined when `file` does not exist (then nothing is limited).
 * Throws POLICY_FILE_REFUSED (exit 4) for a file a user other than root could have written,
 * and PolicyError (exit 3) for one that is not a valid policy.
 */
export async function readPolicy(file: string): Promise<LoadedPolicy | undefined> {
  const read = readStateFile(file, 0);
  if (read === undefined) return undefined;
  const f = shellWord(file);
  if ("refused" in read) {
    throw refused(
      file,
      read.refused,
      `The policy limits what root's platpass may assign, so only root may be able to change it: make it a regular file, then chown root: ${f} && chmod 0644 ${f} (first check its rules).`,
    );
  }
  const parent = unsafeParent(file, 0);
  if (parent !== undefined) {
    const d = shellWord(parent.dir);
    throw refused(
      file,
      `its directory ${parent.dir} can be changed by ${parent.who} (mode ${parent.mode}), who could replace it`,
      parent.ownerOk
        ? `chmod go-w ${d}, or move the policy to a directory only root can change.`
        : `chown root: ${d} && chmod go-w ${d}, or move the policy to a directory only root can change.`,
    );
  }
  const { parsePolicyText } = await import("./parse.js");
  return { file, policy: parsePolicyText(read.text, file) };
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Who is asking, from this process's ids and environment and the system's account files. */
export function currentRequester(): Requester {
  return requesterOf({
    env: process.env,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    groups: process.getgroups?.() ?? [],
    passwd: parsePasswd(readText("/etc/passwd")),
    group: parseGroup(readText("/etc/group")),
  });
}
