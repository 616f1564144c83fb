import { UsageError } from "../errors.js";
import { provision } from "../provision/apt.js";
import { ROLE_PACKAGES, type Role } from "../provision/packages.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const role = stringOption(args, "for") ?? "tests";
  if (!(role in ROLE_PACKAGES)) {
    throw new UsageError("CLI_BAD_ROLE", `unknown role '${role}'`, {
      hint: `Roles: ${Object.keys(ROLE_PACKAGES).join(", ")}.`,
    });
  }
  const report = await provision(role as Role, io.progress);
  if (io.json) {
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  if (report.installed.length || report.architecturesAdded.length)
    io.out(
      `provision: installed ${report.installed.join(" ") || "nothing"}; architectures added: ${report.architecturesAdded.join(" ") || "none"}`,
    );
  else io.out(`provision: every Debian package for '${role}' is already present`);
  const b = report.bindings;
  if (b)
    io.out(
      `provision: ${b.processed ? "processed" : "already cached"} the device-tree bindings of ${b.source} at ${b.schema}`,
    );
  const u = report.qemuUser;
  if (u)
    io.out(
      u.ran.length
        ? `provision: QEMU's user ${u.name}: ${u.ran.join("; ")}`
        : `provision: QEMU's user ${u.name} exists and is in group kvm`,
    );
  const q = report.backportsQemu;
  if (q)
    io.out(
      `provision: ${q.fetched ? "fetched" : "already cached"} qemu-system-aarch64 ${q.version} (bookworm-backports, ${q.arch}) at ${q.binary}`,
    );
  return 0;
}
