import { closeSync, openSync, writeSync } from "node:fs";
import { UsageError } from "../errors.js";
import { describeEvent, type LaunchEvent } from "../launch/events.js";
import { launch } from "../launch/run.js";
import { policyFile } from "../policy/load.js";
import { type CommandIO, flag, type ParsedArgs, stringOption } from "./command.js";

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

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
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
    // A guest that powered off or was stopped cleanly is exit 0; a QEMU crash throws.
    await launch({
      configFile: args.positionals[0]!,
      policyFile: policyFile(stringOption(args, "policy")),
      emit: printer(io),
      // Written synchronously, line by line: a crash or SIGKILL loses at most nothing.
      onTraceLine: traceFd === undefined ? undefined : (l) => writeSync(traceFd, `${l}\n`),
      stop: stop.signal,
      interactive: flag(args, "console") || (!io.json && process.stdin.isTTY === true),
      graceMs: grace * 1000,
    });
    const reason = stop.signal.aborted ? String(stop.signal.reason) : undefined;
    if (reason !== undefined) return SIGNAL_EXIT[reason] ?? 1;
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    if (traceFd !== undefined) closeSync(traceFd);
  }
}

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
