import type { GicVersion } from "../bed/index.js";
import { ARM64_KERNEL_LINES, type Arm64KernelLine } from "../env/debian.js";
import { UsageError } from "../errors.js";
import { type ParsedArgs, stringOption } from "./command.js";

function integer(args: ParsedArgs, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) {
    throw new UsageError("CLI_BAD_OPTION", `--${name} takes a whole number, got '${v}'`);
  }
  return Number(v);
}

/** --kernel: one of Debian 12's arm64 kernel lines, or undefined for the default. */
export function kernelOption(args: ParsedArgs): { kernel?: Arm64KernelLine } {
  const v = stringOption(args, "kernel");
  if (v === undefined) return {};
  const line = ARM64_KERNEL_LINES.find((l) => l === v);
  if (!line) {
    throw new UsageError(
      "CLI_BAD_OPTION",
      `--kernel takes ${ARM64_KERNEL_LINES.join(" or ")}, got '${v}'`,
    );
  }
  return { kernel: line };
}

export function machineOptions(args: ParsedArgs): {
  kernel?: Arm64KernelLine;
  gic?: GicVersion;
  smp?: number;
  memMiB?: number;
  timeoutMs?: number;
} {
  const gic = integer(args, "gic");
  if (gic !== undefined && gic !== 2 && gic !== 3) {
    throw new UsageError("CLI_BAD_OPTION", `--gic takes 2 or 3, got ${gic}`);
  }
  const timeout = integer(args, "timeout");
  return {
    ...kernelOption(args),
    ...(gic === undefined ? {} : { gic: gic as GicVersion }),
    ...(integer(args, "smp") === undefined ? {} : { smp: integer(args, "smp") }),
    ...(integer(args, "mem") === undefined ? {} : { memMiB: integer(args, "mem") }),
    ...(timeout === undefined ? {} : { timeoutMs: timeout * 1000 }),
  };
}

/** An AbortSignal that fires on the first Ctrl-C (SIGINT) or SIGTERM while `work` runs. */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The conventional exit status of a command stopped by Ctrl-C. */
export const INTERRUPTED_EXIT = 130;
