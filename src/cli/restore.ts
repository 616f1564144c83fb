import { EXIT_CODES, isPlatpassError } from "../errors.js";
import { quarantineError, restoreHost } from "../host/bind/restore.js";
import { displayName, stateDir } from "../host/bind/state.js";
import { type CommandIO, flag, type ParsedArgs } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const state = stateDir();
  const outcomes = await restoreHost({ all: flag(args, "all"), state });
  const failed = outcomes.filter((o) => o.action === "failed");
  const invalid = quarantineError(outcomes, state);
  if (io.json) {
    const plain = outcomes.map((o) =>
      o.action === "failed"
        ? {
            device: o.device,
            action: o.action,
            error: isPlatpassError(o.error) ? o.error.toJSON() : String(o.error),
          }
        : o,
    );
    io.out(JSON.stringify({ restored: plain }, null, 2));
  } else {
    if (outcomes.length === 0) io.out("nothing to restore");
    for (const o of outcomes) {
      if (o.action === "restored")
        io.out(
          `${o.device}: restored to ${o.driver ?? "no driver"} (was interrupted at ${o.step})`,
        );
      else if (o.action === "kept") io.out(`${o.device}: left as is: ${o.reason}`);
      else if (o.action === "quarantined")
        io.err(
          `${displayName(o.file)}: not a usable journal entry: ${o.reason}${o.movedTo ? `; moved to ${displayName(o.movedTo)}` : ""}`,
        );
      else
        io.err(
          isPlatpassError(o.error)
            ? `${o.device}: ${o.error.paragraph()}`
            : `${o.device}: ${String(o.error)}`,
        );
    }
  }
  if (invalid) io.err(invalid.paragraph());
  return failed.length > 0 || invalid ? EXIT_CODES.host : 0;
}
