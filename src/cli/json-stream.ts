/**
 * `JSON.stringify(doc, null, 2)` written a piece at a time, for documents whose lists are
 * too large to hold twice: `list --json` on a 300,000-device DTB was one 335 MB string, and
 * the objects it came from, at once. Each list element is made, written and dropped in turn.
 */

/**
 * One value as JSON.stringify(…, null, 2) prints it `depth` levels inside a document. JSON
 * strings escape every newline, so each raw newline is a line break to indent. undefined
 * (which JSON has not) prints as an array element would: null.
 */
function nested(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2) ?? "null";
  return text.replaceAll("\n", `\n${"  ".repeat(depth)}`);
}

/**
 * Writes, through `out` (one call per line or per element, each ending a line), the object
 * with `fields` and then `lists` in their key order, byte for byte what JSON.stringify(…,
 * null, 2) gives for it with each list an array. `drain`, awaited after every element, is
 * where a slow reader holds the writer back; when it says the reader has gone, the writer
 * stops.
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
  for (const [key, value] of head) out(`  ${JSON.stringify(key)}: ${nested(value, 1)}${comma()}`);
  for (const [key, items] of listEntries) {
    const it = items[Symbol.iterator]();
    let next = it.next();
    if (next.done) {
      out(`  ${JSON.stringify(key)}: []${comma()}`);
      continue;
    }
    out(`  ${JSON.stringify(key)}: [`);
    while (!next.done) {
      const element = nested(next.value, 2);
      next = it.next();
      out(`    ${element}${next.done ? "" : ","}`);
      if (drain && !(await drain())) return;
    }
    out(`  ]${comma()}`);
  }
  out("}");
}
