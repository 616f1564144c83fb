import { execa } from "execa";
import { type BackportsQemu, provisionBackportsQemu } from "../env/backports-qemu.js";
import { prepareDebianBindings } from "../env/bindings.js";
import { EnvironmentError } from "../errors.js";
import { architecturesFor, packagesFor, type Role } from "./packages.js";
import { ensureQemuUser, type QemuUserReport } from "./qemu-user.js";

export interface ProvisionReport {
  role: Role;
  installed: string[];
  alreadyPresent: string[];
  architecturesAdded: string[];
  /** The tests' second QEMU (cached, not installed); only for the 'tests' role. */
  backportsQemu?: BackportsQemu & { fetched: boolean };
  /** Linux 6.1's processed bindings (cached); for the 'validate' and 'tests' roles. */
  bindings?: { source: string; schema: string; processed: boolean };
  /** The system user QEMU runs as, and what it took to make it; only for the 'launch' role. */
  qemuUser?: QemuUserReport;
}

/** Which of these packages dpkg reports as installed. */
export async function installedPackages(names: string[]): Promise<Set<string>> {
  // dpkg-query's own ${field} syntax, not a template literal.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query format string
  const r = await execa("dpkg-query", ["-W", "-f=${Package} ${db:Status-Status}\n", ...names], {
    reject: false,
  });
  const have = new Set<string>();
  for (const line of r.stdout.split("\n")) {
    const [name, status] = line.trim().split(" ");
    if (name && status === "installed") have.add(name);
  }
  return have;
}

async function foreignArchitectures(): Promise<string[]> {
  const r = await execa("dpkg", ["--print-foreign-architectures"], { reject: false });
  return r.stdout.split("\n").filter(Boolean);
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * Installs what the role needs when it is missing. Idempotent: a second run does nothing
 * and says so. Without root it installs nothing and says exactly what to run.
 * The 'tests' role also gets bookworm-backports' QEMU 10.0 into the cache, after the
 * packages, since those provide its shared libraries; 'validate' and 'tests' get Linux 6.1's
 * bindings processed into the cache (dt-schema, a package, does the processing).
 */
/**
 * Another apt or dpkg run (unattended-upgrades, a second provision) holds the dpkg lock for a
 * while: wait for it, as a person would, instead of failing at once.
 */
const WAIT_FOR_LOCK = ["-o", "DPkg::Lock::Timeout=300"];

export async function provision(
  role: Role,
  progress: (line: string) => void = () => {},
): Promise<ProvisionReport> {
  const report = await provisionPackages(role, progress);
  if (role === "tests") report.backportsQemu = await provisionBackportsQemu(progress);
  if (role === "launch") report.qemuUser = await ensureQemuUser(progress);
  if (role === "validate" || role === "tests") {
    const { source, schema, processed } = await prepareDebianBindings(progress);
    report.bindings = { source, schema, processed };
  }
  return report;
}

async function provisionPackages(
  role: Role,
  progress: (line: string) => void,
): Promise<ProvisionReport> {
  const wanted = packagesFor(role);
  const have = await installedPackages(wanted);
  const missing = wanted.filter((p) => !have.has(p));
  const foreign = await foreignArchitectures();
  const missingArch = architecturesFor(role).filter((a) => !foreign.includes(a));
  const report: ProvisionReport = {
    role,
    installed: [],
    alreadyPresent: wanted.filter((p) => have.has(p)),
    architecturesAdded: [],
  };
  if (missing.length === 0 && missingArch.length === 0) return report;

  const commands = [
    ...missingArch.map((a) => `dpkg --add-architecture ${a}`),
    "apt-get update",
    ...(missing.length ? [`apt-get install -y ${missing.join(" ")}`] : []),
  ];
  if (!isRoot()) {
    throw new EnvironmentError(
      "PROVISION_NEEDS_ROOT",
      `this machine lacks what the '${role}' role needs (${[...missing, ...missingArch.map((a) => `dpkg architecture ${a}`)].join(", ")}) and platpass is not root, so it cannot install them`,
      { hint: `Run as root: ${commands.join(" && ")}` },
    );
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const arch of missingArch) {
    progress(`provision: dpkg --add-architecture ${arch}`);
    await execa("dpkg", ["--add-architecture", arch]);
    report.architecturesAdded.push(arch);
  }
  progress("provision: apt-get update");
  const update = await execa("apt-get", [...WAIT_FOR_LOCK, "update"], {
    reject: false,
    env,
    all: true,
  });
  if (update.exitCode !== 0) {
    throw new EnvironmentError("PROVISION_APT_UPDATE", "apt-get update failed", {
      hint: `Check the machine's Debian sources and network. apt said: ${update.all?.split("\n").slice(-3).join(" ")}`,
    });
  }
  if (missing.length) {
    progress(`provision: apt-get install ${missing.join(" ")} (this can take a few minutes)`);
    const install = await execa(
      "apt-get",
      [...WAIT_FOR_LOCK, "install", "-y", "--no-install-recommends", ...missing],
      {
        reject: false,
        env,
        all: true,
      },
    );
    if (install.exitCode !== 0) {
      throw new EnvironmentError(
        "PROVISION_APT_INSTALL",
        `apt-get install ${missing.join(" ")} failed`,
        {
          hint: `apt said: ${install.all?.split("\n").slice(-5).join(" ")}`,
        },
      );
    }
    report.installed = missing;
  }
  return report;
}
