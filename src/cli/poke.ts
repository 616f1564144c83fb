import { pokeRegister } from "../vfio/inspect.js";
import type { Command } from "./command.js";
import { hexOf, openPath, parseInteger, parseWidth, registerOptions } from "./peek.js";

export const pokeCommand: Command = {
  name: "poke",
  summary: "write one register of a VFIO device region (bring-up)",
  usage: "DEV REGION OFFSET VALUE [--width 8|16|32|64] [--mmap] [--json]",
  help: "Writes VALUE (decimal or 0x-hex) to the register at OFFSET of region REGION of DEV through\nVFIO. --width is the access width in bits (default 32); VALUE must fit in it and OFFSET be\naligned to it. By default the access is a pwrite on the device fd; --mmap writes through an\nmmap of the region. Device registers have side effects: this is for bring-up.",
  options: registerOptions,
  json: true,
  positionals: [4, 4],
  async run(args, io) {
    const [device, region, offset, valueText] = args.positionals as [
      string,
      string,
      string,
      string,
    ];
    const access = {
      device,
      region: Number(parseInteger(region, "REGION", "poke")),
      offset: Number(parseInteger(offset, "OFFSET", "poke")),
      width: parseWidth(args, "poke"),
      mmap: args.values.mmap === true,
    };
    const value = parseInteger(valueText, "VALUE", "poke");
    await pokeRegister(access, value, { path: openPath(args, "poke") });
    if (io.json) {
      io.out(
        JSON.stringify({ ...access, value: hexOf(value, access.width), written: true }, null, 2),
      );
    } else {
      io.out(`wrote ${hexOf(value, access.width)}`);
    }
    return 0;
  },
};
