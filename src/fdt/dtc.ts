/**
 * Adapter over Debian's dtc and fdtoverlay (package device-tree-compiler). dtc's stderr is
 * turned into structured diagnostics; a failed compile is an InputError carrying them.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvironmentError, InputError } from "../errors.js";

export interface Diagnostic {
  severity: "warning" | "error";
  /** dtc's check name ("reg_format", "unit_address_vs_reg"), "syntax", or "fatal". */
  check: string;
  /** The node the check is about, when dtc names one. */
  path?: string;
  property?: string;
  /** The DTS file (the one compiled, or one it included), when the input was DTS. */
  file?: string;
  /** Source line and column in `file`. */
  line?: number;
  column?: number;
  message: string;
}

/** dtc failed; `diagnostics` holds everything it reported (and --json prints them). */
export class DtcError extends InputError {
  readonly diagnostics: Diagnostic[];
  constructor(tool: string, diagnostics: Diagnostic[], stderr: string, source?: string) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    const at = first?.file && first.line !== undefined ? `${locationOf(first)}: ` : "";
    super("DTC_FAILED", `${tool} rejected its input: ${at}${first?.message ?? stderr.trim()}`, {
      where: source ?? first?.path,
      hint: "Fix the device tree source; every diagnostic is in the error's diagnostics list.",
    });
    this.diagnostics = diagnostics;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), diagnostics: this.diagnostics };
  }
}

/** `file:line.column`, the way dtc itself points at source. */
function locationOf(d: Diagnostic): string {
  return `${d.file}:${d.line}${d.column === undefined ? "" : `.${d.column}`}`;
}

const CHECK_LINE =
  /^(?<loc>\S+?): (?<sev>Warning|ERROR) \((?<check>[^)]+)\): (?:(?<path>\/[^:\s]*)(?::(?<prop>[^:\s]+))?: )?(?<msg>.*)$/;
const SYNTAX_LINE = /^Error: (?<loc>\S+?) (?<msg>.*)$/;
const FATAL_LINE = /^FATAL ERROR: (?<msg>.*)$/;

/** dtc's name for the text it was fed; `source` says which file that text came from. */
const STDIN = "<stdin>";

/** Adds file, line and column from dtc's `FILE:LINE.COL[-END]` to `d`. */
function locate(d: Diagnostic, loc: string | undefined, source: string | undefined): Diagnostic {
  const m = loc?.match(/^(?<file>.*):(?<line>\d+)\.(?<column>\d+)(?:-[\d.]+)?$/)?.groups;
  if (!m) return d;
  const file = m.file === STDIN ? source : m.file;
  if (file !== undefined) d.file = file;
  d.line = Number(m.line);
  d.column = Number(m.column);
  return d;
}

/**
 * Parses dtc's / fdtoverlay's stderr into diagnostics, one per reported line. `source` is
 * the file the input came from: dtc, fed it on stdin, calls it "<stdin>".
 */
export function parseDiagnostics(stderr: string, source?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of stderr.split("\n")) {
    const text = raw.trim();
    if (!text) continue;
    const check = text.match(CHECK_LINE)?.groups;
    const syntax = text.match(SYNTAX_LINE)?.groups;
    const fatal = text.match(FATAL_LINE)?.groups;
    if (check) {
      const d: Diagnostic = {
        severity: check.sev === "Warning" ? "warning" : "error",
        check: check.check!,
        message: check.msg!,
      };
      if (check.path) d.path = check.path;
      if (check.prop) d.property = check.prop;
      out.push(locate(d, check.loc, source));
    } else if (syntax) {
      out.push(
        locate({ severity: "error", check: "syntax", message: syntax.msg! }, syntax.loc, source),
      );
    } else {
      out.push({ severity: "error", check: "fatal", message: fatal ? fatal.msg! : text });
    }
  }
  return out;
}

interface ToolResult {
  /** null when a signal ended the tool. */
  exitCode: number | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/**
 * Runs dtc or fdtoverlay, every byte of its output kept (a DTB may end in 0x0a, dtc's DTS
 * ends in a newline). child_process, not execa: `platpass dtb` runs dtc once, and loading
 * execa's hundred modules cost that process more than the run itself.
 */
function run(tool: string, args: string[], input?: Uint8Array | string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => stdout.push(b));
    child.stderr.on("data", (b: Buffer) => stderr.push(b));
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "ENOENT"
          ? new EnvironmentError("DTC_MISSING", `${tool} is not installed`, {
              hint: "Install it: apt-get install device-tree-compiler",
              cause: e,
            })
          : e,
      );
    });
    child.on("close", (exitCode) => {
      resolve({
        exitCode,
        stdout: new Uint8Array(Buffer.concat(stdout)),
        stderr: new Uint8Array(Buffer.concat(stderr)),
      });
    });
    // A tool that fails before reading all its input closes the pipe: its exit code says why.
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

const stderrText = (r: ToolResult) => new TextDecoder().decode(r.stderr);

function checked(tool: string, r: ToolResult, source?: string): Uint8Array {
  if (r.exitCode !== 0) {
    const stderr = stderrText(r);
    throw new DtcError(tool, parseDiagnostics(stderr, source), stderr, source);
  }
  return r.stdout;
}

export interface CompileOptions {
  /** Compile as an overlay source and keep label symbols (dtc -@). */
  symbols?: boolean;
  /** Directories for /include/ (dtc -i). */
  includeDirs?: string[];
  /** The file the text was read from, named in diagnostics where dtc would say "<stdin>". */
  source?: string;
}

/** DTS text → DTB bytes. */
export async function compileDts(text: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const args = ["-q", "-I", "dts", "-O", "dtb", "-o", "-"];
  if (opts.symbols) args.push("-@");
  for (const dir of opts.includeDirs ?? []) args.push("-i", dir);
  args.push("-");
  return checked("dtc", await run("dtc", args, text), opts.source);
}

/** DTB bytes → dtc's DTS text. */
export async function decompileDtb(bytes: Uint8Array): Promise<string> {
  const r = await run("dtc", ["-q", "-I", "dtb", "-O", "dts", "-o", "-", "-"], bytes);
  return new TextDecoder().decode(checked("dtc", r));
}

/** Runs dtc's semantic checks over a DTB; every warning and error dtc reports. */
export async function checkDtb(bytes: Uint8Array): Promise<Diagnostic[]> {
  const r = await run("dtc", ["-I", "dtb", "-O", "dtb", "-o", "/dev/null", "-"], bytes);
  return parseDiagnostics(stderrText(r));
}

/**
 * dtc's verdict on a DTB (`where` names it): an error among its diagnostics fails the tree,
 * as DTB_CHECK_FAILED naming each; warnings pass, and are what this returns.
 */
export async function verifyDtb(bytes: Uint8Array, where: string): Promise<Diagnostic[]> {
  const diagnostics = await checkDtb(bytes);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    throw new InputError(
      "DTB_CHECK_FAILED",
      `dtc finds ${errors.length} error(s) in the guest tree: ${errors.map((d) => `${d.path ?? ""} ${d.message}`.trim()).join("; ")}`,
      { where, hint: "An overlay or a plugin wrote an invalid node; the message names it." },
    );
  }
  return diagnostics;
}

/**
 * Applies overlay DTBs (compiled with symbols/fixups) to a base DTB with fdtoverlay.
 * `sources[i]` names overlay i in fdtoverlay's messages instead of its temporary file.
 */
export async function applyOverlays(
  base: Uint8Array,
  overlays: Uint8Array[],
  sources: readonly string[] = [],
): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), "platpass-fdtoverlay-"));
  try {
    const basePath = join(dir, "base.dtb");
    const outPath = join(dir, "out.dtb");
    await writeFile(basePath, base);
    const overlayPaths = await Promise.all(
      overlays.map(async (o, i) => {
        const p = join(dir, `overlay${i}.dtbo`);
        await writeFile(p, o);
        return p;
      }),
    );
    const r = await run("fdtoverlay", ["-i", basePath, "-o", outPath, ...overlayPaths]);
    if (r.exitCode !== 0) {
      const stderr = overlayPaths.reduce(
        (text, p, i) => (sources[i] ? text.replaceAll(p, sources[i]) : text),
        stderrText(r),
      );
      throw new DtcError("fdtoverlay", parseDiagnostics(stderr), stderr);
    }
    return new Uint8Array(await readFile(outPath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
