import { describeNode } from "../fdt/describe.js";
import { printDts } from "../fdt/dts.js";
import { walk } from "../fdt/tree.js";
import { hex } from "../text.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { dtArguments } from "./dt-args.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const { fdt } = await dtArguments(args);
  if (io.json) {
    const nodes = [...walk(fdt.root)].map(describeNode);
    const reservations = fdt.reservations.map((r) => ({
      address: hex(r.address),
      size: hex(r.size),
    }));
    io.out(JSON.stringify({ bootCpuid: fdt.bootCpuid, reservations, nodes }, null, 2));
    return 0;
  }
  io.out(printDts(fdt).trimEnd());
  return 0;
}
