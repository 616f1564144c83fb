import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outputFile } from "../../../src/cli/output-file.js";
import { PlatpassError } from "../../../src/errors.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "platpass-output-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string): Promise<PlatpassError> {
  const e = await outputFile(path).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PlatpassError);
  return e as PlatpassError;
}

describe("outputFile", () => {
  it("writes a new file and leaves nothing else beside it", async () => {
    const out = await outputFile(join(dir, "new.dtb"));
    await out.write(new Uint8Array([1, 2, 3]));
    expect([...(await readFile(join(dir, "new.dtb")))]).toEqual([1, 2, 3]);
    expect(await readdir(dir)).toEqual(["new.dtb"]);
  });

  it("replaces an existing file keeping its mode, and writes through a symlink", async () => {
    const file = join(dir, "kept.dtb");
    await writeFile(file, "old");
    await chmod(file, 0o600);
    const link = join(dir, "link.dtb");
    await symlink(file, link);
    await (await outputFile(link)).write("new");
    expect(await readFile(file, "utf8")).toBe("new");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(["kept.dtb", "link.dtb", "new.dtb"]);
  });

  it("leaves the old file and no temp file when the rename fails", async () => {
    const file = join(dir, "raced.dtb");
    await writeFile(file, "old");
    const out = await outputFile(file);
    // Between the check and the write, the name became a non-empty directory.
    await unlink(file);
    await mkdir(join(file, "inside"), { recursive: true });
    await expect(out.write("new")).rejects.toMatchObject({
      errorClass: "environment",
      where: file,
    });
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
    await rm(file, { recursive: true });
  });

  it("writes a character device in place instead of renaming over it", async () => {
    const out = await outputFile("/dev/null");
    await out.write("x");
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
  });

  it("turns a full device into an environment error naming it", async () => {
    const out = await outputFile("/dev/full");
    await expect(out.write("x")).rejects.toMatchObject({
      code: "OUTPUT_WRITE_FAILED",
      errorClass: "environment",
      where: "/dev/full",
    });
  });

  it("refuses a missing directory, a directory and a path through a file, before any work", async () => {
    expect(await refusal(join(dir, "no", "such", "x.dtb"))).toMatchObject({
      code: "OUTPUT_NO_DIRECTORY",
      errorClass: "input",
    });
    expect(await refusal(dir)).toMatchObject({ code: "OUTPUT_IS_DIRECTORY", where: dir });
    await writeFile(join(dir, "plain"), "");
    expect(await refusal(join(dir, "plain", "x.dtb"))).toMatchObject({
      code: "OUTPUT_NO_DIRECTORY",
    });
  });
});
