/**
 * Keys given twice in one JSON object. JSON.parse keeps the last silently, so
 * `"devices": […], "devices": []` would plan nothing and exit 0. One linear scan over text
 * JSON.parse has already accepted: strings, nesting and keys are all it needs to follow.
 */
import { jsonPath } from "./errors.js";

export interface DuplicateKey {
  /** JSON path of the repeated key. */
  path: string;
  /** 1-based line of its second appearance. */
  line: number;
}

interface Frame {
  kind: "object" | "array";
  path: PropertyKey[];
  keys: Set<string>;
  index: number;
  /** The key whose value comes next (objects). */
  key: string | undefined;
}

/** The end of the string starting at `at` (a quote); returns the index after the closing quote. */
function stringEnd(text: string, at: number): number {
  let i = at + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

export function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let line = 1;
  const childPath = (): PropertyKey[] => {
    const top = stack.at(-1);
    if (!top) return [];
    return top.kind === "object" ? [...top.path, top.key ?? ""] : [...top.path, top.index];
  };
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === "\n") line++;
    if (c === "{" || c === "[") {
      stack.push({
        kind: c === "{" ? "object" : "array",
        path: childPath(),
        keys: new Set(),
        index: 0,
        key: undefined,
      });
      i++;
    } else if (c === "}" || c === "]") {
      stack.pop();
      i++;
    } else if (c === ",") {
      const top = stack.at(-1);
      if (top?.kind === "array") top.index++;
      if (top?.kind === "object") top.key = undefined;
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top?.kind === "object" && top.key === undefined) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) found.push({ path: jsonPath([...top.path, key]), line });
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    } else {
      i++;
    }
  }
  return found;
}
