import { runInBed } from "../bed/index.js";
import { isPlatpassError, UsageError } from "../errors.js";
import {
  BED_MACHINE_HELP,
  BED_MACHINE_OPTIONS,
  INTERRUPTED_EXIT,
  machineOptions,
  withInterrupt,
} from "./bed-options.js";
import type { Command } from "./command.js";

export const bedRunCommand: Command = {
  name: "bed run",
  summary: "run a command as root inside the emulated ARM host",
  usage: "[--gic 2|3] [--smp N] [--mem M] [--timeout S] [--json] -- CMD…",
  help: `Boots the emulated aarch64 host (L1) under QEMU TCG, runs CMD as root inside it (in
/platpass, the read-only mounted checkout), streams its output and exits with CMD's exit
code. L1 always powers off; QEMU, swtpm and temporary files are always cleaned up. With
--json, prints {exitCode, output, timings} at the end instead of streaming.

${BED_MACHINE_HELP}`,
  options: BED_MACHINE_OPTIONS,
  json: true,
  async run(args, io) {
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
  },
};

function ms(n: number): string {
  return `${(n / 1000).toFixed(1)} s`;
}
