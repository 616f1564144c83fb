import { runInBed } from "../bed/index.js";
import { isPlatpassError, UsageError } from "../errors.js";
import { INTERRUPTED_EXIT, machineOptions, withInterrupt } from "./bed-options.js";
import type { CommandIO, ParsedArgs } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  if (args.rest.length === 0) {
    throw new UsageError("CLI_BAD_ARGUMENTS", "'platpass bed run' needs a command after '--'", {
      hint: "Example: platpass bed run -- ls /dev/vfio",
    });
  }
  try {
    const result = await withInterrupt((signal) =>
      runInBed({
        ...machineOptions(args),
        command: args.rest,
        signal,
        progress: io.progress,
        onOutput: io.json ? undefined : (text) => process.stdout.write(text),
      }),
    );
    if (io.json) io.out(JSON.stringify(result, null, 2));
    else
      io.progress(
        `bed: L1 boot ${ms(result.timings.bootMs)}, command ${ms(result.timings.commandMs)}, total ${ms(result.timings.totalMs)}`,
      );
    return result.exitCode;
  } catch (e) {
    if (isPlatpassError(e) && e.code === "BED_INTERRUPTED") {
      io.err(e.paragraph());
      return INTERRUPTED_EXIT;
    }
    throw e;
  }
}

function ms(n: number): string {
  return `${(n / 1000).toFixed(1)} s`;
}
