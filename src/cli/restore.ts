import { EXIT_CODES, isPlatpassError } from "../errors.js";
import { quarantineError } from "../host/bind/restore.js";
import { displayName } from "../host/bind/state.js";
import { restoreHost, stateDir } from "../host/index.js";
import { type Command, flag } from "./command.js";

export const restoreCommand: Command = {
  name: "restore",
  summary: "undo the driver changes an interrupted platpass run left behind",
  usage: "[--all] [--json]",
  help: [
    "Reads the binding journal and puts every device changed by a platpass process that is",
    "no longer running back as it was (driver, driver_override), then removes stale locks.",
    "Devices detached on purpose with 'platpass detach' stay on vfio unless --all is given.",
    "Exits 4 (host) when a device could not be restored; the journal keeps it for a retry.",
    "A journal file that is not a usable entry is moved to the state directory's quarantine/",
    "and named (exit 4, HOST_STATE_ENTRY_INVALID); the other devices are restored all the same.",
    "",
    "--all  also reattach devices detached with 'platpass detach'",
  ].join("\n"),
  options: { all: { type: "boolean" } },
  json: true,
  async run(args, io) {
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
  },
};
