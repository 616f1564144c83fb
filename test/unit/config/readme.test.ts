/** The README's config section, checked against the config parser. */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/parse.js";
import { readmeBlockAfter } from "../../support/readme.js";

describe("README", () => {
  it("the complete config example is valid, and has nothing but the required devices", () => {
    const raw = JSON.parse(readmeBlockAfter("this is a complete config:", "json"));
    expect(Object.keys(raw)).toEqual(["devices"]);
    expect(parseConfig(raw).devices).toEqual([expect.objectContaining({ host: "e0700000.xgmac" })]);
  });
});
