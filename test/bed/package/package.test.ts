/**
 * The packed tarball inside the emulated ARM host: installed on the x86 side into a scratch
 * project (test/support/packed.ts), used in L1 from the checkout's read-only mount, where
 * there is no compiler. inspect and peek reach the TPM through the prebuilt arm64 addon.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runInBed } from "../../../src/bed/index.js";
import { type PackedInstall, packAndInstall, REPO } from "../../support/packed.js";

let pkg: PackedInstall;
let lines: Map<string, string>;
const line = (step: string): string => {
  const v = lines.get(step);
  if (v === undefined) throw new Error(`the bed printed no @@${step} line`);
  return v;
};

beforeAll(async () => {
  pkg = await packAndInstall("packed", ["zod@3"]);
  const inBed = (p: string) => `/platpass/${p.slice(REPO.length)}`;
  const r = await runInBed({
    command: ["sh", "/platpass/test/bed/package/in-bed.sh", inBed(pkg.project)],
    timeoutMs: 1_200_000,
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  expect(r.exitCode, r.output.slice(-3000)).toBe(0);
  lines = new Map(
    r.output
      .split("\n")
      .filter((l) => l.startsWith("@@"))
      .map((l) => {
        const [step, ...rest] = l.slice(2).trimEnd().split(" ");
        return [step as string, rest.join(" ")];
      }),
  );
}, 1_800_000);

describe("the packed tarball in the emulated ARM host", () => {
  it("runs where there is no compiler", () => {
    expect(line("compiler")).toBe("");
    expect(line("version")).toBe(pkg.version);
  });

  it("loads the package's prebuilt arm64 addon, as doctor --json shows", () => {
    const checks = JSON.parse(line("doctor")).checks as { name: string; detail: string }[];
    const addon = checks.find((c) => c.name === "native VFIO addon");
    expect(addon?.detail).toBe(
      `loaded ${join("/platpass", pkg.project.slice(REPO.length), "node_modules/platpass/prebuilds/linux-arm64/platpass_vfio.node")}`,
    );
    expect(readFileSync(join(pkg.project, "node_modules/platpass/package.json"), "utf8")).toContain(
      `"version": "${pkg.version}"`,
    );
  });

  it("inspects the TPM through VFIO: one 0x5000 region and one level IRQ", () => {
    expect(line("detach")).toBe("0");
    expect(JSON.parse(line("inspect"))).toMatchObject({
      device: "c000000.tpm_tis",
      driver: "vfio-platform",
      flags: { platform: true },
      regions: [{ index: 0, size: 0x5000, mmap: true }],
      irqs: [{ index: 0, count: 1, trigger: "level" }],
    });
  });

  it("peeks the TPM's DID_VID register (0x00011014) through pread and through mmap", () => {
    expect(line("peek")).toBe("0x00011014");
    expect(line("peek-mmap")).toBe("0x00011014");
  });

  it("gives the TPM back to tpm_tis", () => {
    expect(line("reattach")).toBe("0 tpm_tis");
  });
});
