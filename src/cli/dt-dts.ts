import { describeNode, printDts, readDtbFile, walk } from "../fdt/index.js";
import type { Command } from "./command.js";

export const dtDtsCommand: Command = {
  name: "dt dts",
  summary: "print a DTB as device-tree source (as dtc -I dtb -O dts would)",
  usage: "FILE.dtb [--json]",
  help: "Reads FILE.dtb with platpass's own reader and prints it as DTS that dtc compiles back to\nthe same tree. Values are typed as dtc types them: strings, <cells> in hex, or [bytes].\nWith --json, prints every node with its typed properties instead.",
  json: true,
  positionals: [1, 1],
  async run(args, io) {
    const fdt = await readDtbFile(args.positionals[0]!);
    if (io.json) {
      const nodes = [...walk(fdt.root)].map(describeNode);
      const reservations = fdt.reservations.map((r) => ({
        address: `0x${r.address.toString(16)}`,
        size: `0x${r.size.toString(16)}`,
      }));
      io.out(JSON.stringify({ bootCpuid: fdt.bootCpuid, reservations, nodes }, null, 2));
      return 0;
    }
    io.out(printDts(fdt).trimEnd());
    return 0;
  },
};
