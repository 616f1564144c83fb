/**
 * The arguments of inspect, peek and poke, parsed and checked in full before any device
 * lookup or addon load: a mistake in them is a usage error whatever the host looks like.
 */
import { UsageError } from "../errors.js";
import type { RegisterAccess } from "../vfio/inspect.js";
import type { OpenPath } from "../vfio/open.js";
import { BIT_WIDTHS, type BitWidth } from "../vfio/region.js";
import { flag, type OptionSpec, type ParsedArgs, stringOption } from "./command.js";
import { checkDeviceArguments } from "./device-args.js";

/** vfio-platform puts region N at N << 40 on the device fd (VFIO_PLATFORM_OFFSET_SHIFT). */
const REGION_SHIFT = 40n;
/** The fd offset is a signed 64-bit loff_t, so N << 40 must stay below 2^63. */
const MAX_REGIONS = 1n << (63n - REGION_SHIFT);

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

/** Exactly one of the widths the addon accesses: "32.0" or "0x20" is a typo, not 32. */
export function parseWidth(args: ParsedArgs, command: string): BitWidth {
  const text = stringOption(args, "width") ?? "32";
  const width = BIT_WIDTHS.find((w) => String(w) === text);
  if (width === undefined) {
    throw new UsageError("CLI_BAD_WIDTH", `--width ${text} is not an access width`, {
      where: `platpass ${command}`,
      hint: "Use 8, 16, 32 or 64 (bits).",
    });
  }
  return width;
}

function hex(n: bigint): string {
  return `0x${n.toString(16)}`;
}

export function hexOf(value: bigint, width: BitWidth): string {
  return `0x${value.toString(16).padStart(width / 4, "0")}`;
}

export interface RegisterArgs {
  access: RegisterAccess;
  path: OpenPath;
}

/** `DEV REGION OFFSET` and the register options, every one checked. */
export function registerArguments(args: ParsedArgs, command: string): RegisterArgs {
  const [device, regionText, offsetText] = args.positionals as [string, string, string];
  const where = `platpass ${command}`;
  checkDeviceArguments([device], command);
  const region = parseInteger(regionText, "REGION", command);
  if (region >= MAX_REGIONS) {
    throw new UsageError("CLI_BAD_REGION", `REGION ${regionText} is not a VFIO region index`, {
      where,
      hint: `Region indexes are below ${MAX_REGIONS}; 'platpass inspect DEV' lists the device's regions.`,
    });
  }
  const width = parseWidth(args, command);
  const offset = parseInteger(offsetText, "OFFSET", command);
  if (offset >= 1n << REGION_SHIFT) {
    throw new UsageError("CLI_BAD_OFFSET", `OFFSET ${offsetText} is beyond any VFIO region`, {
      where,
      hint: `OFFSET is relative to the region, which holds at most 2^${REGION_SHIFT} bytes (up to ${hex((1n << REGION_SHIFT) - 1n)}).`,
    });
  }
  const bytes = BigInt(width / 8);
  if (offset % bytes !== 0n) {
    throw new UsageError(
      "CLI_OFFSET_MISALIGNED",
      `OFFSET ${offsetText} is not aligned to ${width} bits`,
      {
        where,
        hint: `Use a multiple of ${bytes} for --width ${width} (e.g. ${hex(offset - (offset % bytes))}), or a narrower --width.`,
      },
    );
  }
  return {
    access: {
      device,
      region: Number(region),
      offset: Number(offset),
      width,
      mmap: flag(args, "mmap"),
    },
    path: openPath(args, command),
  };
}

/** poke's VALUE: a number that fits the access width. */
export function registerValue(text: string, width: BitWidth, command: string): bigint {
  const value = parseInteger(text, "VALUE", command);
  if (value >= 1n << BigInt(width)) {
    throw new UsageError("CLI_VALUE_TOO_WIDE", `VALUE ${text} does not fit in ${width} bits`, {
      where: `platpass ${command}`,
      hint: `Give a value up to ${hex((1n << BigInt(width)) - 1n)}, or a wider --width.`,
    });
  }
  return value;
}
