import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/errors.js";
import { readConfig } from "../../../src/config/load.js";

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "platpass-config-"));
  const file = join(dir, "vm.json");
  writeFileSync(file, text);
  return file;
}

describe("readConfig", () => {
  it("resolves file paths against the config's folder and leaves package names alone", async () => {
    const file = configFile(
      JSON.stringify({
        kernel: "boot/Image",
        devices: [{ host: "a.b" }],
        overlays: ["fix.dtso"],
        plugins: ["./boards/mine.mjs", "platpass-board-acme"],
        qemu: { binary: "qemu-system-aarch64" },
      }),
    );
    const dir = join(file, "..");
    const config = await readConfig(file);
    expect(config.kernel).toBe(join(dir, "boot/Image"));
    expect(config.overlays).toEqual([join(dir, "fix.dtso")]);
    expect(config.plugins).toEqual([join(dir, "boards/mine.mjs"), "platpass-board-acme"]);
    expect(config.qemu.binary).toBe("qemu-system-aarch64");
  });

  it("reports a JSON syntax error with the offending text", async () => {
    const file = configFile('{\n  "devices": [\n    { "host": "a.b" },\n  ]\n}\n');
    await expect(readConfig(file)).rejects.toThrow(ConfigError);
    await expect(readConfig(file)).rejects.toThrow(/not valid JSON.*Unexpected token '\]'/);
  });

  it("reports a missing file as an unreadable config", async () => {
    await expect(readConfig("/nonexistent/vm.json")).rejects.toMatchObject({
      code: "CONFIG_UNREADABLE",
    });
  });
});

describe("readConfig on the mistakes editors and hands make", () => {
  it("refuses a key given twice, which JSON.parse would silently keep the last of", async () => {
    const file = configFile('{ "devices": [{ "host": "a.b" }],\n  "devices": [] }');
    await expect(readConfig(file)).rejects.toMatchObject({
      problems: [
        { path: "$.devices", message: expect.stringContaining("given twice (again at line 2)") },
      ],
    });
  });

  it("finds a repeated key inside an array's object, not keys that merely repeat across objects", async () => {
    const file = configFile(
      '{ "devices": [{ "host": "a.b" }, { "host": "c.d", "managed": true, "managed": false }] }',
    );
    await expect(readConfig(file)).rejects.toMatchObject({
      problems: [{ path: "$.devices[1].managed" }],
    });
  });

  it("reads a config saved with a UTF-8 byte-order mark", async () => {
    const file = configFile('\uFEFF{ "devices": [{ "host": "a.b" }] }');
    expect((await readConfig(file)).devices[0]?.host).toBe("a.b");
  });

  it("suggests the key a typo meant, at any depth", async () => {
    const file = configFile(
      '{ "machine": { "acel": "tcg" }, "devices": [{ "host": "a", "plugn": "x" }] }',
    );
    await expect(readConfig(file)).rejects.toMatchObject({
      problems: [
        { path: "$.machine.acel", message: "unknown key; did you mean 'accel'?" },
        { path: "$.devices[0].plugn", message: "unknown key; did you mean 'plugin'?" },
      ],
    });
  });

  it("says a quoted gicVersion must be written without quotes", async () => {
    const file = configFile('{ "machine": { "gicVersion": "3" }, "devices": [{ "host": "a" }] }');
    await expect(readConfig(file)).rejects.toMatchObject({
      problems: [
        {
          path: "$.machine.gicVersion",
          message: 'must be 2, 3, "max" or "host"; got the string "3": write 3 without quotes',
        },
      ],
    });
  });
});
