/**
 * `plan --strict` and `dtb --strict`: a plan with guest-driver findings (requirements the
 * guest node cannot meet, so the guest driver will not probe) is refused, before anything is
 * printed or written.
 */
import { InputError } from "../errors.js";
import type { Plan } from "../plan/types.js";
import { flag, type ParsedArgs } from "./command.js";

export function refuseFindings(args: ParsedArgs, plan: Pick<Plan, "findings">): void {
  if (!flag(args, "strict") || plan.findings.length === 0) return;
  throw new InputError(
    "PLAN_GUEST_DRIVER_FINDINGS",
    `the plan has ${plan.findings.length} guest-driver finding(s), refused by --strict:\n${plan.findings.map((f) => `  ${f}`).join("\n")}\n`,
    {
      hint: "Give what the guest can have (e.g. clock rates in the device's options.clockRates), assign the providers too, or drop --strict to accept a guest driver that may not probe.",
    },
  );
}

/** The findings section of the plan's text: what the guest driver will not probe without. */
export function formatFindings(plan: Pick<Plan, "findings">): string[] {
  if (plan.findings.length === 0) return [];
  return [
    "",
    `guest-driver findings (${plan.findings.length}):`,
    ...plan.findings.map((f) => `  ${f}`),
  ];
}
