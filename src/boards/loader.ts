/**
 * Loads board plugins: the built-ins shipped in the package's boards/ folder, modules given by
 * path, and npm packages named platpass-board-* (found in node_modules folders from the
 * config's folder upwards). A module's default export is one plugin or a list of them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { InputError } from "../errors.js";
import { BoardRegistry } from "./registry.js";

/** The built-in plugins, in the order ties between equal scores are decided. */
export const BUILTIN_PLUGINS = [
  "calxeda-xgmac",
  "amd-xgbe",
  "tpm-tis",
  "virtio-mmio",
  "generic",
] as const;

/** Package names a plugin package may have: platpass-board-NAME, optionally scoped. */
const PLUGIN_PACKAGE = /^(@[a-z0-9][\w.-]*\/)?platpass-board-[a-z0-9][\w.-]*$/;

/** boards/ at the package root; the same relative path from src/boards and dist/boards. */
export function builtinBoardsDir(): string {
  return fileURLToPath(new URL("../../boards/", import.meta.url));
}

async function importPlugins(file: string, source: string): Promise<unknown[]> {
  let module: { default?: unknown };
  try {
    module = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new InputError(
      "BOARD_PLUGIN_LOAD",
      `cannot load the board plugin: ${(e as Error).message}`,
      {
        where: source,
        hint: "The plugin must be an ES module whose default export is a plugin object.",
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

/** Adds the plugins of one module (path or package name) to the registry. */
export async function loadPlugin(
  registry: BoardRegistry,
  spec: string,
  from: string,
): Promise<void> {
  const isPath = spec.startsWith(".") || isAbsolute(spec);
  const file = isPath ? resolve(from, spec) : resolvePluginPackage(spec, from);
  if (isPath && !existsSync(file)) {
    throw new InputError("BOARD_PLUGIN_LOAD", "the board plugin file does not exist", {
      where: file,
      hint: "Check the path in the config's \"plugins\"; relative paths start at the config's folder.",
    });
  }
  for (const plugin of await importPlugins(file, spec)) registry.add(plugin, spec);
}

/** A registry holding the built-in plugins, then `extra` (paths or package names) in order. */
export async function loadRegistry(
  extra: readonly string[] = [],
  from = process.cwd(),
): Promise<BoardRegistry> {
  const registry = new BoardRegistry();
  const dir = builtinBoardsDir();
  for (const name of BUILTIN_PLUGINS) {
    for (const plugin of await importPlugins(join(dir, `${name}.js`), `built-in ${name}`)) {
      registry.add(plugin, "built-in");
    }
  }
  for (const spec of extra) await loadPlugin(registry, spec, from);
  return registry;
}
