/**
 * The guard QEMU is exec'd through (src/qemu/launcher.ts): a parent-death signal armed after
 * platpass already died is never sent, so the command runs only while its parent is the
 * platpass that spawned it. Real /bin/sh, real setpriv, real processes.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { guarded } from "../../../src/qemu/launcher.js";

const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });

describe("QEMU's parent guard", () => {
  it("execs the command, with its arguments and in place, when the parent is platpass", () => {
    const r = run(
      guarded(["/bin/sh", "-c", 'echo "ran $# $1 $2"; echo "pid $$"', "x", "a b", "c"]),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ran 2 a b c\npid \d+\n$/);
  });

  it("does not run the command when its parent is not the platpass it names (it died)", () => {
    const r = run(guarded(["/bin/sh", "-c", "echo ran"], 1));
    expect(r.status).toBe(70);
    expect(r.stdout).toBe("");
  });

  it("keeps setpriv's parent-death signal: QEMU's place under setpriv sees the same parent", () => {
    const r = run([
      "/usr/bin/setpriv",
      "--pdeathsig",
      "KILL",
      "--",
      ...guarded(["/bin/echo", "ran"]),
    ]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "ran\n", ""]);
  });
});
