import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DocumentError } from "../../../src/config/errors.js";
import { POLICY_SCHEMA_FILE, policyJsonSchemaText } from "../../../src/policy/json-schema.js";
import { parsePolicy, parsePolicyText } from "../../../src/policy/parse.js";

function problems(text: string): { path: string; message: string }[] {
  try {
    parsePolicyText(text, "policy.json");
  } catch (e) {
    if (e instanceof DocumentError && e.code === "POLICY_INVALID") return e.problems;
    throw e;
  }
  throw new Error("expected the policy to be rejected");
}

describe("the policy schema", () => {
  it("accepts every documented key and defaults action to allow", () => {
    const policy = parsePolicy(
      {
        $schema: "./schema/platpass.policy.schema.json",
        rules: [
          { name: "c000000.tpm_tis", action: "deny", comment: "host's" },
          { compatible: "snps,*", iommuGroup: 2, users: ["alice", 1001], groups: ["vfio", 120] },
        ],
      },
      "policy.json",
    );
    expect(policy.rules[1]).toEqual({
      action: "allow",
      compatible: "snps,*",
      iommuGroup: 2,
      users: ["alice", 1001],
      groups: ["vfio", 120],
    });
  });

  it("reports every problem with its JSON path, and a close match for a mistyped key", () => {
    expect(
      problems(
        JSON.stringify({
          rules: [{ nmae: "x" }, { compatible: 3 }, { name: "a/b", users: [] }, { iommuGroup: -1 }],
        }),
      ),
    ).toEqual([
      { path: "$.rules[0].nmae", message: "unknown key; did you mean 'name'?" },
      {
        path: "$.rules[0]",
        message:
          "a rule says which devices it is about: give 'name', 'compatible' or 'iommuGroup' (compatible '*' is every device)",
      },
      { path: "$.rules[1].compatible", message: expect.stringContaining("expected string") },
      { path: "$.rules[2].name", message: "\"a/b\" is not a sysfs device name: it contains '/'" },
      { path: "$.rules[2].users", message: expect.stringContaining(">=1") },
      { path: "$.rules[3].iommuGroup", message: expect.stringContaining(">=0") },
    ]);
  });

  it("refuses an action other than allow or deny, and a missing rules list", () => {
    expect(problems('{"rules":[{"name":"x","action":"permit"}]}')[0]?.path).toBe(
      "$.rules[0].action",
    );
    expect(problems("{}")).toEqual([{ path: "$.rules", message: expect.any(String) }]);
  });

  it("reports a key given twice, and a syntax error with its line and column", () => {
    expect(problems('{"rules": [],\n"rules": []}')).toEqual([
      {
        path: "$.rules",
        message:
          "given twice (again at line 2); JSON keeps only the last, so one of them would be ignored",
      },
    ]);
    expect(problems('{"rules": [\n  {"name": "x",}\n]}')[0]?.message).toMatch(
      /^not valid JSON at line 2, column \d+/,
    );
  });

  it("is an input error (exit 3) under its own code, naming the file", () => {
    expect(() => parsePolicyText("{}", "/etc/platpass/policy.json")).toThrow(
      expect.objectContaining({
        code: "POLICY_INVALID",
        exitCode: 3,
        where: "/etc/platpass/policy.json",
      }),
    );
  });

  it("matches the committed JSON Schema (regenerate with: npm run build)", () => {
    const committed = new URL(`../../../${POLICY_SCHEMA_FILE}`, import.meta.url);
    expect(readFileSync(committed, "utf8")).toBe(policyJsonSchemaText());
  });
});
