/**
 * How the loader gets a plugin module. Here (the library, tsc's dist/, vitest) every plugin,
 * built-in or not, is an ES module file imported by URL. The CLI bundle
 * (scripts/bundle-cli.mjs) puts another module in this one's place: the built-in plugins
 * linked into the bundle, and an import() that bin/platpass.js hands in, since a script V8
 * compiles from cached code cannot import() on its own.
 */

/** The built-in plugin modules by name, when they are linked in; undefined here. */
export const linkedBuiltins: Readonly<Record<string, unknown>> | undefined = undefined;

export function importModule(url: string): Promise<unknown> {
  return import(url);
}
