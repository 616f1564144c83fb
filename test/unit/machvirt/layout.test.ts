import { describe, expect, it } from "vitest";
import {
  gicSpecifier,
  guestPlatformDeviceName,
  PLATFORM_BUS_BASE,
  PLATFORM_BUS_END,
  PLATFORM_BUS_NODE_NAME,
} from "../../../src/machvirt/layout.js";

describe("virt layout", () => {
  it("puts the 32 MiB platform bus at 0x0c000000", () => {
    expect([PLATFORM_BUS_BASE, PLATFORM_BUS_END]).toEqual([0x0c00_0000, 0x0e00_0000]);
    expect(PLATFORM_BUS_NODE_NAME).toBe("platform-bus@c000000");
  });

  it("maps line n to <0 112+n flags>, level 4 and edge 1", () => {
    expect(gicSpecifier(0, "level")).toEqual([0, 112, 4]);
    expect(gicSpecifier(63, "edge")).toEqual([0, 175, 1]);
  });

  it("refuses a line outside the bus", () => {
    expect(() => gicSpecifier(64, "level")).toThrow(RangeError);
  });

  it("derives the kernel's platform device name from the translated address", () => {
    expect(guestPlatformDeviceName(0, "tpm@0")).toBe("c000000.tpm");
    expect(guestPlatformDeviceName(0x8000, "ethernet@8000")).toBe("c008000.ethernet");
  });
});
