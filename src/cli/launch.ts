import { closeSync, openSync, writeSync } from "node:fs";
import { UsageError } from "../errors.js";
import { describeEvent, type LaunchEvent } from "../launch/events.js";
import { launch } from "../launch/run.js";
import { type Command, type CommandIO, flag, stringOption } from "./command.js";

/** Exit codes of a launch the user stopped, as shells report a signal (128 + number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Events as JSON lines with the time since start, or text: guest lines on stdout, the rest timed on stderr. */
function printer(io: CommandIO): (e: LaunchEvent) => void {
  const started = Date.now();
  if (io.json) return (e) => io.out(JSON.stringify({ ...e, elapsedMs: Date.now() - started }));
  return (e) => {
    const at = `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] `;
    for (const line of describeEvent(e)) {
      if (e.event === "guest") io.out(line);
      else io.progress(`${at}${line}`);
    }
  };
}

export const launchCommand: Command = {
  name: "launch",
  summary: "run a guest with the config's devices assigned: detach, QEMU, verify, reattach",
  usage: "CONFIG [--json] [--grace SECONDS] [--console] [--trace-log FILE]",
  help: [
    "Plans the config (as 'platpass plan' does), binds the devices to vfio (journaled and locked),",
    "starts QEMU with the guest DTB and the devices in planned order, then proves the wiring",
    "against QEMU's own info mtree/info qtree and reports how each IRQ is injected (irqfd with",
    "resample, irqfd, or QEMU's slow user-space path, with its cost). The guest's console is",
    "printed on stdout. On Ctrl-C or SIGTERM the guest is powered down (QEMU quits after",
    "--grace seconds); with --console the terminal is the guest's (Ctrl-A X quits QEMU). The",
    "devices go back to their drivers on every exit path; if platpass itself is killed, QEMU",
    "goes with it and the next launch or 'platpass restore' gives the devices back.",
    "",
    "  --grace SECONDS  time the guest gets to power off before QEMU is told to quit (15)",
    "  --console        give the terminal to the guest's console (default when stdin is a TTY)",
    "  --trace-log FILE write QEMU's vfio trace lines (the injection report's evidence) to FILE",
    "                   as they arrive, so it holds them however the launch ends",
    "  --json           one JSON event per line (discovered, planned, detached, verified,",
    "                   injection, guest, qemu-exited, reattached, ...) for CI",
  ].join("\n"),
  options: {
    grace: { type: "string" },
    console: { type: "boolean" },
    "trace-log": { type: "string" },
  },
  json: true,
  positionals: [1, 1],
  async run(args, io) {
    const graceText = stringOption(args, "grace") ?? "15";
    const grace = Number(graceText);
    if (!Number.isFinite(grace) || grace < 0) {
      throw new UsageError("CLI_BAD_GRACE", `--grace takes seconds, not '${graceText}'`);
    }
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (!stop.signal.aborted) stop.abort(signal);
    };
    const traceLog = stringOption(args, "trace-log");
    const traceFd = traceLog === undefined ? undefined : openTraceLog(traceLog);
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    try {
      const outcome = await launch({
        configFile: args.positionals[0]!,
        emit: printer(io),
        // Written synchronously, line by line: a crash or SIGKILL loses at most nothing.
        onTraceLine: traceFd === undefined ? undefined : (l) => writeSync(traceFd, `${l}\n`),
        stop: stop.signal,
        interactive: flag(args, "console") || (!io.json && process.stdin.isTTY === true),
        graceMs: grace * 1000,
      });
      const reason = stop.signal.aborted ? String(stop.signal.reason) : undefined;
      if (reason !== undefined) return SIGNAL_EXIT[reason] ?? 1;
      return outcome.guestExitCode;
    } finally {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      if (traceFd !== undefined) closeSync(traceFd);
    }
  },
};

/** Opened before anything is detached, so a bad path fails with nothing to undo. */
function openTraceLog(file: string): number {
  try {
    return openSync(file, "w");
  } catch (e) {
    throw new UsageError("CLI_BAD_TRACE_LOG", `cannot write the trace log: ${String(e)}`, {
      where: file,
      hint: "Give --trace-log a path in a writable directory.",
      cause: e,
    });
  }
}
