#!/usr/bin/env node
// Builds the VFIO addon from source with node-gyp into native/build/Release — the fallback
// for a machine the package ships no prebuilt addon for (prebuilds/ has linux-x64 and
// linux-arm64). Standalone: it needs only Node, the node-gyp that ships with npm, a C++
// compiler, make and python3, so it works inside node_modules/platpass as in a checkout.
//   node node_modules/platpass/native/build.mjs
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** npm hands lifecycle scripts its node-gyp; outside npm, the copy beside this Node's npm. */
export function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(
      dirname(process.execPath),
      "..",
      "lib",
      "node_modules",
      "npm",
      "node_modules",
      "node-gyp",
      "bin",
      "node-gyp.js",
    ),
  ].filter(Boolean);
  return candidates.find((c) => existsSync(c));
}

/** node-gyp's own verdict ("stack Error: ...") and the compiler's first error, if any. */
function gypReason(log) {
  const lines = log.split("\n");
  const verdict = lines.find((l) => l.includes("stack Error:"))?.replace(/^gyp ERR! stack /, "");
  const compiler = lines.find((l) => / error: /.test(l));
  return [verdict, compiler].filter(Boolean).join(" | ") || lines.slice(-6).join(" | ");
}

/**
 * node-gyp rebuild in `dir` (a folder holding binding.gyp and src/) against this Node's own
 * headers, so nothing is downloaded. Returns { ok, output, detail }.
 */
export function buildWithGyp(dir = here) {
  const output = join(dir, "build", "Release", "platpass_vfio.node");
  const gyp = nodeGyp();
  if (!gyp) return { ok: false, output, detail: "node-gyp not found (it ships with npm)" };
  const nodedir = join(dirname(process.execPath), "..");
  if (!existsSync(join(nodedir, "include", "node", "node_api.h"))) {
    return { ok: false, output, detail: `no Node headers under ${nodedir}/include/node` };
  }
  const r = spawnSync(process.execPath, [gyp, "rebuild", `--nodedir=${nodedir}`], {
    cwd: dir,
    encoding: "utf8",
  });
  if (r.error) return { ok: false, output, detail: `node-gyp: ${r.error.message}` };
  return r.status === 0
    ? { ok: true, output, detail: "built with node-gyp" }
    : { ok: false, output, detail: `node-gyp failed: ${gypReason(`${r.stdout}${r.stderr}`)}` };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = buildWithGyp();
  process.stderr.write(r.ok ? `native: ${r.output} (${r.detail})\n` : `native: ${r.detail}\n`);
  process.exitCode = r.ok ? 0 : 1;
}
