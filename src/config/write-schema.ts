/**
 * Writes schema/platpass.config.schema.json from the zod schema. Run by `npm run build`
 * (`node dist/config/write-schema.js`) so the shipped file always matches the code; a unit
 * test fails when the committed file drifts.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_SCHEMA_FILE, configJsonSchemaText } from "./json-schema.js";

const target = fileURLToPath(new URL(`../../${CONFIG_SCHEMA_FILE}`, import.meta.url));
writeFileSync(target, configJsonSchemaText());
