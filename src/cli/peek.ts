import { UsageError } from "../errors.js";
import { peekRegister } from "../vfio/inspect.js";
import type { OpenPath } from "../vfio/open.js";
import { BIT_WIDTHS, type BitWidth } from "../vfio/region.js";
import { type Command, flag, type OptionSpec, type ParsedArgs, stringOption } from "./command.js";

// The argument parsing below is shared by inspect, peek and poke.

/** Options shared by inspect, peek and poke. */
export const openOptions: OptionSpec = {
  legacy: { type: "boolean" },
  iommufd: { type: "boolean" },
};

export const registerOptions: OptionSpec = {
  ...openOptions,
  width: { type: "string", short: "w" },
  mmap: { type: "boolean" },
};

export function openPath(args: ParsedArgs, command: string): OpenPath {
  if (flag(args, "legacy") && flag(args, "iommufd")) {
    throw new UsageError("CLI_CONFLICTING_OPTIONS", "--legacy and --iommufd exclude each other", {
      where: `platpass ${command}`,
      hint: "Give one, or neither to let platpass choose (iommufd when the kernel offers it).",
    });
  }
  return flag(args, "legacy") ? "legacy" : flag(args, "iommufd") ? "iommufd" : "auto";
}

/** A non-negative integer in decimal or 0x-hex. */
export function parseInteger(text: string, what: string, command: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) {
    throw new UsageError("CLI_BAD_NUMBER", `${what} '${text}' is not a number`, {
      where: `platpass ${command}`,
      hint: "Write it in decimal (4096) or hex (0x1000).",
    });
  }
  return BigInt(text);
}

export function parseWidth(args: ParsedArgs, command: string): BitWidth {
  const text = stringOption(args, "width") ?? "32";
  const width = Number(text);
  if (!BIT_WIDTHS.includes(width as BitWidth)) {
    throw new UsageError("CLI_BAD_WIDTH", `--width ${text} is not an access width`, {
      where: `platpass ${command}`,
      hint: "Use 8, 16, 32 or 64 (bits).",
    });
  }
  return width as BitWidth;
}

export function hexOf(value: bigint, width: BitWidth): string {
  return `0x${value.toString(16).padStart(width / 4, "0")}`;
}

export const peekCommand: Command = {
  name: "peek",
  summary: "read one register of a VFIO device region (bring-up)",
  usage: "DEV REGION OFFSET [--width 8|16|32|64] [--mmap] [--json]",
  help: "Reads the register at OFFSET (decimal or 0x-hex, relative to the region) of region REGION of\nDEV through VFIO and prints it in hex. --width is the access width in bits (default 32); the\noffset must be aligned to it. By default the access is a pread on the device fd; --mmap reads\nthrough an mmap of the region instead (only for regions that allow mmap).",
  options: registerOptions,
  json: true,
  positionals: [3, 3],
  async run(args, io) {
    const [device, region, offset] = args.positionals as [string, string, string];
    const access = {
      device,
      region: Number(parseInteger(region, "REGION", "peek")),
      offset: Number(parseInteger(offset, "OFFSET", "peek")),
      width: parseWidth(args, "peek"),
      mmap: args.values.mmap === true,
    };
    const value = await peekRegister(access, { path: openPath(args, "peek") });
    if (io.json) {
      io.out(JSON.stringify({ ...access, value: hexOf(value, access.width) }, null, 2));
    } else {
      io.out(hexOf(value, access.width));
    }
    return 0;
  },
};
