/**
 * `JSON.stringify(doc, null, 2)` written a piece at a time, for documents whose lists are
 * too large to hold twice: `list --json` on a 300,000-device DTB was one 335 MB string, and
 * the objects it came from, at once. List elements are made, written and dropped a few dozen
 * at a time.
 */

/**
 * A field's value as JSON.stringify(…, null, 2) prints it one level inside a document. JSON
 * strings escape every newline, so each raw newline is a line break to indent.
 */
function fieldValue(value: unknown): string {
  return (JSON.stringify(value, null, 2) ?? "null").replaceAll("\n", "\n  ");
}

/**
 * List elements printed by one JSON.stringify and written by one `out` call: per element,
 * the re-indenting and the write cost more than the printing (300,000 devices: 6 s of 14).
 */
export const ELEMENTS_PER_WRITE = 64;

/** What JSON.stringify({ k: [...] }, null, 2) prints around the elements of k. */
const LIST_OPEN = '{\n  "k": [\n';
const LIST_CLOSE = "\n  ]\n}";

/**
 * Elements as a list two levels inside a document prints them, one per line group, joined
 * by commas: JSON.stringify indents a list that is a field of the top object just so.
 */
function listElements(batch: unknown[]): string {
  return JSON.stringify({ k: batch }, null, 2).slice(LIST_OPEN.length, -LIST_CLOSE.length);
}

/**
 * Writes, through `out` (each call ending a line: one per line of the head, one per up to
 * ELEMENTS_PER_WRITE list elements), the object with `fields` and then `lists` in their key
 * order, byte for byte what JSON.stringify(…, null, 2) gives for it with each list an array.
 * `drain`, awaited after every write of elements, is where a slow reader holds the writer
 * back; when it says the reader has gone, the writer stops.
 */
export async function writeJsonDocument(
  out: (text: string) => void,
  fields: Record<string, unknown>,
  lists: Record<string, Iterable<unknown>>,
  drain?: () => Promise<boolean>,
): Promise<void> {
  // JSON.stringify leaves out fields whose value it cannot print (undefined, functions).
  const head = Object.entries(fields).filter(([, v]) => JSON.stringify(v) !== undefined);
  const listEntries = Object.entries(lists);
  const total = head.length + listEntries.length;
  if (total === 0) {
    out("{}");
    return;
  }
  out("{");
  let written = 0;
  const comma = () => (++written < total ? "," : "");
  for (const [key, value] of head) out(`  ${JSON.stringify(key)}: ${fieldValue(value)}${comma()}`);
  for (const [key, items] of listEntries) {
    const it = items[Symbol.iterator]();
    let next = it.next();
    if (next.done) {
      out(`  ${JSON.stringify(key)}: []${comma()}`);
      continue;
    }
    out(`  ${JSON.stringify(key)}: [`);
    while (!next.done) {
      const batch: unknown[] = [];
      while (!next.done && batch.length < ELEMENTS_PER_WRITE) {
        batch.push(next.value);
        next = it.next();
      }
      out(`${listElements(batch)}${next.done ? "" : ","}`);
      if (drain && !(await drain())) return;
    }
    out(`  ]${comma()}`);
  }
  out("}");
}
