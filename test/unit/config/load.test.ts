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
