import { describe, expect, it } from "vitest";
import { writeJsonDocument } from "../../../src/cli/json-stream.js";

/** What `io.out` would print: each call one line. */
async function printed(
  fields: Record<string, unknown>,
  lists: Record<string, unknown[]>,
  drain?: () => Promise<boolean>,
): Promise<string> {
  const lines: string[] = [];
  await writeJsonDocument((t) => lines.push(t), fields, lists, drain);
  return lines.map((l) => `${l}\n`).join("");
}

describe("writeJsonDocument", () => {
  it.each([
    [{ source: "dtb", origin: "/b/x.dtb", host: { a: 1, notes: ["x\ny"], u: undefined } }, {}],
    [{}, { devices: [{ name: "a", regions: [{ size: 1 }], irqs: [] }, { name: "b" }] }],
    [{ s: 'quote " and \\ and \n' }, { devices: [], plugins: [[1, [2, {}]], null, "t"] }],
    [{ gone: undefined, f: () => 1, n: null }, { devices: [undefined, { deep: { er: [[]] } }] }],
    [{}, {}],
  ])("prints JSON.stringify(…, null, 2)'s bytes for %j %j", async (fields, lists) => {
    expect(await printed(fields, lists)).toBe(
      `${JSON.stringify({ ...fields, ...lists }, null, 2)}\n`,
    );
  });

  it("makes elements as it writes them (one ahead, for the comma) and stops when the reader has gone", async () => {
    const made: number[] = [];
    const lines: string[] = [];
    function* items() {
      for (let i = 0; i < 5; i++) {
        made.push(i);
        yield { i };
      }
    }
    let calls = 0;
    await writeJsonDocument(
      (t) => lines.push(t),
      { a: 1 },
      { items: items() },
      async () => {
        calls++;
        return calls < 2;
      },
    );
    expect(made).toEqual([0, 1, 2]);
    expect(lines).toEqual([
      "{",
      '  "a": 1,',
      '  "items": [',
      '    {\n      "i": 0\n    },',
      '    {\n      "i": 1\n    },',
    ]);
  });
});
