import type { z } from "zod";
import { ConfigError, type ConfigProblem, jsonPath } from "./errors.js";
import { type Config, ConfigSchema } from "./schema.js";

function describeIssue(issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: jsonPath([...issue.path, key]),
      message: "unknown key (a typo? the schema lists the known ones)",
    }));
  }
  return [{ path: jsonPath(issue.path), message: issue.message }];
}

/** Turns zod's issues into problems with JSON paths, in document order. */
export function problemsOf(error: z.ZodError): ConfigProblem[] {
  return error.issues.flatMap(describeIssue);
}

/**
 * Validates a parsed config object and applies the defaults. Throws a ConfigError listing
 * every problem. `where` names the file for the message.
 */
export function parseConfig(value: unknown, where = "config"): Config {
  const result = ConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(where, problemsOf(result.error));
  return result.data;
}
