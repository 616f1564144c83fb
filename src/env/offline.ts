/**
 * PLATPASS_OFFLINE=1 forbids every download: a build step that would need the network
 * fails at once with an error naming what is missing, instead of waiting for a timeout.
 */
import { EnvironmentError } from "../errors.js";

export function isOffline(): boolean {
  return process.env.PLATPASS_OFFLINE === "1";
}

export function requireOnline(what: string): void {
  if (!isOffline()) return;
  throw new EnvironmentError(
    "BED_ASSETS_MISSING",
    `the emulated host's assets are not cached and ${what} would need the network`,
    {
      hint: "PLATPASS_OFFLINE=1 forbids downloads. Run 'platpass bed build' once with network access (it caches everything under the platpass cache directory), or point PLATPASS_CACHE at a cache that holds the assets.",
    },
  );
}
