import { access, constants, readFile } from "node:fs/promises";
import { execa } from "execa";
import { DEFAULT_QEMU_USER } from "../config/schema.js";
import {
  BACKPORTS_SUITE,
  backportsQemuCacheDir,
  cachedBackportsQemu,
} from "../env/backports-qemu.js";
import { bindingsRoot, cachedDefaultBindings } from "../env/bindings.js";
import { isPlatpassError } from "../errors.js";
import { hostKvm, kvmVerdict } from "../machvirt/accel.js";
import { readPolicy } from "../policy/load.js";
import { loadAddon, sourceBuildCommand } from "../vfio/load.js";
import { installedPackages } from "./apt.js";
import type { Check } from "./check.js";
import { packagesFor, type Role } from "./packages.js";
import { qemuChecks } from "./qemu-checks.js";
import { qemuUserTodo } from "./qemu-user.js";

export type Probe = () => Promise<Check[]>;

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function tool(cmd: string, args: string[]): Promise<string | undefined> {
  const r = await execa(cmd, args, { reject: false, all: true, timeout: 20_000 });
  return r.exitCode === 0 ? (r.all ?? "") : undefined;
}

const packagesProbe: Probe = async () => {
  const roles: Role[] = ["plan", "bed", "validate", "tests"];
  const checks: Check[] = [];
  for (const role of roles) {
    const wanted = packagesFor(role);
    const have = await installedPackages(wanted);
    const missing = wanted.filter((p) => !have.has(p));
    checks.push({
      roles: [role],
      name: `debian packages for ${role}`,
      ok: missing.length === 0,
      detail: missing.length ? `missing: ${missing.join(" ")}` : `${wanted.length} installed`,
      ...(missing.length
        ? { fix: `platpass provision --for ${role}  (or: apt-get install -y ${missing.join(" ")})` }
        : {}),
    });
  }
  return checks;
};

const toolsProbe: Probe = async () => {
  const checks: Check[] = await qemuChecks();
  const dtc = await tool("dtc", ["--version"]);
  checks.push({
    roles: ["plan", "tests"],
    name: "dtc",
    ok: dtc !== undefined,
    detail: dtc?.trim() ?? "dtc not found",
    ...(dtc ? {} : { fix: "apt-get install -y device-tree-compiler" }),
  });
  const dtValidate = await tool("dt-validate", ["-V"]);
  checks.push({
    roles: ["validate", "tests"],
    name: "dt-validate",
    ok: dtValidate !== undefined,
    detail: dtValidate ? `dt-schema ${dtValidate.trim()}` : "dt-validate not found",
    ...(dtValidate ? {} : { fix: "apt-get install -y dt-schema" }),
  });
  const swtpm = await tool("swtpm", ["--version"]);
  checks.push({
    roles: ["bed", "tests"],
    name: "swtpm",
    ok: swtpm !== undefined,
    detail: swtpm?.split("\n")[0]?.trim() ?? "swtpm not found",
    ...(swtpm ? {} : { fix: "apt-get install -y swtpm swtpm-tools" }),
  });
  return checks;
};

const kernelProbe: Probe = async () => {
  const facts = hostKvm();
  const kvm = kvmVerdict(facts);
  const vfio = await exists("/dev/vfio/vfio");
  const modules = (await readFile("/proc/modules", "utf8").catch(() => ""))
    .split("\n")
    .map((l) => l.split(" ")[0]);
  const platform = modules.includes("vfio_platform") || (await exists("/sys/module/vfio_platform"));
  return [
    {
      roles: ["launch"],
      name: "KVM",
      ok: kvm.usable,
      detail: kvm.usable
        ? "/dev/kvm opens on this arm64 host"
        : `no KVM for aarch64 guests: ${kvm.reason} (guests run under TCG, slowly)`,
      ...(kvm.usable
        ? {}
        : {
            fix:
              facts.arch === "arm64"
                ? "boot the host at EL2 with KVM enabled, and run as root or a member of group kvm"
                : "run guests on an arm64 host, or under TCG here ('platpass bed' does)",
          }),
    },
    {
      roles: ["launch"],
      name: "vfio",
      ok: vfio,
      detail: vfio ? "/dev/vfio/vfio present" : "no /dev/vfio/vfio",
      ...(vfio ? {} : { fix: "modprobe vfio vfio_iommu_type1" }),
    },
    {
      roles: ["launch"],
      name: "vfio-platform",
      ok: platform,
      detail: platform ? "vfio_platform loaded" : "vfio_platform module not loaded",
      ...(platform ? {} : { fix: "modprobe vfio-platform reset_required=0" }),
    },
  ];
};

const aptProbe: Probe = async () => {
  const r = await execa("apt-cache", ["policy", "qemu-system-arm"], {
    reject: false,
    timeout: 20_000,
  });
  const candidate = r.stdout.match(/Candidate:\s*(\S+)/)?.[1];
  const ok = r.exitCode === 0 && candidate !== undefined && candidate !== "(none)";
  return [
    {
      roles: ["bed", "tests"],
      name: "Debian package archive",
      ok,
      detail: ok
        ? `apt knows qemu-system-arm ${candidate}`
        : "apt has no candidate for qemu-system-arm",
      ...(ok ? {} : { fix: "apt-get update (and check /etc/apt/sources.list)" }),
    },
  ];
};

// The VFIO addon: where it loaded from, or every path tried and what the build reported.
const addonProbe: Probe = async () => {
  const r = loadAddon();
  const tried = r.attempts.map((a) => `${a.path}: ${a.result} (${a.detail})`).join("; ");
  return [
    {
      roles: ["launch"],
      name: "native VFIO addon",
      ok: r.ok,
      detail: r.ok
        ? `loaded ${r.path}`
        : `unavailable: tried ${tried}; ${r.buildReport.join("; ")}`,
      ...(r.ok ? {} : { fix: `${sourceBuildCommand()} (needs Linux, g++, make and python3)` }),
    },
  ];
};

// The tests' second QEMU: whether provision has put it in the cache, and whether it runs
// (its shared libraries come from the Debian packages, so a cache copied to another machine
// may hold a binary that does not start). Reads the cache only; never fetches.
const backportsQemuProbe: Probe = async () => {
  const name = `${BACKPORTS_SUITE} QEMU (tests' second QEMU)`;
  const fix = "platpass provision --for tests";
  const q = await cachedBackportsQemu().catch(() => undefined);
  if (!q) {
    return [
      {
        roles: ["tests"],
        name,
        ok: false,
        detail: `not fetched (cache: ${backportsQemuCacheDir()})`,
        fix,
      },
    ];
  }
  const version = await tool(q.binary, ["--version"]);
  return [
    {
      roles: ["tests"],
      name,
      ok: version !== undefined,
      detail:
        version !== undefined
          ? `${q.version} at ${q.binary}`
          : `${q.version} at ${q.binary} does not run (a shared library missing?)`,
      ...(version !== undefined ? {} : { fix }),
    },
  ];
};

// The bindings --validate checks against: whether provision has processed them. Reads the
// cache only; never fetches or processes.
const bindingsProbe: Probe = async () => {
  const b = await cachedDefaultBindings();
  return [
    {
      roles: ["validate", "tests"],
      name: "Linux 6.1 bindings (processed schema)",
      ok: b !== undefined,
      detail: b ? `${b.source} at ${b.schema}` : `not processed (cache: ${bindingsRoot()})`,
      ...(b ? {} : { fix: "platpass provision --for validate" }),
    },
  ];
};

// The assignable-devices policy: none in force, its rules, or why launch and detach would
// refuse it. A refused or invalid file fails the check, with the error's own fix.
function policyProbe(file: string): Probe {
  return async () => {
    const name = "assignable-devices policy";
    try {
      const loaded = await readPolicy(file);
      const n = loaded?.policy.rules.length ?? 0;
      const detail = loaded
        ? `${file}: ${n} rule${n === 1 ? "" : "s"}; launch and detach assign only what it allows`
        : `none in force (${file} does not exist): any device may be assigned`;
      return [{ roles: ["launch"], name, ok: true, detail }];
    } catch (e) {
      if (!isPlatpassError(e)) throw e;
      const detail = `${e.message.trimEnd()} [${e.code}]`;
      return [{ roles: ["launch"], name, ok: false, detail, ...(e.hint ? { fix: e.hint } : {}) }];
    }
  };
}

// The system user QEMU runs as by default (qemu.user): there, and in group kvm.
const qemuUserProbe: Probe = async () => {
  const todo = await qemuUserTodo();
  const detail = todo.length
    ? `missing: ${todo.map((c) => c.join(" ")).join("; ")}`
    : `${DEFAULT_QEMU_USER} exists and is in group kvm`;
  return [
    {
      roles: ["launch"],
      name: "QEMU's user",
      ok: todo.length === 0,
      detail,
      ...(todo.length ? { fix: "platpass provision --for launch" } : {}),
    },
  ];
};

/** Further probes registered by other parts (the native addon, the emulated host). */
export const probes: Probe[] = [
  qemuUserProbe,
  toolsProbe,
  packagesProbe,
  kernelProbe,
  aptProbe,
  addonProbe,
  backportsQemuProbe,
  bindingsProbe,
];

/** Every check; `policyFile` is the assignable-devices policy to report on. */
export async function doctor(policyFile: string): Promise<Check[]> {
  const results = await Promise.all([...probes, policyProbe(policyFile)].map((p) => p()));
  return results.flat();
}
