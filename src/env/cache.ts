import { homedir } from "node:os";
import { join } from "node:path";

/** Root of platpass's cache: $PLATPASS_CACHE, else $XDG_CACHE_HOME/platpass, else ~/.cache/platpass. */
export function cacheRoot(): string {
  if (process.env.PLATPASS_CACHE) return process.env.PLATPASS_CACHE;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(xdg, "platpass");
}
