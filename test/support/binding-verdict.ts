/**
 * A planned device's guest nodes judged by dt-validate's errors and the plan's own words:
 * clean (no error the plan introduced), explained (every introduced error is about a
 * property the plan names in a guest-driver finding, or names as one its binding requires and
 * the guest driver takes as optional: "'X' is no guest-driver finding: why"), warned (each is
 * named, some only in a drop warning: a property or child node the plan says it leaves out,
 * not what that costs the driver) or unexplained.
 */
import type { Assignment } from "../../src/plan/types.js";
import type { NodeValidation } from "../../src/world/validate-plan.js";

/**
 * The device property a dt-validate message is about: the missing one of "'X' is a required
 * property" and "'X' is a dependency of 'Y'", else the property path it starts with
 * ("clocks: [[1]] is too short"). A `-names` property goes with the list it names.
 */
export function errorProperty(message: string): string | undefined {
  const name =
    /^'([^']+)' is a required property$/.exec(message)?.[1] ??
    /^'([^']+)' is a dependency of '[^']+'$/.exec(message)?.[1] ??
    /^([#\w,.+-]+): /.exec(message)?.[1];
  return name?.replace(/-names$/, "s");
}

export type Verdict = "clean" | "explained" | "warned" | "unexplained";

export interface Judgement {
  verdict: Verdict;
  /** Introduced errors neither a finding nor a warning names, as "<node>: <message> [schema]". */
  unexplained: string[];
  /** Introduced errors only a warning names, likewise. */
  warned: string[];
  /** Errors the host node has too. */
  inherited: number;
}

/** What the plan's warnings name: their properties and the child nodes they drop. */
function warnedNames(device: Pick<Assignment, "warnings">): Set<string> {
  const names = new Set<string>();
  for (const w of device.warnings) {
    if (w.property) names.add(w.property);
    const child = /^dropped child node '([^'@]+)/.exec(w.message)?.[1];
    if (child) names.add(child);
  }
  return names;
}

/** The properties the plan names as required by the binding only, not by the guest driver. */
function driverOptional(device: Pick<Assignment, "warnings">): Set<string> {
  return new Set(
    device.warnings
      .filter(
        (w) => w.property && w.message.startsWith(`'${w.property}' is no guest-driver finding:`),
      )
      .map((w) => w.property!),
  );
}

/** Judges one device: its nodes' introduced errors against its findings and warnings. */
export function judge(
  device: Pick<Assignment, "findings" | "warnings">,
  nodes: readonly NodeValidation[],
): Judgement {
  const found = new Set([...device.findings.map((f) => f.property), ...driverOptional(device)]);
  const warned = warnedNames(device);
  const errors = nodes.flatMap((n) => n.errors.map((e) => ({ ...e, node: n.node })));
  const introduced = errors.filter((e) => e.origin === "introduced");
  const line = (e: (typeof errors)[number]) => `${e.node}: ${e.message} [${e.schema}]`;
  const unfound = introduced.filter((e) => !found.has(errorProperty(e.message) ?? ""));
  const unexplained = unfound.filter((e) => !warned.has(errorProperty(e.message) ?? ""));
  const verdict: Verdict =
    introduced.length === 0
      ? "clean"
      : unfound.length === 0
        ? "explained"
        : unexplained.length === 0
          ? "warned"
          : "unexplained";
  return {
    verdict,
    unexplained: unexplained.map(line),
    warned: unfound.filter((e) => !unexplained.includes(e)).map(line),
    inherited: errors.length - introduced.length,
  };
}
