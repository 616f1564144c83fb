// What goes wrong, and what is left behind: nothing. Each run gets its own TMPDIR so the
// test can tell its QEMU, swtpm and temporary files from other runs on the machine.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../../bin/platpass.js", import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), "platpass-bed-failures-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function freshDir(name: string): Promise<string> {
  return mkdtemp(join(scratch, `${name}-`));
}

/** Processes whose command line mentions `dir` (QEMU and swtpm name their files there). */
async function processesUsing(dir: string): Promise<string> {
  const r = await execa("pgrep", ["-af", dir], { reject: false });
  return r.stdout
    .split("\n")
    .filter((l) => l && !l.includes("pgrep"))
    .join("\n");
}

describe("missing assets without network", () => {
  it("fails at once with a clear error under PLATPASS_OFFLINE=1 and an empty cache", async () => {
    const cache = await freshDir("cache");
    const r = await execa("node", [CLI, "bed", "run", "--", "true"], {
      reject: false,
      env: { PLATPASS_CACHE: cache, PLATPASS_OFFLINE: "1" },
    });
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/assets are not cached and .* would need the network/);
    expect(r.stderr).toMatch(/\[BED_ASSETS_MISSING\]$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the failed download when there really is no network (own network namespace)", async () => {
    const cache = await freshDir("cache");
    const r = await execa("unshare", ["-n", "node", CLI, "bed", "build"], {
      reject: false,
      env: { PLATPASS_CACHE: cache },
    });
    // The kernel and userland chains fetch concurrently: whichever download fails first is
    // the one reported, and each names itself.
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/(apt-get download \S+|debootstrap --foreign|npm pack \S+) failed/);
    expect(r.stderr).toMatch(/Check network access/);
    expect(r.stderr).toMatch(
      /\[(DEBIAN_DOWNLOAD_FAILED|BED_DEBOOTSTRAP_FAILED|BED_NODE_DOWNLOAD_FAILED)\]$/m,
    );
  });
});

describe("a command that hangs", () => {
  it("stops at the wall-clock timeout, names the phase and leaves nothing behind", async () => {
    const tmp = await freshDir("timeout");
    // 30 s: three times what L1 takes to boot to its command here, so the timeout lands there.
    const r = await execa("node", [CLI, "bed", "run", "--timeout", "30", "--", "sleep", "100000"], {
      reject: false,
      env: { TMPDIR: tmp },
    });
    expect(r.exitCode, r.stderr).toBe(6);
    expect(r.stderr).toMatch(/timed out after 30 s while running command/);
    expect(r.stderr).toMatch(/\[BED_TIMEOUT\]$/m);
    expect(await processesUsing(tmp)).toBe("");
    expect(await readdir(tmp)).toEqual([]);
  });
});

describe("Ctrl-C", () => {
  it("stops QEMU and swtpm, removes the temporary files and exits 130", async () => {
    const tmp = await freshDir("sigint");
    const child = execa(
      "node",
      [CLI, "bed", "run", "--", "sh", "-c", "echo command-started; sleep 100000"],
      { reject: false, env: { TMPDIR: tmp } },
    );
    let seen = "";
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (d: Buffer) => {
        seen += d.toString();
        if (seen.includes("command-started")) resolve();
      });
    });
    expect(await processesUsing(tmp)).toMatch(/qemu-system-aarch64/);
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(r.stderr).toMatch(/interrupted while running command/);
    expect(await processesUsing(tmp)).toBe("");
    expect(await readdir(tmp)).toEqual([]);
  });
});
