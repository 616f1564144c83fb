/**
 * Writes schema/platpass.config.schema.json and schema/platpass.policy.schema.json from the
 * zod schemas. Run by `npm run build` (`node dist/config/write-schema.js`) so the shipped
 * files always match the code; a unit test fails when a committed file drifts.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { POLICY_SCHEMA_FILE, policyJsonSchemaText } from "../policy/json-schema.js";
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from "./json-schema.js";

const schemas: [file: string, text: string][] = [
  [CONFIG_SCHEMA_FILE, configJsonSchemaText()],
  [POLICY_SCHEMA_FILE, policyJsonSchemaText()],
];
for (const [file, text] of schemas) {
  writeFileSync(fileURLToPath(new URL(`../../${file}`, import.meta.url)), text);
}
