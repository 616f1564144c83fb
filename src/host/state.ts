/**
 * Where platpass keeps what must survive a crash: $PLATPASS_STATE, else /var/lib/platpass
 * for root, else $XDG_STATE_HOME/platpass (~/.local/state/platpass). Files are replaced
 * atomically (temporary file, fsync, rename, fsync of the directory) so a reader never
 * sees half a record and a record written before a change survives a power cut.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function stateDir(): string {
  if (process.env.PLATPASS_STATE) return process.env.PLATPASS_STATE;
  if (process.getuid?.() === 0) return "/var/lib/platpass";
  const xdg = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state");
  return join(xdg, "platpass");
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `text`, durably, before returning. */
export function writeDurably(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncPath(dirname(path));
}

/** fsync of a directory after an unlink or create in it. */
export function syncDir(dir: string): void {
  fsyncPath(dir);
}
