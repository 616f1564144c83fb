import { UsageError } from "../errors.js";
import { provision } from "../provision/apt.js";
import { ROLE_PACKAGES, type Role } from "../provision/packages.js";
import { type Command, stringOption } from "./command.js";

export const provisionCommand: Command = {
  name: "provision",
  summary: "install the Debian packages a role needs (idempotent; root)",
  usage: "[--for plan|launch|bed|tests] [--json]",
  help: "Installs, with apt-get, the Debian packages the role needs when they are missing, and adds\nthe arm64 dpkg architecture for the emulated host. Does nothing when all is present. Without\nroot it installs nothing and prints the exact commands to run. For 'tests' it also fetches\nbookworm-backports' qemu-system-aarch64 10.0 into the platpass cache (not installed\nsystem-wide): the tests' second QEMU, with vfio-platform's fd and iommufd.",
  options: { for: { type: "string" } },
  json: true,
  async run(args, io) {
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
    const q = report.backportsQemu;
    if (q)
      io.out(
        `provision: ${q.fetched ? "fetched" : "already cached"} qemu-system-aarch64 ${q.version} (bookworm-backports, ${q.arch}) at ${q.binary}`,
      );
    return 0;
  },
};
