/**
 * The package as a first-time user gets it: packed, installed into a scratch project whose
 * PATH has no compiler and whose own zod is 3, and used there — the CLI offline on this x86
 * machine (real QEMU for the base DTB, real dtc), the library from a script, doctor's view of
 * the prebuilt addon, a closed pipe, and plugins with bugs.
 */
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { NEWER_NODE_VERSION as NEWER_NODE, nodeRelease } from "../../../src/bed/node.js";
import { cacheRoot } from "../../../src/env/cache.js";
import { type PackedInstall, packAndInstall, REPO } from "../../support/packed.js";

const readme = readFileSync(join(REPO, "README.md"), "utf8");

/** The body of the README code block whose info string is "<lang> <name>". */
function block(lang: string, name: string): string {
  const start = readme.indexOf(`\`\`\`${lang} ${name}\n`);
  if (start < 0) throw new Error(`README has no \`\`\`${lang} ${name} block`);
  const body = start + `\`\`\`${lang} ${name}\n`.length;
  return readme.slice(body, readme.indexOf("```", body));
}

let pkg: PackedInstall;
let files: string[];

function inProject(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, {
    cwd: pkg.project,
    env: { ...process.env, PATH: pkg.path, ...extraEnv },
    encoding: "utf8",
    timeout: 300_000,
  });
}

const platpass = (...args: string[]) =>
  inProject(join(pkg.project, "node_modules", ".bin", "platpass"), args);

/** ELF e_machine of a shared object: 62 x86-64, 183 AArch64. */
function elfMachine(file: string): number {
  const head = readFileSync(file).subarray(0, 20);
  expect(head.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
  return head.readUInt16LE(18);
}

beforeAll(async () => {
  pkg = await packAndInstall("packed", ["zod@3"]);
  files = spawnSync("tar", ["tzf", pkg.tarball], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ""));
  writeFileSync(join(pkg.project, "acme-board.dts"), block("dts", "acme-board.dts"));
  writeFileSync(join(pkg.project, "acme-uart.mjs"), block("js", "acme-uart.mjs"));
  writeFileSync(join(pkg.project, "vm.json"), block("json", "vm.json"));
  writeFileSync(join(pkg.project, "plan-offline.mjs"), block("js", "plan-offline.mjs"));
  const dtc = inProject("dtc", [
    "-q",
    "-I",
    "dts",
    "-O",
    "dtb",
    "-o",
    "acme-board.dtb",
    "acme-board.dts",
  ]);
  expect(dtc.status, dtc.stderr).toBe(0);
}, 900_000);

describe("the packed tarball", () => {
  it("holds LICENSE, the typed library, the CLI bundle, and a prebuilt addon per architecture", () => {
    for (const f of [
      "LICENSE",
      "README.md",
      "bin/platpass.js",
      "bin/package.json",
      "dist/cli-bundle/main.cjs",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/fdt/index.d.ts",
      "dist/boards/api.d.ts",
      "native/build.mjs",
      "native/binding.gyp",
      "prebuilds/linux-x64/platpass_vfio.node",
      "prebuilds/linux-arm64/platpass_vfio.node",
    ]) {
      expect(files).toContain(f);
    }
    const installed = join(pkg.project, "node_modules", "platpass", "prebuilds");
    expect(elfMachine(join(installed, "linux-x64", "platpass_vfio.node"))).toBe(62);
    expect(elfMachine(join(installed, "linux-arm64", "platpass_vfio.node"))).toBe(183);
  });

  it("holds nothing of the packer's tree: no objects, Makefiles, build dirs, maps or configs", () => {
    const stray = files.filter((f) =>
      /\.(o|map|tsbuildinfo)$|Makefile|config\.gypi|tsconfig\.json|^native\/build\/|^native\/build-arm64\/|^src\/|^test\//.test(
        f,
      ),
    );
    expect(stray).toEqual([]);
  });

  it("links from its README only to files it ships", () => {
    const links = [...readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] as string)
      .filter((l) => !/^[a-z]+:/.test(l));
    expect(links.filter((l) => !files.includes(l))).toEqual([]);
  });
});

describe("the installed package, on an x86 machine with no compiler on PATH", () => {
  it("has no compiler to fall back on", () => {
    const r = inProject("sh", ["-c", "command -v cc || command -v g++ || command -v make"]);
    expect(r.stdout).toBe("");
    expect(r.status).not.toBe(0);
  });

  it("prints its version", () => {
    const r = platpass("--version");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("plans the README's example offline with the default (kvm) machine, dumping with tcg", () => {
    const r = platpass("plan", "vm.json", "--host-dtb", "acme-board.dtb", "--json");
    expect(r.status, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.devices[0]).toMatchObject({ host: "20010000.serial", plugin: "acme-uart" });
    expect(plan.notes.join("\n")).toMatch(/base DTB dumped with -accel tcg/);
    expect(plan.qemu.argv).toContain("kvm");
  });

  it("writes the guest DTB offline, which dtc decompiles to the README's node", () => {
    const r = platpass("dtb", "vm.json", "--host-dtb", "acme-board.dtb", "-o", "guest.dtb");
    expect(r.status, r.stderr).toBe(0);
    const dts = inProject("dtc", ["-q", "-I", "dtb", "-O", "dts", "guest.dtb"]);
    expect(dts.status).toBe(0);
    expect(dts.stdout).toMatch(
      /serial@0 \{[^}]*compatible = "acme,uart";[^}]*current-speed = <0x16e360>;/,
    );
  });

  it("is a library: the README's script plans through 'platpass' and reads through 'platpass/fdt'", () => {
    const r = inProject("node", ["plan-offline.mjs"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("112 true serial@0");
  });

  it("gives the plugin platpass's zod 4 while the project's own zod is 3", () => {
    const own = JSON.parse(
      readFileSync(join(pkg.project, "node_modules", "zod", "package.json"), "utf8"),
    );
    expect(own.version).toMatch(/^3\./);
  });

  it("loads the prebuilt x64 addon, as doctor --json shows", () => {
    const r = platpass("doctor", "--json");
    const checks = JSON.parse(r.stdout).checks as { name: string; ok: boolean; detail: string }[];
    expect(checks.find((c) => c.name === "native VFIO addon")).toMatchObject({
      ok: true,
      detail: `loaded ${join(pkg.project, "node_modules", "platpass", "prebuilds", "linux-x64", "platpass_vfio.node")}`,
    });
  });

  it("ends quietly with its own status when the reader of its output goes away", () => {
    const r = inProject(
      "bash",
      [
        "-c",
        "set -o pipefail; node_modules/.bin/platpass dt dts guest.dtb | head -c 16 >/dev/null; echo $?",
      ],
      { PATH: `${pkg.path}:/usr/bin:/bin` },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("0");
  });
});

describe("a board plugin with a bug, from the installed package", () => {
  function planWithPlugin(source: string) {
    writeFileSync(join(pkg.project, "buggy.mjs"), source);
    writeFileSync(
      join(pkg.project, "buggy.json"),
      JSON.stringify({ devices: [{ host: "20010000.serial" }], plugins: ["./buggy.mjs"] }),
    );
    return platpass("plan", "buggy.json", "--host-dtb", "acme-board.dtb");
  }
  const plugin = (build: string) => `export default {
  name: "buggy-uart",
  summary: "a plugin with a bug",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "acme,uart", score: 60 }] },
  build(ctx) {
    ${build}
  },
};
`;

  it("a build() that throws is exit 3, naming the plugin and its file:line", () => {
    const r = planWithPlugin(plugin("return ctx.nope.nothing;"));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("board plugin 'buggy-uart' failed in build() for 20010000.serial");
    expect(r.stderr).toContain(`${join(pkg.project, "buggy.mjs")}:7:`);
    expect(r.stderr).not.toContain("bug in platpass");
  });

  it("a plain string as a value is exit 3, naming the property", () => {
    const r = planWithPlugin(
      plugin(`return { name: "serial", properties: { compatible: "acme,uart" } };`),
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("20010000.serial, property 'compatible'");
  });

  it("a syntax error is exit 3 with the file and line", () => {
    const r = planWithPlugin(plugin("return {;"));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain(`${join(pkg.project, "buggy.mjs")}:7`);
    expect(r.stderr).toContain("SyntaxError");
  });
});

describe(`the installed package on Node ${NEWER_NODE}`, () => {
  let path: string;
  beforeAll(async () => {
    const node = await nodeRelease(join(cacheRoot(), "node"), NEWER_NODE, "x64", (l) =>
      process.stderr.write(`${l}\n`),
    );
    // The same tools as the Node 20 PATH, with node swapped.
    path = join(pkg.project, "..", "bin-node24");
    rmSync(path, { recursive: true, force: true });
    mkdirSync(path);
    for (const tool of readdirSync(pkg.path).filter((t) => t !== "node")) {
      symlinkSync(readlinkSync(join(pkg.path, tool)), join(path, tool));
    }
    symlinkSync(node.binary, join(path, "node"));
  }, 600_000);

  const onNewer = (args: string[]) =>
    spawnSync("node", args, {
      cwd: pkg.project,
      env: { ...process.env, PATH: path },
      encoding: "utf8",
      timeout: 300_000,
    });

  it("runs the CLI and loads the same prebuilt addon", () => {
    expect(onNewer(["--version"]).stdout.trim()).toBe(`v${NEWER_NODE}`);
    const cli = join("node_modules", "platpass", "bin", "platpass.js");
    const plan = onNewer([cli, "plan", "vm.json", "--host-dtb", "acme-board.dtb", "--json"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).devices[0].plugin).toBe("acme-uart");
    const doctor = JSON.parse(onNewer([cli, "doctor", "--json"]).stdout);
    expect(
      doctor.checks.find((c: { name: string }) => c.name === "native VFIO addon").detail,
    ).toMatch(/prebuilds\/linux-x64\/platpass_vfio\.node$/);
  });

  it("runs the README's library script", () => {
    const r = onNewer(["plan-offline.mjs"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("112 true serial@0");
  });
});
