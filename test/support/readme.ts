/** The README's code blocks, for tests that run what the README shows. */
import { readFileSync } from "node:fs";

export const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function body(fence: string, from: number, what: string): string {
  const start = readme.indexOf(fence, from);
  if (start < 0) throw new Error(`README has no ${what}`);
  const begin = start + fence.length;
  return readme.slice(begin, readme.indexOf("```", begin));
}

/** The body of the README code block whose info string is "<lang> <name>". */
export function readmeBlock(lang: string, name: string): string {
  return body(`\`\`\`${lang} ${name}\n`, 0, `\`\`\`${lang} ${name} block`);
}

/** The body of the first \`\`\`<lang> block after `text` in the README. */
export function readmeBlockAfter(text: string, lang: string): string {
  const at = readme.indexOf(text);
  if (at < 0) throw new Error(`README does not say ${JSON.stringify(text)}`);
  return body(`\`\`\`${lang}\n`, at, `\`\`\`${lang} block after ${JSON.stringify(text)}`);
}

/** The first Markdown table after `text` in the README: its lines, header to last row. */
export function readmeTableAfter(text: string): string {
  const at = readme.indexOf(text);
  if (at < 0) throw new Error(`README does not say ${JSON.stringify(text)}`);
  const lines = readme.slice(at).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  if (start < 0) throw new Error(`README has no table after ${JSON.stringify(text)}`);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("|"));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/**
 * README's injection table (after `<!-- injection -->`), as { "6.12 GICv3 iommufd-10.0": path }:
 * how the TPM's interrupt reached L2 for each host kernel line, GIC, VFIO path and QEMU.
 */
export function readmeInjectionTable(): Record<string, string> {
  const at = readme.indexOf("<!-- injection -->");
  if (at < 0) throw new Error("README has no <!-- injection --> table");
  const rows = [
    ...readme
      .slice(at)
      .matchAll(/^\s*\| (6\.1|6\.12) \| (GICv[23]) \| (\S+) \| (\S+) \| `([^`]+)` \|$/gm),
  ];
  if (rows.length === 0) throw new Error("README's injection table has no rows");
  return Object.fromEntries(rows.map((m) => [`${m[1]} ${m[2]} ${m[3]}-${m[4]}`, m[5]!]));
}
