import { doctor } from "../provision/doctor.js";
import type { Command } from "./command.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "what this machine has and lacks for planning, launching, the emulated host and tests",
  usage: "[--json]",
  help: "Checks QEMU (and whether it still has vfio-platform), dtc, swtpm, KVM, the vfio modules,\nthe Debian packages each role needs and apt reachability. Each lack comes with the command\nthat fixes it. Exits 0 even when something is missing: it reports, it does not judge.",
  json: true,
  async run(_args, io) {
    const checks = await doctor();
    if (io.json) {
      io.out(JSON.stringify({ checks }, null, 2));
      return 0;
    }
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) {
      io.out(
        `${c.ok ? "ok  " : "MISS"}  ${c.name.padEnd(width)}  ${c.detail}  [${c.roles.join(",")}]`,
      );
      if (!c.ok && c.fix) io.out(`${" ".repeat(width + 8)}fix: ${c.fix}`);
    }
    return 0;
  },
};
