import { describe, expect, it } from "vitest";
import { deviceNameProblem } from "../../../src/host/dt/device-name.js";

describe("deviceNameProblem", () => {
  it.each([
    "c000000.tpm_tis",
    "9000000.pl011",
    "firmware:optee",
    "ACPI0013:00",
    "Fixed MDIO bus.0",
    "alarmtimer.0.auto",
    "a".repeat(255),
  ])("accepts the kernel name %j", (name) => {
    expect(deviceNameProblem(name)).toBeUndefined();
  });

  it.each([
    ["", "it is empty"],
    [".", "'.' is a directory, not a device"],
    ["..", "'..' is a directory, not a device"],
    ["../../../../elsewhere/dev1", "it contains '/'"],
    ["c000000.tpm_tis/driver", "it contains '/'"],
    ["dev\0x", "it contains a NUL byte"],
    ["dev\nx", "it contains a control character"],
    ["a".repeat(256), "it is longer than 255 bytes"],
    ["é".repeat(128), "it is longer than 255 bytes"],
  ])("refuses %j: %s", (name, problem) => {
    expect(deviceNameProblem(name)).toBe(problem);
  });
});
