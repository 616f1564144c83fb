/**
 * The arguments of the commands that name host devices: detach and reattach (DEV...),
 * inspect (DEV), peek and poke (DEV REGION OFFSET [VALUE]). Parsed and checked in full before
 * any device lookup or addon load: a mistake in them is a usage error whatever the host
 * looks like.
 */
import { UsageError } from "../errors.js";
import { deviceNameProblem } from "../host/dt/device-name.js";
import { hex } from "../text.js";
import type { RegisterAccess } from "../vfio/inspect.js";
import type { OpenPath } from "../vfio/open.js";
import { BIT_WIDTHS, type BitWidth } from "../vfio/region.js";
import { flag, type ParsedArgs, stringOption } from "./command.js";

/** vfio-platform puts region N at N << 40 on the device fd (VFIO_PLATFORM_OFFSET_SHIFT). */
const REGION_SHIFT = 40n;
/** The fd offset is a signed 64-bit loff_t, so N << 40 must stay below 2^63. */
const MAX_REGIONS = 1n << (63n - REGION_SHIFT);

const where = (args: ParsedArgs) => `platpass ${args.command}`;

/**
 * Checks every DEV argument before the command looks at the host: a name becomes a path
 * under /sys, so one that is not a single directory entry is the user's mistake, not a
 * missing device.
 */
export function checkDeviceArguments(args: ParsedArgs, names = args.positionals): void {
  for (const name of names) {
    const problem = deviceNameProblem(name);
    if (problem) {
      throw new UsageError(
        "CLI_BAD_DEVICE_NAME",
        `DEV ${JSON.stringify(name)} is not a sysfs device name: ${problem}`,
        {
          where: where(args),
          hint: "Give the device's name from 'platpass list' (e.g. c000000.tpm_tis), not a path.",
        },
      );
    }
  }
}

function openPath(args: ParsedArgs): OpenPath {
  if (flag(args, "legacy") && flag(args, "iommufd")) {
    throw new UsageError("CLI_CONFLICTING_OPTIONS", "--legacy and --iommufd exclude each other", {
      where: where(args),
      hint: "Give one, or neither to let platpass choose (iommufd when the kernel offers it).",
    });
  }
  return flag(args, "legacy") ? "legacy" : flag(args, "iommufd") ? "iommufd" : "auto";
}

/** A non-negative integer in decimal or 0x-hex. */
function parseInteger(args: ParsedArgs, text: string, what: string): bigint {
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) {
    throw new UsageError("CLI_BAD_NUMBER", `${what} '${text}' is not a number`, {
      where: where(args),
      hint: "Write it in decimal (4096) or hex (0x1000).",
    });
  }
  return BigInt(text);
}

/** Exactly one of the widths the addon accesses: "32.0" or "0x20" is a typo, not 32. */
function parseWidth(args: ParsedArgs): BitWidth {
  const text = stringOption(args, "width") ?? "32";
  const width = BIT_WIDTHS.find((w) => String(w) === text);
  if (width === undefined) {
    throw new UsageError("CLI_BAD_WIDTH", `--width ${text} is not an access width`, {
      where: where(args),
      hint: "Use 8, 16, 32 or 64 (bits).",
    });
  }
  return width;
}

export interface DeviceArgs {
  device: string;
  path: OpenPath;
}

/** `DEV` and --legacy/--iommufd. */
export function deviceArguments(args: ParsedArgs): DeviceArgs {
  const device = args.positionals[0] as string;
  checkDeviceArguments(args, [device]);
  return { device, path: openPath(args) };
}

export interface RegisterArgs {
  access: RegisterAccess;
  path: OpenPath;
}

/** `DEV REGION OFFSET` and the register options, every one checked. */
export function registerArguments(args: ParsedArgs): RegisterArgs {
  const [device, regionText, offsetText] = args.positionals as [string, string, string];
  checkDeviceArguments(args, [device]);
  const region = parseInteger(args, regionText, "REGION");
  if (region >= MAX_REGIONS) {
    throw new UsageError("CLI_BAD_REGION", `REGION ${regionText} is not a VFIO region index`, {
      where: where(args),
      hint: `Region indexes are below ${MAX_REGIONS}; 'platpass inspect DEV' lists the device's regions.`,
    });
  }
  const width = parseWidth(args);
  const offset = parseInteger(args, offsetText, "OFFSET");
  if (offset >= 1n << REGION_SHIFT) {
    throw new UsageError("CLI_BAD_OFFSET", `OFFSET ${offsetText} is beyond any VFIO region`, {
      where: where(args),
      hint: `OFFSET is relative to the region, which holds at most 2^${REGION_SHIFT} bytes (up to ${hex((1n << REGION_SHIFT) - 1n)}).`,
    });
  }
  const bytes = BigInt(width / 8);
  if (offset % bytes !== 0n) {
    throw new UsageError(
      "CLI_OFFSET_MISALIGNED",
      `OFFSET ${offsetText} is not aligned to ${width} bits`,
      {
        where: where(args),
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
    path: openPath(args),
  };
}

/** poke's VALUE, after `DEV REGION OFFSET`: a number that fits the access width. */
export function registerValue(args: ParsedArgs, width: BitWidth): bigint {
  const text = args.positionals[3] as string;
  const value = parseInteger(args, text, "VALUE");
  if (value >= 1n << BigInt(width)) {
    throw new UsageError("CLI_VALUE_TOO_WIDE", `VALUE ${text} does not fit in ${width} bits`, {
      where: where(args),
      hint: `Give a value up to ${hex((1n << BigInt(width)) - 1n)}, or a wider --width.`,
    });
  }
  return value;
}
