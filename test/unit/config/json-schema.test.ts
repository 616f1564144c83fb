import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CONFIG_SCHEMA_FILE,
  configJsonSchema,
  configJsonSchemaText,
} from "../../../src/config/json-schema.js";

const committed = new URL(`../../../${CONFIG_SCHEMA_FILE}`, import.meta.url);

describe("the exported JSON Schema", () => {
  it("matches the zod schema (regenerate with: npm run build)", () => {
    expect(readFileSync(committed, "utf8")).toBe(configJsonSchemaText());
  });

  it("rejects unknown keys and requires only devices", () => {
    const schema = configJsonSchema() as { required: string[]; additionalProperties: boolean };
    expect(schema.required).toEqual(["devices"]);
    expect(schema.additionalProperties).toBe(false);
  });
});
