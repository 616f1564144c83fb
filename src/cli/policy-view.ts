/**
 * The assignable-devices policy as `list` and `doctor` print it: one line on what is in force,
 * a POLICY column (text) and a `policy` field per device (JSON).
 */
import type { HostDevice } from "../host/device.js";
import {
  type Decision,
  decide,
  describeRequester,
  type LoadedPolicy,
  type Requester,
} from "../policy/rules.js";
import type { HostColumn } from "./host-table.js";

/** The policy read for a command, and who is asking. */
export interface PolicyInForce {
  file: string;
  loaded: LoadedPolicy | undefined;
  requester: Requester;
}

export function policyLine(p: PolicyInForce): string {
  if (!p.loaded)
    return `policy: none in force (${p.file} does not exist): any device may be assigned`;
  const n = p.loaded.policy.rules.length;
  return `policy: ${p.file}, ${n} rule${n === 1 ? "" : "s"}, read for ${describeRequester(p.requester)}: only devices it allows may be assigned`;
}

function decisionOf(p: PolicyInForce, d: HostDevice): Decision | undefined {
  return p.loaded && decide(p.loaded.policy, d, p.requester);
}

/** "rule 2" (allowed by it), "no (rule 1)" (denied by it), "no" (no rule matches). */
export function decisionText(d: Decision): string {
  if (d.allowed) return `rule ${d.rule}`;
  return d.rule === undefined ? "no" : `no (rule ${d.rule})`;
}

/** The POLICY column, only when a policy is in force. */
export function policyColumns(p: PolicyInForce): HostColumn[] {
  if (!p.loaded) return [];
  return [{ header: "POLICY", value: (d) => decisionText(decisionOf(p, d)!) }];
}

/** The document-level `policy` field of `list --json`. */
export function policyJson(p: PolicyInForce) {
  return {
    file: p.file,
    inForce: p.loaded !== undefined,
    rules: p.loaded?.policy.rules.length ?? 0,
    requester: p.requester,
  };
}

/** A device's `policy` field: null without a policy, else what it decides and by which rule. */
export function deviceDecisionJson(p: PolicyInForce, d: HostDevice) {
  const decision = decisionOf(p, d);
  if (!decision) return null;
  return {
    allowed: decision.allowed,
    rule: decision.rule ?? null,
    comment: decision.comment ?? null,
  };
}
