/**
 * The set of board plugins a plan may use, in the order they were added (built-ins first).
 * Every plugin's shape is checked once when it is added, so a broken plugin fails at load
 * with everything wrong about it, not halfway through a plan.
 */

import type { z } from "zod";
import { InputError } from "../errors.js";
import type { BoardPlugin, QemuDeviceType } from "./api.js";
import { guardPlugin } from "./guard.js";

const QEMU_DEVICES: readonly QemuDeviceType[] = [
  "vfio-platform",
  "vfio-calxeda-xgmac",
  "vfio-amd-xgbe",
];
const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]*$/;

export interface RegisteredPlugin {
  /** The plugin with its callbacks guarded (see guard.ts). */
  plugin: BoardPlugin;
  /** Where it came from: "built-in", a file path or a package name. */
  source: string;
  /** The module's file, when known. */
  file: string | undefined;
}

function isFunction(v: unknown): boolean {
  return typeof v === "function";
}

/** Everything wrong with a value that claims to be a plugin; empty when it is one. */
export function pluginProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null) return ["it is not an object"];
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof p.name !== "string" || !PLUGIN_NAME.test(p.name)) {
    problems.push("'name' must be lower-case letters, digits and dashes");
  }
  if (typeof p.summary !== "string" || p.summary.length === 0)
    problems.push("'summary' must be a non-empty string");
  if (!QEMU_DEVICES.includes(p.qemuDevice as QemuDeviceType)) {
    problems.push(`'qemuDevice' must be one of ${QEMU_DEVICES.join(", ")}`);
  }
  if (!isFunction(p.build)) problems.push("'build' must be a function");
  const match = p.match as Record<string, unknown> | undefined;
  if (typeof match !== "object" || match === null) {
    problems.push("'match' must be an object");
  } else {
    const list = match.compatible;
    const listOk =
      list === undefined ||
      (Array.isArray(list) &&
        list.every(
          (m) =>
            typeof m?.compatible === "string" &&
            typeof m?.score === "number" &&
            Number.isFinite(m.score),
        ));
    if (!listOk) problems.push("'match.compatible' must be a list of { compatible, score }");
    if (
      match.anyDevice !== undefined &&
      (typeof match.anyDevice !== "number" || !Number.isFinite(match.anyDevice))
    ) {
      problems.push("'match.anyDevice' must be a finite number");
    }
    if (list === undefined && match.anyDevice === undefined) {
      problems.push("'match' needs 'compatible' or 'anyDevice'");
    }
    if (match.declines !== undefined && !isFunction(match.declines)) {
      problems.push("'match.declines' must be a function");
    }
  }
  if (p.copy !== undefined) {
    const ok =
      Array.isArray(p.copy) &&
      p.copy.every((c) => typeof c?.name === "string" && typeof c?.optional === "boolean");
    if (!ok) problems.push("'copy' must be a list of { name, optional }");
  }
  if (
    p.options !== undefined &&
    !isFunction(p.options) &&
    !isFunction((p.options as { safeParse?: unknown })?.safeParse)
  ) {
    problems.push("'options' must be a schema with safeParse (zod) or a function (z) => schema");
  }
  return problems;
}

export class BoardRegistry {
  readonly #plugins: RegisteredPlugin[] = [];

  /** Adds a plugin after checking its shape; a second plugin of the same name is refused. */
  add(value: unknown, source: string, file?: string, zod?: typeof z): BoardPlugin {
    const problems = pluginProblems(value);
    if (problems.length > 0) {
      const named = (value as { name?: unknown } | null)?.name;
      throw new InputError(
        "BOARD_PLUGIN_INVALID",
        `${typeof named === "string" ? `'${named}' is ` : ""}not a board plugin: ${problems.join("; ")}`,
        {
          where: file ?? source,
          hint: "A plugin module's default export is a plugin object (or a list of them); the README's plugin guide shows one.",
        },
      );
    }
    const plugin = guardPlugin(value as BoardPlugin, { source, file }, zod);
    const clash = this.#plugins.find((r) => r.plugin.name === plugin.name);
    if (clash) {
      throw new InputError(
        "BOARD_PLUGIN_DUPLICATE",
        `a plugin named '${plugin.name}' is already loaded from ${clash.source}`,
        {
          where: source,
          hint: "Give the plugin a name of its own.",
        },
      );
    }
    this.#plugins.push({ plugin, source, file });
    return plugin;
  }

  get(name: string): BoardPlugin | undefined {
    return this.#plugins.find((r) => r.plugin.name === name)?.plugin;
  }

  get plugins(): readonly RegisteredPlugin[] {
    return this.#plugins;
  }

  get names(): string[] {
    return this.#plugins.map((r) => r.plugin.name);
  }
}
