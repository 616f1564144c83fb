import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command gets to talk to the user; tests pass their own. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** Progress lines for long work; silent with --json so stdout stays parseable. */
  progress(text: string): void;
  /**
   * Resolves once stdout has taken what `out` gave it (true), or can take no more because its
   * reader left (false): a long output waits here instead of queueing in memory behind a
   * slow pipe, and stops making what nobody will read.
   */
  drain?(): Promise<boolean>;
  json: boolean;
}

export interface ParsedArgs {
  /** The command's name ("peek", "dt get"), for the messages of argument checks. */
  command: string;
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Everything after a literal `--`, untouched. */
  rest: string[];
}

/** A string option's value, or undefined. */
export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
