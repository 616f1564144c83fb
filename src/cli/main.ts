import { parseArgs } from "node:util";
import { PlatpassError, UsageError } from "../errors.js";
import type { CommandIO, ParsedArgs } from "./command.js";
import { type CommandEntry, commands } from "./commands.js";

function findCommand(argv: string[]): { entry: CommandEntry; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(" ");
    const entry = commands.find((c) => c.name === name);
    if (entry) return { entry, rest: argv.slice(words) };
  }
  return undefined;
}

/**
 * Only the overview and --version read the package's version (package.json) and print a
 * table: a command's --help and its run do without both files, each a slow read inside the
 * emulated host.
 */
async function overview(): Promise<string> {
  const [{ table }, { version }] = await Promise.all([
    import("../text.js"),
    import("../version.js"),
  ]);
  const lines = table(commands.map((c) => [c.name, c.summary])).map((l) => `  ${l}`);
  return [
    `platpass ${version} — assign ARM platform devices to QEMU virt guests through vfio-platform`,
    "",
    "Usage: platpass <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Every command takes --help; commands that print data take --json.",
    "Set PLATPASS_DEBUG=1 to see stack traces.",
  ].join("\n");
}

function commandHelp(c: CommandEntry): string {
  const opts = Object.entries(c.options ?? {}).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const arg = spec.type === "string" ? ` <${name}>` : "";
    return `  ${short}--${name}${arg}`;
  });
  if (c.json) opts.push("      --json               machine-readable output");
  opts.push("  -h, --help               this help");
  return [
    `Usage: platpass ${c.name} ${c.usage}`.trimEnd(),
    "",
    c.help,
    "",
    "Options:",
    ...opts,
  ].join("\n");
}

function splitRest(argv: string[]): [string[], string[]] {
  const at = argv.indexOf("--");
  return at < 0 ? [argv, []] : [argv.slice(0, at), argv.slice(at + 1)];
}

function parse(c: CommandEntry, argv: string[]): ParsedArgs & { help: boolean; json: boolean } {
  const [mine, rest] = splitRest(argv);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: mine,
      options: {
        ...c.options,
        help: { type: "boolean", short: "h" },
        ...(c.json ? { json: { type: "boolean" } } : {}),
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError("CLI_BAD_OPTION", (e as Error).message, {
      where: `platpass ${c.name}`,
      hint: `Run 'platpass ${c.name} --help' for its options.`,
    });
  }
  const { help, json, ...values } = parsed.values;
  const positionals = parsed.positionals;
  const [min, max] = c.positionals ?? [0, 0];
  if (!help && (positionals.length < min || positionals.length > max)) {
    throw new UsageError(
      "CLI_BAD_ARGUMENTS",
      `'platpass ${c.name}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${positionals.length}`,
      { hint: `Usage: platpass ${c.name} ${c.usage}` },
    );
  }
  return { command: c.name, values, positionals, rest, help: help === true, json: json === true };
}

export function consoleIO(json: boolean): CommandIO {
  return {
    json,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    progress: (t) => {
      if (!json) process.stderr.write(`${t}\n`);
    },
    drain: () => drained(process.stdout),
  };
}

/** Streams whose reader went away: Node keeps such a stdout open and fails every write. */
const readerGone = new WeakSet<NodeJS.WriteStream>();

function drained(stream: NodeJS.WriteStream): Promise<boolean> {
  return new Promise((resolve) => {
    if (readerGone.has(stream) || !stream.writableNeedDrain) {
      resolve(!readerGone.has(stream));
      return;
    }
    // A reader that goes away never drains the stream: its EPIPE ends the wait too.
    const done = () => {
      stream.off("drain", done).off("close", done).off("error", done);
      resolve(!readerGone.has(stream));
    };
    stream.on("drain", done).on("close", done).on("error", done);
  });
}

/**
 * A reader that goes away (`platpass list --json | head`) ends the output, not the command:
 * the rest is dropped and the command finishes with its own exit status — a launch still
 * restores its devices. Without a listener Node throws EPIPE as an uncaught exception.
 */
function toleratePipeClose(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount("error") > 0) continue;
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") {
        readerGone.add(stream);
        return;
      }
      if (stream !== process.stderr)
        process.stderr.write(`platpass: cannot write output: ${e.message}\n`);
    });
  }
}

/** The first word of each command: bin/platpass.js keeps a code cache for each of these. */
export const commandWords: ReadonlySet<string> = new Set(
  commands.map((c) => c.name.split(" ")[0] ?? c.name),
);

const OVERVIEW_WORDS = new Set(["--help", "-h", "help"]);
const VERSION_WORDS = new Set(["--version", "-V"]);

/**
 * Whether `argv` runs a command's own code; false when main answers it from the command table
 * alone: the overview, the version, a command's --help, a usage error. bin/platpass.js asks the
 * table-only bundle this before it loads the whole CLI.
 */
export function runsCommand(argv: string[]): boolean {
  const first = argv[0];
  if (first === undefined || OVERVIEW_WORDS.has(first) || VERSION_WORDS.has(first)) return false;
  const found = findCommand(argv);
  if (!found) return false;
  try {
    return !parse(found.entry, found.rest).help;
  } catch {
    return false;
  }
}

/** Runs the CLI; returns the exit code. Only here do errors become text. */
export async function main(argv: string[]): Promise<number> {
  toleratePipeClose();
  const wantsJson = argv.includes("--json");
  const first = argv[0];
  try {
    if (first === undefined || OVERVIEW_WORDS.has(first)) {
      process.stdout.write(`${await overview()}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    if (VERSION_WORDS.has(first)) {
      process.stdout.write(`${(await import("../version.js")).version}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const known = [...new Set(commands.map((c) => c.name.split(" ")[0]))].join(", ");
      throw new UsageError(
        "CLI_UNKNOWN_COMMAND",
        `unknown command '${argv.slice(0, 2).join(" ")}'`,
        {
          hint: `Known commands: ${known}. Run 'platpass --help' for the list.`,
        },
      );
    }
    const args = parse(found.entry, found.rest);
    if (args.help) {
      process.stdout.write(`${commandHelp(found.entry)}\n`);
      return 0;
    }
    const { run } = await found.entry.load();
    return await run(args, consoleIO(args.json));
  } catch (e) {
    return report(e, wantsJson);
  }
}

function report(e: unknown, json: boolean): number {
  const debug = process.env.PLATPASS_DEBUG === "1";
  if (e instanceof PlatpassError) {
    if (json) process.stdout.write(`${JSON.stringify(e.toJSON(), null, 2)}\n`);
    process.stderr.write(`${e.paragraph()}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const message = (e as Error)?.message ?? String(e);
  if (json) {
    const internal = { error: "INTERNAL", class: "internal", message, exitCode: 70 };
    process.stdout.write(`${JSON.stringify(internal, null, 2)}\n`);
  }
  process.stderr.write(
    `platpass: internal error: ${message}. This is a bug in platpass; please report it with the output of PLATPASS_DEBUG=1.\n`,
  );
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 70;
}
