import { hex } from "../text.js";
import { peekRegister } from "../vfio/inspect.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { registerArguments } from "./device-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const { access, path } = registerArguments(args);
  const value = hex(await peekRegister(access, { path }), access.width / 4);
  io.out(io.json ? JSON.stringify({ ...access, value }, null, 2) : value);
  return 0;
}
