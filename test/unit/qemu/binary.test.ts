import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findQemu, parseQemuVersion } from "../../../src/qemu/binary.js";

const dir = await mkdtemp(join(tmpdir(), "platpass-binary-test-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fakeBinary(name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, "#!/bin/sh\n");
  await chmod(path, 0o755);
  return path;
}

describe("parseQemuVersion", () => {
  it("reads Debian's version line", () => {
    expect(
      parseQemuVersion("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright"),
    ).toEqual({ major: 7, minor: 2, micro: 22, package: "Debian 1:7.2+dfsg-7+deb12u18+b3" });
  });

  it("reads an upstream build without a package string", () => {
    expect(parseQemuVersion("QEMU emulator version 10.1.0\n")).toEqual({
      major: 10,
      minor: 1,
      micro: 0,
      package: "",
    });
  });

  it("returns undefined for something that is not QEMU", () => {
    expect(parseQemuVersion("dtc: Version: DTC 1.6.1")).toBeUndefined();
  });
});

describe("findQemu", () => {
  it("prefers an explicit path over PLATPASS_QEMU and PATH", async () => {
    const explicit = await fakeBinary("explicit-qemu");
    const env = { PLATPASS_QEMU: await fakeBinary("env-qemu"), PATH: dir };
    expect(await findQemu({ explicit, env })).toMatchObject({ path: explicit, source: "explicit" });
  });

  it("uses PLATPASS_QEMU before PATH", async () => {
    const env = { PLATPASS_QEMU: join(dir, "env-qemu"), PATH: dir };
    expect(await findQemu({ env })).toMatchObject({ source: "PLATPASS_QEMU" });
  });

  it("finds qemu-system-aarch64 on PATH", async () => {
    const path = await fakeBinary("qemu-system-aarch64");
    expect(await findQemu({ env: { PATH: `/nonexistent:${dir}` } })).toMatchObject({
      path,
      source: "PATH",
    });
  });

  it("names every place it looked when nothing is there", async () => {
    const err = await findQemu({ env: { PATH: "/nonexistent-a:/nonexistent-b" } }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "QEMU_NOT_FOUND", errorClass: "environment" });
    expect((err as { where: string }).where).toBe(
      "tried /nonexistent-a/qemu-system-aarch64, /nonexistent-b/qemu-system-aarch64",
    );
  });
});
