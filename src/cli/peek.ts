import { peekRegister } from "../vfio/inspect.js";
import type { Command } from "./command.js";
import { hexOf, registerArguments, registerOptions } from "./register-args.js";

export const peekCommand: Command = {
  name: "peek",
  summary: "read one register of a VFIO device region (bring-up)",
  usage: "DEV REGION OFFSET [--width 8|16|32|64] [--mmap] [--json]",
  help: "Reads the register at OFFSET (decimal or 0x-hex, relative to the region) of region REGION of\nDEV through VFIO and prints it in hex. --width is the access width in bits (default 32); the\noffset must be aligned to it. By default the access is a pread on the device fd; --mmap reads\nthrough an mmap of the region instead (only for regions that allow mmap).",
  options: registerOptions,
  json: true,
  positionals: [3, 3],
  async run(args, io) {
    const { access, path } = registerArguments(args, "peek");
    const value = await peekRegister(access, { path });
    if (io.json) {
      io.out(JSON.stringify({ ...access, value: hexOf(value, access.width) }, null, 2));
    } else {
      io.out(hexOf(value, access.width));
    }
    return 0;
  },
};
