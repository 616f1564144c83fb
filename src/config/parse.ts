import { z } from "zod";
import { closeMatches } from "../close-matches.js";
import { ConfigError, type ConfigProblem, jsonPath } from "./errors.js";
import { type Config, ConfigSchema } from "./schema.js";

/** The schema below wrappers (default, optional) and, following `path`, inside objects and arrays. */
function schemaAt(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
): z.core.$ZodType | undefined {
  let at: z.core.$ZodType | undefined = schema;
  for (let i = 0; at && i <= path.length; ) {
    const def = at._zod.def as { type: string; innerType?: z.core.$ZodType };
    if (def.innerType) {
      at = def.innerType;
    } else if (i === path.length) {
      break;
    } else if (at instanceof z.ZodObject) {
      at = at.shape[String(path[i])] as z.core.$ZodType | undefined;
      i++;
    } else if (at instanceof z.ZodArray) {
      at = at.element as z.core.$ZodType;
      i++;
    } else {
      return undefined;
    }
  }
  return at;
}

function knownKeys(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const at = schemaAt(schema, path);
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

function unknownKey(
  schema: z.core.$ZodType,
  path: readonly PropertyKey[],
  key: string,
): ConfigProblem {
  const known = knownKeys(schema, path);
  const close = closeMatches(key, known, 3);
  const message = close.length
    ? `unknown key; did you mean ${close.map((c) => `'${c}'`).join(" or ")}?`
    : `unknown key; known here: ${known.join(", ") || "none"}`;
  return { path: jsonPath([...path, key]), message };
}

function describeIssue(schema: z.core.$ZodType, issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code === "unrecognized_keys")
    return issue.keys.map((key) => unknownKey(schema, issue.path, key));
  return [{ path: jsonPath(issue.path), message: issue.message }];
}

/**
 * Turns zod's issues into problems with JSON paths, in document order; an unknown key gets
 * the close matches among the keys `schema` (the one that was parsed) knows at its place.
 */
export function problemsOf(
  error: z.ZodError,
  schema: z.core.$ZodType = ConfigSchema,
): ConfigProblem[] {
  return error.issues.flatMap((issue) => describeIssue(schema, issue));
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
