import { z } from "zod";
import { ConfigSchema } from "./schema.js";

/** Where the exported schema lives in the package, relative to its root. */
export const CONFIG_SCHEMA_FILE = "schema/platpass.config.schema.json";

/** The config's JSON Schema as editors read it: what may be written, defaults included. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
}

/** The exact text of the committed schema file. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
