/** `--validate` for plan and dtb: asking for the validation, and its findings as text. */
import type { Fdt } from "../fdt/tree.js";
import type { Plan } from "../plan/types.js";
import type { PlanValidation } from "../world/validate-plan.js";
import { type CommandIO, flag, type ParsedArgs, stringOption } from "./command.js";

/** The validation the arguments ask for (--validate, or --bindings), else undefined. */
export async function requestedValidation(
  args: ParsedArgs,
  io: CommandIO,
  loaded: { plan: Plan; guest: Fdt },
  hostDtb: string | undefined,
): Promise<PlanValidation | undefined> {
  const bindings = stringOption(args, "bindings");
  if (!flag(args, "validate") && bindings === undefined) return undefined;
  // dt-validate's runner, the bindings' cache and their fetch (execa among them) load only here.
  const { readHostTree, validatePlan } = await import("../world/validate-plan.js");
  return validatePlan(loaded.plan, loaded.guest, await readHostTree(hostDtb), {
    path: bindings,
    progress: io.progress,
  });
}

const indented = (text: string, by: string) => text.split("\n").join(`\n${by}`);

/** One line per guest node, then one per binding error, continuation lines indented. */
export function formatValidation(v: PlanValidation): string {
  const errors = v.nodes.flatMap((n) => n.errors);
  const inherited = errors.filter((e) => e.origin === "inherited").length;
  const out = [
    `validation against ${v.bindings.source} (${(v.ms / 1000).toFixed(2)} s): ${errors.length} binding error(s), ${errors.length - inherited} introduced by the plan, ${inherited} inherited from the host`,
  ];
  for (const n of v.nodes) {
    const against = n.schemas.length > 0 ? ` (${n.schemas.join(", ")})` : "";
    const verdict = n.errors.length === 0 ? "clean" : `${n.errors.length} error(s)`;
    out.push(`  ${n.device} ${n.node}${against}: ${verdict}`);
    if (n.noBinding)
      out.push("    no binding selects its compatible: only the rules every node gets checked it");
    for (const e of n.errors) {
      out.push(
        `    ${e.origin.padEnd(10)} ${indented(e.message, "               ")}  [${e.schema}]`,
      );
    }
  }
  return out.join("\n");
}
