import { hex } from "../text.js";
import { pokeRegister } from "../vfio/inspect.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { registerArguments, registerValue } from "./device-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const { access, path } = registerArguments(args);
  const written = registerValue(args, access.width);
  await pokeRegister(access, written, { path });
  const value = hex(written, access.width / 4);
  io.out(io.json ? JSON.stringify({ ...access, value, written: true }, null, 2) : `wrote ${value}`);
  return 0;
}
