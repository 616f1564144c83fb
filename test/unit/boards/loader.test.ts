import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_PLUGINS, loadRegistry } from "../../../src/boards/loader.js";
import { BoardRegistry, pluginProblems } from "../../../src/boards/registry.js";

const PLUGIN_SOURCE = (name: string) => `export default {
  name: "${name}",
  summary: "a test plugin",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "acme,widget", score: 50 }] },
  build: () => ({ name: "widget", properties: {} }),
};
`;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "platpass-boards-"));
}

describe("loading board plugins", () => {
  it("loads the five built-ins in their tie-breaking order", async () => {
    const registry = await loadRegistry();
    expect(registry.names).toEqual([...BUILTIN_PLUGINS]);
    expect(registry.plugins.every((p) => p.source === "built-in")).toBe(true);
  });

  it("loads a plugin from a path relative to the config's folder", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "widget.mjs"), PLUGIN_SOURCE("widget"));
    const registry = await loadRegistry(["./widget.mjs"], dir);
    expect(registry.get("widget")?.summary).toBe("a test plugin");
  });

  it("loads an installed platpass-board-* package, found from the config's folder upwards", async () => {
    const dir = tempDir();
    const pkg = join(dir, "node_modules", "platpass-board-acme");
    mkdirSync(join(pkg, "lib"), { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({
        name: "platpass-board-acme",
        type: "module",
        exports: { ".": { import: "./lib/index.js" } },
      }),
    );
    writeFileSync(join(pkg, "lib", "index.js"), PLUGIN_SOURCE("acme-widget"));
    mkdirSync(join(dir, "vm"));
    const registry = await loadRegistry(["platpass-board-acme"], join(dir, "vm"));
    expect(registry.plugins.find((p) => p.plugin.name === "acme-widget")).toMatchObject({
      source: "platpass-board-acme",
      file: join(pkg, "lib", "index.js"),
    });
  });

  it("refuses a package that is not named platpass-board-*", async () => {
    await expect(loadRegistry(["left-pad"], tempDir())).rejects.toMatchObject({
      code: "BOARD_PLUGIN_NAME",
    });
  });

  it("says how to install a plugin package that is missing", async () => {
    await expect(loadRegistry(["platpass-board-nowhere"], tempDir())).rejects.toMatchObject({
      code: "BOARD_PLUGIN_NOT_INSTALLED",
      hint: expect.stringContaining("npm install platpass-board-nowhere"),
    });
  });

  it("refuses a second plugin with a built-in's name", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "generic.mjs"), PLUGIN_SOURCE("generic"));
    await expect(loadRegistry(["./generic.mjs"], dir)).rejects.toMatchObject({
      code: "BOARD_PLUGIN_DUPLICATE",
    });
  });
});

describe("plugin shape", () => {
  it("lists everything wrong with a would-be plugin", () => {
    expect(
      pluginProblems({ name: "Bad Name", qemuDevice: "vfio-pci", match: {}, copy: [{ name: 1 }] }),
    ).toEqual([
      "'name' must be lower-case letters, digits and dashes",
      "'summary' must be a non-empty string",
      "'qemuDevice' must be one of vfio-platform, vfio-calxeda-xgmac, vfio-amd-xgbe",
      "'build' must be a function",
      "'match' needs 'compatible' or 'anyDevice'",
      "'copy' must be a list of { name, optional }",
    ]);
  });

  it("refuses to register a module whose default export is not a plugin", () => {
    expect(() => new BoardRegistry().add(undefined, "./empty.mjs")).toThrow(
      expect.objectContaining({ code: "BOARD_PLUGIN_INVALID", where: "./empty.mjs" }),
    );
  });
});
