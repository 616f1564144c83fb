import { fileURLToPath } from "node:url";

/**
 * The package root. This module is dist/env/package-root.js, src/env/package-root.ts under
 * vitest, or part of a chunk in dist/cli-bundle/: two folders below the root in each.
 */
export const PACKAGE_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
