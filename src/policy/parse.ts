/**
 * A policy file's text to a Policy: the config's JSON reading (line and column of a syntax
 * error, keys given twice) and its zod problems with JSON paths, under the policy's own code.
 */
import { type ConfigProblem, DocumentError, type DocumentKind } from "../config/errors.js";
import { parseJsonDocument } from "../config/load.js";
import { problemsOf } from "../config/parse.js";
import { type Policy, PolicySchema } from "./schema.js";

/** A policy that breaks one or more of the schema's rules: an input error (exit 3). */
const POLICY_KIND: DocumentKind = {
  code: "POLICY_INVALID",
  noun: "assignable-devices policy",
  hint: 'Fix each listed path; schema/platpass.policy.schema.json documents every key (point your editor at it with "$schema"). While the file is invalid, launch and detach refuse every device.',
};

function invalid(file: string, problems: ConfigProblem[], hint?: string): DocumentError {
  return new DocumentError(POLICY_KIND, file, problems, hint);
}

/** Validates a parsed policy; throws POLICY_INVALID listing every problem with its JSON path. */
export function parsePolicy(value: unknown, file: string): Policy {
  const result = PolicySchema.safeParse(value);
  if (!result.success) throw invalid(file, problemsOf(result.error, PolicySchema));
  return result.data;
}

/** Parses and validates a policy file's text. */
export function parsePolicyText(text: string, file: string): Policy {
  const value = parseJsonDocument(text, (problems, hint) => invalid(file, problems, hint));
  return parsePolicy(value, file);
}
