/**
 * The I/O edge of config: reads the file, reports JSON syntax errors with line and column,
 * validates, and resolves the paths inside against the config file's directory.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { InputError } from "../errors.js";
import { duplicateKeys } from "./duplicate-keys.js";
import { ConfigError, type ConfigProblem } from "./errors.js";
import { parseConfig } from "./parse.js";
import type { Config } from "./schema.js";

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** How a document's reader reports its problems: as its own DocumentError. */
export type DocumentProblems = (problems: ConfigProblem[], hint?: string) => Error;

/**
 * Parses a JSON document's text: a byte-order mark dropped, a syntax error with its line and
 * column, a key given twice refused. Every problem goes to `invalid`, which makes the error.
 */
export function parseJsonDocument(text: string, invalid: DocumentProblems): unknown {
  // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse rejects.
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    const message = (e as Error).message;
    const at = Number(message.match(/position (\d+)/)?.[1]);
    const place = Number.isFinite(at) ? ` at ${lineAndColumn(json, at)}` : "";
    throw invalid([{ path: "$", message: `not valid JSON${place}: ${message}` }]);
  }
  const duplicates = duplicateKeys(json);
  if (duplicates.length > 0) {
    throw invalid(
      duplicates.map((d) => ({
        path: d.path,
        message: `given twice (again at line ${d.line}); JSON keeps only the last, so one of them would be ignored`,
      })),
      "Keep one of each key.",
    );
  }
  return value;
}

/** A module path (./x.js, /x.mjs) rather than an npm package name. */
export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith(".") || isAbsolute(spec);
}

/** Makes every file path in the config absolute, relative to `base` (the config's folder). */
export function resolveConfigPaths(config: Config, base: string): Config {
  const file = (p: string | undefined) => (p === undefined ? undefined : resolve(base, p));
  return {
    ...config,
    kernel: file(config.kernel),
    initrd: file(config.initrd),
    firmware: file(config.firmware),
    overlays: config.overlays.map((p) => resolve(base, p)),
    plugins: config.plugins.map((p) => (isPathSpecifier(p) ? resolve(base, p) : p)),
    qemu: {
      ...config.qemu,
      binary:
        config.qemu.binary?.includes("/") === true
          ? resolve(base, config.qemu.binary)
          : config.qemu.binary,
    },
  };
}

/** Reads, validates and resolves a config file. */
export async function readConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new InputError(
      "CONFIG_UNREADABLE",
      `cannot read the config file: ${(e as Error).message}`,
      {
        where: file,
        hint: "Give the path of a JSON config file; the README shows the format.",
        cause: e,
      },
    );
  }
  const value = parseJsonDocument(text, (problems, hint) => new ConfigError(file, problems, hint));
  return resolveConfigPaths(parseConfig(value, file), dirname(resolve(file)));
}
