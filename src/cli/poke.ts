import { pokeRegister } from "../vfio/inspect.js";
import type { Command } from "./command.js";
import { hexOf, registerArguments, registerOptions, registerValue } from "./register-args.js";

export const pokeCommand: Command = {
  name: "poke",
  summary: "write one register of a VFIO device region (bring-up)",
  usage: "DEV REGION OFFSET VALUE [--width 8|16|32|64] [--mmap] [--json]",
  help: "Writes VALUE (decimal or 0x-hex) to the register at OFFSET of region REGION of DEV through\nVFIO. --width is the access width in bits (default 32); VALUE must fit in it and OFFSET be\naligned to it. By default the access is a pwrite on the device fd; --mmap writes through an\nmmap of the region. Device registers have side effects: this is for bring-up.",
  options: registerOptions,
  json: true,
  positionals: [4, 4],
  async run(args, io) {
    const { access, path } = registerArguments(args, "poke");
    const written = registerValue(args.positionals[3] as string, access.width, "poke");
    await pokeRegister(access, written, { path });
    if (io.json) {
      io.out(
        JSON.stringify({ ...access, value: hexOf(written, access.width), written: true }, null, 2),
      );
    } else {
      io.out(`wrote ${hexOf(written, access.width)}`);
    }
    return 0;
  },
};
