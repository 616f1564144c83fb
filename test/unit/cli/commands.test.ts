import { describe, expect, it } from "vitest";
import { commands } from "../../../src/cli/commands.js";

describe("the command registry", () => {
  it("lists each command under the name and summary its module declares", async () => {
    for (const entry of commands) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });

  it("has no two commands of the same name", () => {
    const names = commands.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
