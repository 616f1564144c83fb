/**
 * Vitest setup file of the unit lane: the lane is pure, so starting a process or opening a
 * network connection fails the test that did it. The real tools (dtc, QEMU, tsc, the built
 * CLI) and downloads belong to the qemu lane, where they are expected to be installed.
 *
 * Every asynchronous way to start a process (spawn, exec, execFile, fork, and execa, which
 * calls spawn) ends in ChildProcess.prototype.spawn; the synchronous ones are each their own
 * entry point. A connection is refused when it names a host or port; a Unix socket path is
 * allowed, since reaching another process through one needs that process started first.
 * Code under test may catch the thrown error (execa with `reject: false` does), so each test
 * also fails afterwards if it tried at all.
 */

import type * as ChildProcessModule from "node:child_process";
import type * as DgramModule from "node:dgram";
import { createRequire, syncBuiltinESMExports } from "node:module";
import type * as NetModule from "node:net";
import { afterAll, afterEach } from "vitest";

const require = createRequire(import.meta.url);
const childProcess: typeof ChildProcessModule = require("node:child_process");
const net: typeof NetModule = require("node:net");
const dgram: typeof DgramModule = require("node:dgram");

const attempts: string[] = [];

function refuse(what: string): never {
  attempts.push(what);
  throw new Error(`unit tests are pure: move this test to the qemu lane (it tried to ${what})`);
}

function commandLine(file: unknown, args: unknown): string {
  const argv = Array.isArray(args) ? args.map(String) : [];
  return [String(file), ...argv].join(" ");
}

const { ChildProcess } = childProcess;
// spawn is ChildProcess's own (undocumented) method, which every child_process function calls.
(
  ChildProcess.prototype as unknown as { spawn: (o: { file?: string; args?: string[] }) => void }
).spawn = function spawn(options) {
  // options.args repeats the file as argv[0].
  refuse(`start a process: ${commandLine(options?.file, options?.args?.slice(1))}`);
};
childProcess.spawnSync = ((file: string, args?: unknown) =>
  refuse(`start a process: ${commandLine(file, args)}`)) as typeof childProcess.spawnSync;
childProcess.execFileSync = ((file: string, args?: unknown) =>
  refuse(`start a process: ${commandLine(file, args)}`)) as typeof childProcess.execFileSync;
childProcess.execSync = ((command: string) =>
  refuse(`start a process: ${command}`)) as typeof childProcess.execSync;

/** Where a connect() call goes, or undefined for a Unix socket path. */
function networkTarget(args: unknown[]): string | undefined {
  // net.connect() hands the socket its arguments already normalized, as an array.
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  if (typeof first === "object" && first !== null) {
    const {
      path,
      host = "localhost",
      port,
    } = first as { path?: string; host?: string; port?: unknown };
    return path === undefined ? `${host}:${String(port)}` : undefined;
  }
  if (typeof first === "number" || /^\d+$/.test(String(first)))
    return `${typeof second === "string" ? second : "localhost"}:${String(first)}`;
  return undefined;
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: NetModule.Socket, ...args: unknown[]) {
  const target = networkTarget(args);
  if (target !== undefined) refuse(`open a network connection to ${target}`);
  return (connect as (...a: unknown[]) => NetModule.Socket).apply(this, args);
} as typeof connect;
dgram.createSocket = (() => refuse("open a UDP socket")) as typeof dgram.createSocket;
// ES module imports of these builtins (import { spawnSync } from ...) see the replacements.
syncBuiltinESMExports();
globalThis.fetch = (async (input: unknown) => refuse(`fetch ${String(input)}`)) as typeof fetch;

/** What was refused since the last look, forgotten once read: for the guard's own test. */
export function takeAttempts(): string[] {
  return attempts.splice(0);
}

function failOnAttempts(when: string): void {
  if (attempts.length === 0) return;
  const tried = attempts.splice(0).join("; ");
  throw new Error(
    `unit tests are pure: move this test to the qemu lane (${when} tried to ${tried})`,
  );
}

afterEach(() => failOnAttempts("it"));
afterAll(() => failOnAttempts("the file's hooks"));
