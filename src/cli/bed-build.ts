import { buildBed } from "../bed/index.js";
import { summarizeBed } from "../bed/summary.js";
import { kernelOption } from "./bed-options.js";
import type { CommandIO, ParsedArgs } from "./command.js";

const MiB = 1024 * 1024;

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const summary = await summarizeBed(
    await buildBed({ ...kernelOption(args), progress: io.progress }),
  );
  if (io.json) {
    io.out(JSON.stringify(summary, null, 2));
    return 0;
  }
  io.out(`bed ${summary.key} in ${summary.dir}`);
  io.out(
    `  kernel    ${summary.kernel.abi} (${summary.kernel.version}, line ${summary.kernel.line})`,
  );
  io.out(`  node      ${summary.node} arm64`);
  io.out(`  userland  ${summary.userland}`);
  io.out(`  modules   ${summary.modules.join(" ")}`);
  for (const [name, size] of Object.entries(summary.sizes)) {
    io.out(`  size      ${name.padEnd(12)} ${(size / MiB).toFixed(1)} MiB`);
  }
  io.out(`  L2 in L1  ${summary.l2.kernel} ${summary.l2.initramfs}`);
  if (summary.l2.qemu) io.out(`  QEMU      ${summary.l2.qemu} (for L2)`);
  return 0;
}
