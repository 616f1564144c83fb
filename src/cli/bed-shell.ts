import { shellInBed } from "../bed/index.js";
import { machineOptions } from "./bed-options.js";
import type { CommandIO, ParsedArgs } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  return shellInBed({ timeoutMs: 3_600_000, ...machineOptions(args), progress: io.progress });
}
