/**
 * The job the host hands L1 through the `job` 9p share: a POSIX shell script that sets
 * the environment, enters the checkout and execs the command, and the mode (run or shell).
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../errors.js";
import { CHECKOUT_MOUNT } from "./userland.js";

export type JobMode = "run" | "shell";

export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function jobScript(command: string[], env: Record<string, string> = {}): string {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError("BED_BAD_ENV", `'${name}' is not a valid environment variable name`);
    }
  }
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return [
    "# Written by platpass (src/bed/job.ts); run by L1's init inside the userland.",
    ...exports,
    `cd ${CHECKOUT_MOUNT}`,
    `exec ${command.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

export async function writeJob(
  dir: string,
  mode: JobMode,
  command: string[],
  env?: Record<string, string>,
): Promise<void> {
  await writeFile(join(dir, "mode"), `${mode}\n`);
  await writeFile(join(dir, "job.sh"), mode === "run" ? jobScript(command, env) : "");
}
