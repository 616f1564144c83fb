/**
 * Loads board plugins: the built-ins shipped in the package's boards/ folder, modules given by
 * path, and npm packages named platpass-board-* (found in node_modules folders from the
 * config's folder upwards). A module's default export is one plugin or a list of them.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { z } from "zod";
import { InputError } from "../errors.js";
import { importModule, linkedBuiltins } from "./esm-import.js";
import { frameIn } from "./guard.js";
import { BoardRegistry } from "./registry.js";

/** The built-in plugins, in the order ties between equal scores are decided. */
export const BUILTIN_PLUGINS = [
  "calxeda-xgmac",
  "amd-xgbe",
  "tpm-tis",
  "virtio-mmio",
  "dwmac",
  "etheravb",
  "sdhci",
  "dw-mmc",
  "dwc3",
  "cadence-gem",
  "fec",
  "generic",
] as const;

/** Package names a plugin package may have: platpass-board-NAME, optionally scoped. */
const PLUGIN_PACKAGE = /^(@[a-z0-9][\w.-]*\/)?platpass-board-[a-z0-9][\w.-]*$/;

/** boards/ at the package root; the same relative path from src/boards and dist/boards. */
export function builtinBoardsDir(): string {
  return fileURLToPath(new URL("../../boards/", import.meta.url));
}

/**
 * Where and what a syntax error is. The error import() throws for an ES module carries no
 * location; `node --check` prints `FILE:LINE` first and `SyntaxError: …` below (asked only
 * once loading has already failed).
 */
function syntaxError(file: string): { at: string; message: string } | undefined {
  const r = spawnSync(process.execPath, ["--check", file], { encoding: "utf8", timeout: 10_000 });
  const lines = (r.stderr ?? "").split("\n");
  const at = lines[0] ?? "";
  const message = lines.find((l) => l.startsWith("SyntaxError:"));
  return r.status !== 0 && /^.+:\d+$/.test(at) && message ? { at, message } : undefined;
}

/** The load error's place in the plugin (file:line[:column]) and its message. */
function loadFailure(e: unknown, file: string): { at: string; message: string } {
  const thrown = `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}`;
  const at = frameIn(e, file);
  if (at) return { at, message: thrown };
  return syntaxError(file) ?? { at: file, message: thrown };
}

/**
 * platpass's zod, for a plugin whose options are `(z) => schema`; loaded only then, and not
 * at all for a registry that validates no options (zod is a sixth of a command's modules).
 */
async function zodFor(plugin: unknown, optionSchemas: boolean): Promise<typeof z | undefined> {
  const options = (plugin as { options?: unknown } | null)?.options;
  return optionSchemas && typeof options === "function" ? (await import("zod")).z : undefined;
}

async function importPlugins(file: string, source: string, linked?: unknown): Promise<unknown[]> {
  let module: { default?: unknown };
  try {
    module = (linked ?? (await importModule(pathToFileURL(file).href))) as { default?: unknown };
  } catch (e) {
    const failure = loadFailure(e, file);
    throw new InputError(
      "BOARD_PLUGIN_LOAD",
      `cannot load the board plugin ${source}: ${failure.message}`,
      {
        where: failure.at,
        hint: failure.message.startsWith("SyntaxError")
          ? "Fix the plugin's syntax at that line; it must be an ES module whose default export is a plugin object."
          : "The plugin must be an ES module whose default export is a plugin object; the error above is the plugin's own.",
        cause: e,
      },
    );
  }
  const exported = module.default;
  return Array.isArray(exported) ? exported : [exported];
}

function packageEntry(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    exports?: unknown;
    main?: string;
  };
  const root =
    typeof manifest.exports === "object" && manifest.exports !== null && "." in manifest.exports
      ? (manifest.exports as Record<string, unknown>)["."]
      : manifest.exports;
  const target =
    typeof root === "string"
      ? root
      : typeof root === "object" && root !== null
        ? ((root as Record<string, unknown>).import ?? (root as Record<string, unknown>).default)
        : undefined;
  return join(packageDir, typeof target === "string" ? target : (manifest.main ?? "index.js"));
}

/** The entry file of an installed plugin package, searching node_modules upwards from `from`. */
export function resolvePluginPackage(name: string, from: string): string {
  if (!PLUGIN_PACKAGE.test(name)) {
    throw new InputError(
      "BOARD_PLUGIN_NAME",
      `'${name}' is neither a path nor a platpass-board-* package`,
      {
        where: name,
        hint: "Give a module path starting with ./ or /, or the name of an installed npm package called platpass-board-<something>.",
      },
    );
  }
  const tried: string[] = [];
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    tried.push(candidate);
    if (existsSync(join(candidate, "package.json"))) return packageEntry(candidate);
    if (dirname(dir) === dir) break;
  }
  throw new InputError(
    "BOARD_PLUGIN_NOT_INSTALLED",
    `the plugin package '${name}' is not installed`,
    {
      where: name,
      hint: `Install it with 'npm install ${name}' (looked in ${tried.join(", ")}).`,
    },
  );
}

export interface RegistryOptions {
  /**
   * Resolve the plugins' `options(z)` schemas (loading zod); false for a registry that only
   * matches devices to plugins and plans nothing (`platpass list`). True unless told.
   */
  optionSchemas?: boolean;
}

/** Adds the plugins of one module (path or package name) to the registry. */
export async function loadPlugin(
  registry: BoardRegistry,
  spec: string,
  from: string,
  { optionSchemas = true }: RegistryOptions = {},
): Promise<void> {
  const isPath = spec.startsWith(".") || isAbsolute(spec);
  const file = isPath ? resolve(from, spec) : resolvePluginPackage(spec, from);
  if (isPath && !existsSync(file)) {
    throw new InputError("BOARD_PLUGIN_LOAD", "the board plugin file does not exist", {
      where: file,
      hint: "Check the path in the config's \"plugins\"; relative paths start at the config's folder.",
    });
  }
  for (const plugin of await importPlugins(file, spec)) {
    registry.add(plugin, spec, file, await zodFor(plugin, optionSchemas));
  }
}

/** A registry holding the built-in plugins, then `extra` (paths or package names) in order. */
export async function loadRegistry(
  extra: readonly string[] = [],
  from = process.cwd(),
  options: RegistryOptions = {},
): Promise<BoardRegistry> {
  const optionSchemas = options.optionSchemas ?? true;
  const registry = new BoardRegistry();
  const dir = builtinBoardsDir();
  for (const name of BUILTIN_PLUGINS) {
    const file = join(dir, `${name}.js`);
    const linked = linkedBuiltins?.[name];
    for (const plugin of await importPlugins(file, `built-in ${name}`, linked)) {
      registry.add(plugin, "built-in", file, await zodFor(plugin, optionSchemas));
    }
  }
  for (const spec of extra) await loadPlugin(registry, spec, from, options);
  return registry;
}
