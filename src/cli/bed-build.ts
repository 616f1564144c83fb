import { buildBed } from "../bed/index.js";
import { summarizeBed } from "../bed/summary.js";
import type { Command } from "./command.js";

const MiB = 1024 * 1024;

export const bedBuildCommand: Command = {
  name: "bed build",
  summary: "fetch and build the emulated ARM host's assets (idempotent, cached)",
  usage: "[--json]",
  help: "Downloads (once) Debian's arm64 kernel, headers, sources and userland and Node for arm64,\ncross-builds the modules the kernel lacks, and packs the L1 and nested-guest initramfs\nimages, each step cached under the platpass cache directory. A second run does nothing.\nPLATPASS_OFFLINE=1 forbids downloads.",
  json: true,
  async run(_args, io) {
    const summary = await summarizeBed(await buildBed({ progress: io.progress }));
    if (io.json) {
      io.out(JSON.stringify(summary, null, 2));
      return 0;
    }
    io.out(`bed ${summary.key} in ${summary.dir}`);
    io.out(`  kernel    ${summary.kernel.abi} (${summary.kernel.version})`);
    io.out(`  node      ${summary.node} arm64`);
    io.out(`  userland  ${summary.userland}`);
    io.out(`  modules   ${summary.modules.join(" ")}`);
    for (const [name, size] of Object.entries(summary.sizes)) {
      io.out(`  size      ${name.padEnd(12)} ${(size / MiB).toFixed(1)} MiB`);
    }
    io.out(`  L2 in L1  ${summary.l2.kernel} ${summary.l2.initramfs}`);
    return 0;
  },
};
