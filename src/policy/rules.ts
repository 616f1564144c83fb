/**
 * The policy's rules applied to devices: pure, so every rule is unit-tested without a host.
 * A rule matches a device when every selector it gives matches (name exactly, compatible as
 * a '*' glob against any of the device's strings, case-insensitively as the kernel compares
 * them, the IOMMU group by number) and, when it names users or groups, the requester is one
 * of them. The first matching rule decides; a device no rule matches is refused.
 */
import { HostError } from "../errors.js";
import type { Policy, PolicyRule, Principal } from "./schema.js";

/** What a rule can select a device by: the facts discovery and detach already read. */
export interface PolicySubject {
  name: string;
  compatible: readonly string[];
  iommuGroup: number | undefined;
}

export interface RequesterGroup {
  gid: number;
  name: string | undefined;
}

/** Who asks: the sudo user when platpass runs as root through sudo, else its own user. */
export interface Requester {
  uid: number;
  user: string | undefined;
  groups: readonly RequesterGroup[];
  viaSudo: boolean;
}

/** A policy as read from its file. */
export interface LoadedPolicy {
  file: string;
  policy: Policy;
}

export interface Decision {
  allowed: boolean;
  /** The 1-based number of the rule that decided; undefined when no rule matched. */
  rule: number | undefined;
  comment: string | undefined;
}

/** '*' is any run of characters; everything else stands for itself. */
export function globMatches(glob: string, text: string): boolean {
  const parts = glob.split("*");
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (parts.length === 1) return glob === text;
  if (!text.startsWith(first) || text.length < first.length + last.length) return false;
  if (!text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

function isUser(p: Principal, r: Requester): boolean {
  return typeof p === "number" ? p === r.uid : p === r.user;
}

function inGroup(p: Principal, r: Requester): boolean {
  return r.groups.some((g) => (typeof p === "number" ? p === g.gid : p === g.name));
}

function forRequester(rule: PolicyRule, r: Requester): boolean {
  if (rule.users === undefined && rule.groups === undefined) return true;
  return (
    (rule.users?.some((p) => isUser(p, r)) ?? false) ||
    (rule.groups?.some((p) => inGroup(p, r)) ?? false)
  );
}

export function ruleMatches(rule: PolicyRule, d: PolicySubject, r: Requester): boolean {
  if (rule.name !== undefined && rule.name !== d.name) return false;
  // Compatible strings compare case-insensitively, as of_device_is_compatible compares them.
  const glob = rule.compatible?.toLowerCase();
  if (glob !== undefined && !d.compatible.some((c) => globMatches(glob, c.toLowerCase())))
    return false;
  if (rule.iommuGroup !== undefined && rule.iommuGroup !== d.iommuGroup) return false;
  return forRequester(rule, r);
}

export function decide(policy: Policy, device: PolicySubject, requester: Requester): Decision {
  const index = policy.rules.findIndex((rule) => ruleMatches(rule, device, requester));
  const rule = policy.rules[index];
  if (!rule) return { allowed: false, rule: undefined, comment: undefined };
  return { allowed: rule.action === "allow", rule: index + 1, comment: rule.comment };
}

/** "root (uid 0)", "alice (uid 1000, through sudo)". */
export function describeRequester(r: Requester): string {
  const sudo = r.viaSudo ? ", through sudo" : "";
  return r.user === undefined ? `uid ${r.uid}${sudo}` : `${r.user} (uid ${r.uid}${sudo})`;
}

/** Why a refused device is refused: the rule that denies it, or that none allows it. */
export function refusalReason(d: Decision): string {
  if (d.rule === undefined) return "no rule allows it";
  return `rule ${d.rule} denies it${d.comment ? ` (${JSON.stringify(d.comment)})` : ""}`;
}

/**
 * Throws POLICY_DEVICE_NOT_ALLOWED naming every device the policy refuses, with the rule
 * (or that none allows it) and the policy file. Nothing has been touched when it throws:
 * callers ask before the first sysfs write.
 */
export function admit(
  loaded: LoadedPolicy,
  devices: readonly PolicySubject[],
  requester: Requester,
): void {
  const refused = devices.flatMap((device) => {
    const decision = decide(loaded.policy, device, requester);
    return decision.allowed ? [] : [`  ${device.name}: ${refusalReason(decision)}`];
  });
  if (refused.length === 0) return;
  const them = refused.length === 1 ? "this device" : "these devices";
  throw new HostError(
    "POLICY_DEVICE_NOT_ALLOWED",
    `the assignable-devices policy does not allow ${describeRequester(requester)} to assign ${them}:\n${refused.join("\n")}\n`,
    {
      where: loaded.file,
      hint: "Nothing was changed. 'platpass list' shows what the policy allows each device; only root can change the policy, by a rule that allows the device (by name, compatible or iommuGroup) ahead of any that denies it.",
    },
  );
}
