import { describe, expect, it } from "vitest";
import {
  checkDeviceArguments,
  deviceArguments,
  registerArguments,
  registerValue,
} from "../../../src/cli/device-args.js";
import { UsageError } from "../../../src/errors.js";

function args(
  positionals: string[],
  values: Record<string, string | boolean> = {},
  command = "peek",
) {
  return { command, positionals, values, rest: [] };
}

function usageCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).code;
  }
  return undefined;
}

describe("registerArguments", () => {
  it("parses DEV REGION OFFSET with the default width and open path", () => {
    expect(registerArguments(args(["c000000.tpm_tis", "0", "0xf00"]))).toEqual({
      access: { device: "c000000.tpm_tis", region: 0, offset: 0xf00, width: 32, mmap: false },
      path: "auto",
    });
  });

  it("takes every width the addon accesses, --mmap and --legacy", () => {
    for (const width of [8, 16, 32, 64]) {
      const r = registerArguments(
        args(["d.x", "1", "0x10"], { width: String(width), mmap: true, legacy: true }),
      );
      expect(r.access).toMatchObject({ region: 1, offset: 16, width, mmap: true });
      expect(r.path).toBe("legacy");
    }
  });

  it("accepts the last aligned offset of the 2^40 region space", () => {
    const r = registerArguments(args(["d.x", "0", "0xfffffffffc"]));
    expect(r.access.offset).toBe(2 ** 40 - 4);
  });

  it.each([
    [["../../../../elsewhere/dev1", "0", "0"], {}, "CLI_BAD_DEVICE_NAME"],
    [["d.x", "-1", "0"], {}, "CLI_BAD_NUMBER"],
    [["d.x", "8388608", "0"], {}, "CLI_BAD_REGION"],
    [["d.x", "0", "0x3"], {}, "CLI_OFFSET_MISALIGNED"],
    [["d.x", "0", "0x2"], { width: "32" }, "CLI_OFFSET_MISALIGNED"],
    [["d.x", "0", "0x4"], { width: "64" }, "CLI_OFFSET_MISALIGNED"],
    [["d.x", "0", "0x10000000000"], {}, "CLI_BAD_OFFSET"],
    [["d.x", "0", `0x${"f".repeat(24)}`], {}, "CLI_BAD_OFFSET"],
    [["d.x", "0", "1e3"], {}, "CLI_BAD_NUMBER"],
    [["d.x", "0", "0"], { width: "32.0" }, "CLI_BAD_WIDTH"],
    [["d.x", "0", "0"], { width: "0x20" }, "CLI_BAD_WIDTH"],
    [["d.x", "0", "0"], { width: "24" }, "CLI_BAD_WIDTH"],
    [["d.x", "0", "0"], { legacy: true, iommufd: true }, "CLI_CONFLICTING_OPTIONS"],
  ])("refuses %j %j as %s", (positionals, values, code) => {
    expect(usageCode(() => registerArguments(args(positionals, values)))).toBe(code);
  });

  it("names the argument it refuses", () => {
    expect(() => registerArguments(args(["d.x", "0", "0x3"]))).toThrow(
      "OFFSET 0x3 is not aligned to 32 bits",
    );
  });
});

describe("registerValue", () => {
  const poke = (value: string) => args(["d.x", "0", "0", value], {}, "poke");

  it("takes a value that fits the width, up to all ones", () => {
    expect(registerValue(poke("0xff"), 8)).toBe(0xffn);
    expect(registerValue(poke("0xffffffffffffffff"), 64)).toBe(2n ** 64n - 1n);
  });

  it("refuses a value wider than the access", () => {
    expect(usageCode(() => registerValue(poke("0x1ff"), 8))).toBe("CLI_VALUE_TOO_WIDE");
    expect(usageCode(() => registerValue(poke("0x10000000000000000"), 64))).toBe(
      "CLI_VALUE_TOO_WIDE",
    );
    expect(() => registerValue(poke("0x1ff"), 8)).toThrow("VALUE 0x1ff does not fit in 8 bits");
  });
});

describe("checkDeviceArguments", () => {
  it("passes sysfs names and refuses the first that is a path, naming it", () => {
    expect(() =>
      checkDeviceArguments(args(["c000000.tpm_tis", "firmware:optee"], {}, "detach")),
    ).not.toThrow();
    expect(() => checkDeviceArguments(args(["c000000.tpm_tis", ".."], {}, "reattach"))).toThrow(
      `DEV ".." is not a sysfs device name`,
    );
  });
});

describe("deviceArguments", () => {
  it("gives inspect its DEV and open path", () => {
    expect(deviceArguments(args(["c000000.tpm_tis"], { iommufd: true }, "inspect"))).toEqual({
      device: "c000000.tpm_tis",
      path: "iommufd",
    });
  });

  it("refuses --legacy with --iommufd where the command is named", () => {
    const both = args(["c000000.tpm_tis"], { legacy: true, iommufd: true }, "inspect");
    expect(usageCode(() => deviceArguments(both))).toBe("CLI_CONFLICTING_OPTIONS");
    expect(() => deviceArguments(both)).toThrow(
      expect.objectContaining({ where: "platpass inspect" }),
    );
  });
});
