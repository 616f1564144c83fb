import { EXIT_CODES, isPlatpassError } from "../errors.js";
import { quarantineError, restoreHost } from "../host/bind/restore.js";
import { displayName, stateDir } from "../host/bind/state.js";
import { type CommandIO, flag, type ParsedArgs } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const state = stateDir();
  const outcomes = await restoreHost({ all: flag(args, "all"), state });
  const failed = outcomes.filter((o) => o.action === "failed" || o.action === "node-failed");
  const invalid = quarantineError(outcomes, state);
  if (io.json) {
    const plain = outcomes.map((o) =>
      o.action === "failed" || o.action === "node-failed"
        ? { ...o, error: isPlatpassError(o.error) ? o.error.toJSON() : String(o.error) }
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
      else if (o.action === "returned")
        io.out(
          o.changed
            ? `${o.node}: owner ${o.uid}:${o.gid} and mode ${o.mode} put back`
            : `${o.node}: gone or re-created by the kernel since; its record dropped`,
        );
      else if (o.action === "node-kept") io.out(`${o.node}: left as is: ${o.reason}`);
      else if (o.action === "quarantined")
        io.err(
          `${displayName(o.file)}: not a usable journal entry: ${o.reason}${o.movedTo ? `; moved to ${displayName(o.movedTo)}` : ""}`,
        );
      else {
        const what = o.action === "failed" ? o.device : o.node;
        io.err(`${what}: ${isPlatpassError(o.error) ? o.error.paragraph() : String(o.error)}`);
      }
    }
  }
  if (invalid) io.err(invalid.paragraph());
  return failed.length > 0 || invalid ? EXIT_CODES.host : 0;
}
