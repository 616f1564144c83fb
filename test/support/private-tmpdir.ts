/**
 * Vitest global setup: every temporary file a lane's tests (or the code they run) make goes
 * under one private directory, removed when the lane ends — so a test that forgets to clean
 * up, or one that fails half-way, leaves nothing in the machine's /tmp.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "platpass-test-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
