import { jsonSchemaText } from "../config/json-schema.js";
import { PolicySchema } from "./schema.js";

/** Where the policy's exported schema lives in the package, beside the config's. */
export const POLICY_SCHEMA_FILE = "schema/platpass.policy.schema.json";

/** The exact text of the committed policy schema file. */
export function policyJsonSchemaText(): string {
  return jsonSchemaText(PolicySchema);
}
