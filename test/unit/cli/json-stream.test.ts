import { describe, expect, it } from "vitest";
import { ELEMENTS_PER_WRITE, writeJsonDocument } from "../../../src/cli/json-stream.js";

/** What `io.out` would print: each call ends a line. */
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
    [
      { n: 1 },
      {
        devices: Array.from({ length: 2 * ELEMENTS_PER_WRITE + 1 }, (_, i) => ({ i, s: "a\nb" })),
        plugins: Array.from({ length: ELEMENTS_PER_WRITE }, (_, i) => [i, null]),
      },
    ],
  ])("prints JSON.stringify(…, null, 2)'s bytes for %j %j", async (fields, lists) => {
    expect(await printed(fields, lists)).toBe(
      `${JSON.stringify({ ...fields, ...lists }, null, 2)}\n`,
    );
  });

  it("makes elements as it writes them (a write's worth, and one ahead for the comma) and stops when the reader has gone", async () => {
    const made: number[] = [];
    const lines: string[] = [];
    const all = 10 * ELEMENTS_PER_WRITE;
    function* items() {
      for (let i = 0; i < all; i++) {
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
    const written = 2 * ELEMENTS_PER_WRITE;
    expect(made).toHaveLength(written + 1);
    const whole = JSON.stringify({ a: 1, items: made.map((i) => ({ i })) }, null, 2);
    const upTo = whole.indexOf(`{\n      "i": ${written}\n`);
    expect(lines.map((l) => `${l}\n`).join("")).toBe(whole.slice(0, upTo - "    ".length));
  });
});
