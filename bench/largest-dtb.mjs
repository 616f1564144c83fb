// The largest board DTB in Debian's arm64 kernel package: the real input the benches measure.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { debianPackage, newestArm64KernelAbi } from "../dist/env/debian.js";

/** { path, size, shown } of the largest .dtb, `shown` being its path inside the package. */
export async function largestDebianDtb() {
  const pkg = await debianPackage(`linux-image-${await newestArm64KernelAbi()}`, "arm64");
  let best = { path: "", size: 0 };
  for (const e of readdirSync(join(pkg.root, "usr", "lib"), {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!e.isFile() || !e.name.endsWith(".dtb")) continue;
    const path = join(e.parentPath, e.name);
    const size = statSync(path).size;
    if (size > best.size) best = { path, size };
  }
  return { ...best, shown: best.path.slice(pkg.root.length) };
}
