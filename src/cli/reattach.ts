import { reattachDevices } from "../host/bind/reattach.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  checkDeviceArguments(args);
  const done = await reattachDevices(args.positionals);
  if (io.json) {
    io.out(JSON.stringify({ reattached: done }, null, 2));
    return 0;
  }
  for (const r of done) io.out(`${r.device}: ${r.from ?? "-"} -> ${r.driver ?? "no driver"}`);
  return 0;
}
