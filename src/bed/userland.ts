/**
 * L1's userland: Debian bookworm arm64 (minbase plus QEMU, kmod, procps and dtc) from
 * `debootstrap --foreign`, whose second stage would need binfmt_misc; every downloaded
 * package is unpacked with `dpkg -x` instead. L1 mounts it read-only over 9p and chroots
 * into it; Node and the `platpass` wrapper are added under /usr/local.
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { aptMirror } from "../env/debian.js";
import { requireOnline } from "../env/offline.js";
import { cachedStep, type Progress, recipeDigest } from "../env/step.js";
import { EnvironmentError } from "../errors.js";
import { createQemuUserIn } from "../provision/qemu-user.js";
import type { BedNode } from "./node.js";

export const USERLAND_SUITE = "bookworm";
export const USERLAND_PACKAGES = ["qemu-system-arm", "kmod", "procps", "device-tree-compiler"];

/** Bumped when finishUserland() changes what it writes. */
const USERLAND_REVISION = 2;

/** Where L1 mounts the platpass checkout. */
export const CHECKOUT_MOUNT = "/platpass";
/** Where L1 mounts the nested guest's kernel and initramfs. */
export const L2_MOUNT = "/opt/platpass/l2";

/** The mirror apt already uses for the suite's arm64 packages. */
async function userlandMirror(): Promise<string> {
  const uri = await aptMirror(USERLAND_SUITE, "arm64");
  if (!uri) {
    throw new EnvironmentError(
      "BED_NO_MIRROR",
      `apt knows no source for ${USERLAND_SUITE}/main arm64 packages`,
      {
        hint: "Run 'platpass provision --for bed' (it adds the arm64 architecture and updates apt's lists).",
      },
    );
  }
  return uri;
}

export async function bedUserland(
  cacheDir: string,
  node: BedNode,
  progress: Progress,
): Promise<string> {
  return cachedStep(
    join(
      cacheDir,
      `userland-${recipeDigest(USERLAND_SUITE, USERLAND_PACKAGES, ALTERNATIVES, node.version, USERLAND_REVISION)}`,
    ),
    `building the L1 userland (debootstrap ${USERLAND_SUITE} arm64, dpkg -x)`,
    progress,
    async (root) => {
      requireOnline(`debootstrap ${USERLAND_SUITE}`);
      const mirror = await userlandMirror();
      const r = await execa(
        "debootstrap",
        [
          "--arch=arm64",
          "--variant=minbase",
          "--foreign",
          `--include=${USERLAND_PACKAGES.join(",")}`,
          USERLAND_SUITE,
          root,
          mirror,
        ],
        { reject: false, all: true },
      );
      if (r.exitCode !== 0) {
        throw new EnvironmentError("BED_DEBOOTSTRAP_FAILED", "debootstrap --foreign failed", {
          hint: `Check network access to the Debian mirror. debootstrap said: ${String(r.all ?? "")
            .split("\n")
            .slice(-4)
            .join(" ")}`,
        });
      }
      const archives = join(root, "var/cache/apt/archives");
      const debs = (await readdir(archives)).filter((f) => f.endsWith(".deb"));
      progress(`bed: unpacking ${debs.length} packages with dpkg -x`);
      for (const deb of debs) await execa("dpkg-deb", ["-x", join(archives, deb), root]);
      await execa("rm", ["-rf", archives, join(root, "debootstrap")]);
      await finishUserland(root, node);
    },
  );
}

const ALTERNATIVES: [string, string][] = [
  ["usr/bin/sh", "dash"],
  ["usr/bin/which", "which.debianutils"],
  ["usr/bin/awk", "mawk"],
];

/** What the packages' maintainer scripts would have done, as far as L1 needs it. */
async function finishUserland(root: string, node: BedNode): Promise<void> {
  for (const f of ["passwd", "group"]) {
    const master = await readFile(join(root, "usr/share/base-passwd", `${f}.master`), "utf8");
    await writeFile(join(root, "etc", f), master);
  }
  // QEMU's user, as 'platpass provision --for launch' makes it on a real host (that command
  // cannot run in L1: its root is read-only and it has no network for the packages).
  await createQemuUserIn(root);
  await writeFile(join(root, "etc/hostname"), "platpass-bed\n");
  for (const d of [
    "usr/lib/modules",
    "usr/local/bin",
    CHECKOUT_MOUNT.slice(1),
    L2_MOUNT.slice(1),
    "dev/pts",
  ]) {
    await mkdir(join(root, d), { recursive: true });
  }
  // Links dpkg's alternatives system would have made in the maintainer scripts.
  for (const [link, target] of ALTERNATIVES) {
    await execa("ln", ["-sfn", target, join(root, link)]);
  }
  await copyFile(node.binary, join(root, "usr/local/bin/node"));
  await execa("chmod", ["0755", join(root, "usr/local/bin/node")]);
  await writeFile(
    join(root, "usr/local/bin/platpass"),
    `#!/bin/sh\n# The mounted checkout's CLI: what is tested is what is built.\nexec /usr/local/bin/node ${CHECKOUT_MOUNT}/bin/platpass.js "$@"\n`,
    { mode: 0o755 },
  );
}
