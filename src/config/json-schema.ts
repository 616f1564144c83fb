import { z } from "zod";
import { ConfigSchema } from "./schema.js";

/** Where the exported schema lives in the package, relative to its root. */
export const CONFIG_SCHEMA_FILE = "schema/platpass.config.schema.json";

/** A zod schema as editors read it: what may be written, defaults included. */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}

/** The exact text of a committed schema file. */
export function jsonSchemaText(schema: z.ZodType): string {
  return `${JSON.stringify(jsonSchemaOf(schema), null, 2)}\n`;
}

/** The config's JSON Schema. */
export function configJsonSchema(): Record<string, unknown> {
  return jsonSchemaOf(ConfigSchema);
}

/** The exact text of the committed config schema file. */
export function configJsonSchemaText(): string {
  return jsonSchemaText(ConfigSchema);
}
