/**
 * A plugin's bugs are the plugin's. Every function a plugin hands platpass (declines, check,
 * options, build) runs behind a guard: an exception that is not one of platpass's own
 * typed errors, or a returned value of the wrong shape, becomes an input error (exit 3) naming
 * the plugin, its file and line, the device and, for a node, the property. Without it a
 * plugin's TypeError read as "internal error … a bug in platpass".
 */
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { InputError, isPlatpassError } from "../errors.js";
import type { BoardPlugin, DeviceNode, GuestChild, IrqTrigger, OptionsSchema } from "./api.js";

type Problem = { property: string | undefined; problem: string };

export interface PluginOrigin {
  /** "built-in", the path as the config gave it, or the package name. */
  source: string;
  /** The module's file, when known. */
  file: string | undefined;
}

/**
 * `file:line:column` of the deepest stack frame inside the plugin's file, if any. ES module
 * frames name the file by URL, transformed ones (vitest) by path; the stack is read without
 * instanceof, which fails for errors from another realm.
 */
export function frameIn(error: unknown, file: string | undefined): string | undefined {
  const stack = (error as Error | undefined)?.stack;
  if (!file || typeof stack !== "string") return undefined;
  const names = [`${pathToFileURL(file).href}:`, `(${file}:`, ` ${file}:`];
  for (const line of stack.split("\n")) {
    const m = names.some((n) => line.includes(n)) ? /:(\d+):(\d+)\)?\s*$/.exec(line) : null;
    if (m) return `${file}:${m[1]}:${m[2]}`;
  }
  return undefined;
}

function failure(
  name: string,
  origin: PluginOrigin,
  what: string,
  reason: string,
  at?: string,
  cause?: unknown,
): InputError {
  const from = origin.file ?? origin.source;
  return new InputError("BOARD_PLUGIN_FAILED", `board plugin '${name}' ${what}: ${reason}`, {
    where: at ?? from,
    hint: `This is a bug in the plugin '${name}' (${from}), not in platpass: fix the plugin, or leave it out of the config's "plugins" and let another plugin take the device.`,
    ...(cause === undefined ? {} : { cause }),
  });
}

function guard<A extends unknown[], R>(
  name: string,
  origin: PluginOrigin,
  what: (...args: A) => string,
  fn: (...args: A) => R,
): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (e) {
      if (isPlatpassError(e)) throw e;
      const message = e instanceof Error ? `${e.name}: ${e.message}` : `threw ${String(e)}`;
      throw failure(name, origin, what(...args), message, frameIn(e, origin.file), e);
    }
  };
}

function isCells(v: unknown): v is { cells: unknown[] } {
  return typeof v === "object" && v !== null && Array.isArray((v as { cells?: unknown }).cells);
}

function cellProblem(cell: unknown): string | undefined {
  if (typeof cell === "number") {
    return Number.isInteger(cell) && cell >= 0 && cell <= 0xffffffff
      ? undefined
      : `the cell ${cell} is not a 32-bit unsigned integer`;
  }
  if (
    typeof cell === "object" &&
    cell !== null &&
    typeof (cell as { ref?: unknown }).ref === "string"
  )
    return undefined;
  return `a cell is ${typeof cell}; cells are numbers or { ref } from a ctx helper`;
}

/** What is wrong with one property value, or undefined. */
export function valueProblem(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return undefined;
  if (isCells(value)) {
    for (const cell of value.cells) {
      const problem = cellProblem(cell);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === "string")
    return `it is a plain string; write ctx.values.str(${JSON.stringify(value.slice(0, 40))})`;
  if (typeof value === "number") return `it is a plain number; write ctx.values.cells(${value})`;
  return `it is ${value === null ? "null" : typeof value}; a value is bytes (ctx.values.*) or { cells }`;
}

function childProblems(children: unknown, path: string): Problem[] {
  if (children === undefined) return [];
  if (!Array.isArray(children))
    return [{ property: undefined, problem: `${path}children is not a list` }];
  return children.flatMap((child: GuestChild, i) => {
    const at = `${path}${typeof child?.name === "string" ? child.name : `children[${i}]`}/`;
    if (typeof child !== "object" || child === null || typeof child.name !== "string")
      return [{ property: undefined, problem: `${at} has no name` }];
    return [...propertyProblems(child.properties ?? {}, at), ...childProblems(child.children, at)];
  });
}

function propertyProblems(properties: unknown, path: string): Problem[] {
  if (typeof properties !== "object" || properties === null)
    return [{ property: undefined, problem: `${path || "the node"} has no properties object` }];
  return Object.entries(properties).flatMap(([property, value]) => {
    const problem = valueProblem(value);
    return problem ? [{ property: `${path}${property}`, problem }] : [];
  });
}

const TRIGGERS: readonly unknown[] = ["level", "edge"] satisfies IrqTrigger[];

/** What is wrong with a node's `trigger` for a device with `irqs` IRQs, or undefined. */
function triggerProblem(trigger: unknown, irqs: number): string | undefined {
  if (trigger === undefined || TRIGGERS.includes(trigger)) return undefined;
  if (!Array.isArray(trigger)) {
    return `'trigger' is ${typeof trigger === "string" ? JSON.stringify(trigger) : `a ${typeof trigger}`}; write "level", "edge" or a list of them, one per IRQ`;
  }
  if (trigger.length !== irqs)
    return `'trigger' lists ${trigger.length} triggers for the device's ${irqs} IRQ${irqs === 1 ? "" : "s"}`;
  const bad = trigger.findIndex((t) => !TRIGGERS.includes(t));
  return bad < 0
    ? undefined
    : `'trigger' of IRQ ${bad} is ${JSON.stringify(trigger[bad])}, neither "level" nor "edge"`;
}

/** Every problem with a node `build` returned for a device with `irqs` IRQs; empty when usable. */
export function nodeProblems(value: unknown, irqs: number): Problem[] {
  if (typeof value !== "object" || value === null)
    return [{ property: undefined, problem: "build returned no node" }];
  const node = value as Partial<DeviceNode>;
  const problems: Problem[] = [];
  if (typeof node.name !== "string" || node.name.length === 0)
    problems.push({ property: undefined, problem: "the node has no name" });
  problems.push(
    ...propertyProblems(node.properties ?? {}, ""),
    ...childProblems(node.children, ""),
  );
  const trigger = triggerProblem(node.trigger, irqs);
  if (trigger) problems.push({ property: undefined, problem: trigger });
  return problems;
}

function guardNode(
  name: string,
  origin: PluginOrigin,
  device: string,
  irqs: number,
  node: DeviceNode,
): DeviceNode {
  const problems = nodeProblems(node, irqs);
  if (problems.length === 0) return node;
  const first = problems.find((p) => p.property !== undefined);
  const listed = problems.map((p) => (p.property ? `'${p.property}': ${p.problem}` : p.problem));
  throw failure(
    name,
    origin,
    `built an unusable node for ${device}`,
    listed.join("; "),
    first?.property ? `${device}, property '${first.property}'` : undefined,
  );
}

/**
 * The options schema: a zod-like object, or what `options(z)` returns given platpass's zod 4.
 * `options(z)` runs when a device's options are first checked, not when the plugin loads:
 * building every plugin's schema was a twentieth of an offline `platpass dtb`, for the one or
 * two plugins a config uses. A plugin whose `options(z)` fails therefore fails, naming itself,
 * for the devices it serves. Without zod (a registry that only matches devices, e.g. for
 * `list`) validating options is refused as platpass's own bug.
 */
function optionsSchema(
  name: string,
  origin: PluginOrigin,
  options: BoardPlugin["options"],
  zod: typeof z | undefined,
): OptionsSchema<unknown> | undefined {
  if (typeof options !== "function") return options;
  if (!zod) {
    return {
      safeParse: () => {
        throw new Error(
          `plugin '${name}' was loaded without its options schema (optionSchemas: false)`,
        );
      },
    };
  }
  const make = guard(name, origin, (_z) => "failed in options(z)", options);
  let schema: OptionsSchema<unknown> | undefined;
  return {
    safeParse(value) {
      if (!schema) {
        const made = make(zod);
        if (typeof (made as { safeParse?: unknown })?.safeParse !== "function") {
          throw failure(name, origin, "returned no schema from options(z)", "it has no safeParse");
        }
        schema = made;
      }
      return schema.safeParse(value);
    },
  };
}

/** A copy of the plugin whose every callback is guarded. */
export function guardPlugin(
  plugin: BoardPlugin,
  origin: PluginOrigin,
  zod?: typeof z,
): BoardPlugin {
  const { name } = plugin;
  const declines = plugin.match.declines;
  const check = plugin.preconditions?.check;
  const schema = optionsSchema(name, origin, plugin.options, zod);
  const build = guard(
    name,
    origin,
    (ctx) => `failed in build() for ${ctx.host.name}`,
    plugin.build,
  );
  return {
    ...plugin,
    match: {
      ...plugin.match,
      ...(declines
        ? {
            declines: guard(
              name,
              origin,
              (host) => `failed in declines() for ${host.name}`,
              declines,
            ),
          }
        : {}),
    },
    ...(plugin.preconditions
      ? {
          preconditions: {
            ...plugin.preconditions,
            ...(check
              ? {
                  check: guard(
                    name,
                    origin,
                    (ctx) => `failed in check() for ${ctx.host.name}`,
                    check,
                  ),
                }
              : {}),
          },
        }
      : {}),
    ...(schema ? { options: schema } : {}),
    build: (ctx) => guardNode(name, origin, ctx.host.name, ctx.irqs.length, build(ctx)),
  };
}
