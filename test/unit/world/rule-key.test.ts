import { describe, expect, it } from "vitest";
import { ruleKey } from "../../../src/world/validate-plan.js";

const schema = "net/calxeda-xgmac.yaml";

describe("ruleKey", () => {
  it("reads a rule the same on the host node and on its guest node", () => {
    const host = { schema, message: "interrupts: [[0, 77, 4]] is too short" };
    const guest = { schema, message: "interrupts: [[0, 112, 4]] is too short" };
    expect(ruleKey(guest, "ethernet@0")).toBe(ruleKey(host, "ethernet@fff50000"));
  });

  it("blanks the node's own name where the message quotes it", () => {
    const host = {
      schema,
      message: "$nodename:0: 'mac@fff50000' does not match '^ethernet(@.*)?$'",
    };
    const guest = { schema, message: "$nodename:0: 'mac@0' does not match '^ethernet(@.*)?$'" };
    expect(ruleKey(guest, "mac@0")).toBe(ruleKey(host, "mac@fff50000"));
  });

  it("tells rules apart by property, by wording and by schema", () => {
    const base = { schema, message: "'clocks' is a required property" };
    const other = { schema, message: "'resets' is a required property" };
    expect(ruleKey(base, "ethernet@0")).not.toBe(ruleKey(other, "ethernet@0"));
    expect(ruleKey(base, "ethernet@0")).not.toBe(
      ruleKey({ ...base, schema: "net/snps,dwmac.yaml" }, "ethernet@0"),
    );
  });
});
