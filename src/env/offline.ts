/**
 * PLATPASS_OFFLINE=1 forbids every download: a build step that would need the network
 * fails at once with an error naming what is missing, instead of waiting for a timeout.
 */
import { EnvironmentError } from "../errors.js";

/** What is missing when a download is refused, and how to get it without one. */
export interface OfflineAsset {
  code: string;
  /** The start of the message: "<missing> and <what> would need the network". */
  missing: string;
  hint: string;
}

const BED_ASSETS: OfflineAsset = {
  code: "BED_ASSETS_MISSING",
  missing: "the emulated host's assets are not cached",
  hint: "PLATPASS_OFFLINE=1 forbids downloads. Run 'platpass bed build' once with network access (it caches everything under the platpass cache directory), or point PLATPASS_CACHE at a cache that holds the assets.",
};

export function isOffline(): boolean {
  return process.env.PLATPASS_OFFLINE === "1";
}

export function requireOnline(what: string, asset: OfflineAsset = BED_ASSETS): void {
  if (!isOffline()) return;
  throw new EnvironmentError(asset.code, `${asset.missing} and ${what} would need the network`, {
    hint: asset.hint,
  });
}
