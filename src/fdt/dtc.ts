/**
 * Adapter over Debian's dtc and fdtoverlay (package device-tree-compiler). dtc's stderr is
 * turned into structured diagnostics; a failed compile is an InputError carrying them.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type Result } from "execa";
import { EnvironmentError, InputError } from "../errors.js";

export interface Diagnostic {
  severity: "warning" | "error";
  /** dtc's check name ("reg_format", "unit_address_vs_reg"), "syntax", or "fatal". */
  check: string;
  /** The node the check is about, when dtc names one. */
  path?: string;
  property?: string;
  /** Source line, when the input was DTS text. */
  line?: number;
  message: string;
}

/** dtc failed; `diagnostics` holds everything it reported. */
export class DtcError extends InputError {
  readonly diagnostics: Diagnostic[];
  constructor(tool: string, diagnostics: Diagnostic[], stderr: string) {
    const first = diagnostics.find((d) => d.severity === "error") ?? diagnostics[0];
    super("DTC_FAILED", `${tool} rejected its input: ${first?.message ?? stderr.trim()}`, {
      where: first?.path,
      hint: "Fix the device tree source; every diagnostic is in the error's diagnostics list.",
    });
    this.diagnostics = diagnostics;
  }
}

const CHECK_LINE =
  /^(?<loc>\S+?): (?<sev>Warning|ERROR) \((?<check>[^)]+)\): (?:(?<path>\/[^:\s]*)(?::(?<prop>[^:\s]+))?: )?(?<msg>.*)$/;
const SYNTAX_LINE = /^Error: (?<loc>\S+?) (?<msg>.*)$/;
const FATAL_LINE = /^FATAL ERROR: (?<msg>.*)$/;

function lineOf(loc: string | undefined): number | undefined {
  const m = loc?.match(/:(\d+)\.\d+/);
  return m ? Number(m[1]) : undefined;
}

/** Parses dtc's / fdtoverlay's stderr into diagnostics, one per reported line. */
export function parseDiagnostics(stderr: string): Diagnostic[] {
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
      const line = lineOf(check.loc);
      if (line !== undefined) d.line = line;
      out.push(d);
    } else if (syntax) {
      const d: Diagnostic = { severity: "error", check: "syntax", message: syntax.msg! };
      const line = lineOf(syntax.loc);
      if (line !== undefined) d.line = line;
      out.push(d);
    } else {
      out.push({ severity: "error", check: "fatal", message: fatal ? fatal.msg! : text });
    }
  }
  return out;
}

type BufferResult = Result<{ encoding: "buffer"; reject: false; stripFinalNewline: false }>;

async function run(
  tool: string,
  args: string[],
  input?: Uint8Array | string,
): Promise<BufferResult> {
  const r = (await execa(tool, args, {
    reject: false,
    encoding: "buffer",
    // A DTB may end in 0x0a, and dtc's DTS ends in a newline: keep every byte.
    stripFinalNewline: false,
    ...(input === undefined ? {} : { input }),
  })) as BufferResult;
  if ((r as { code?: string }).code === "ENOENT") {
    throw new EnvironmentError("DTC_MISSING", `${tool} is not installed`, {
      hint: "Install it: apt-get install device-tree-compiler",
    });
  }
  return r;
}

const stderrText = (r: BufferResult) => new TextDecoder().decode(r.stderr);

function checked(tool: string, r: BufferResult): Uint8Array {
  if (r.exitCode !== 0) {
    const stderr = stderrText(r);
    throw new DtcError(tool, parseDiagnostics(stderr), stderr);
  }
  return r.stdout;
}

export interface CompileOptions {
  /** Compile as an overlay source and keep label symbols (dtc -@). */
  symbols?: boolean;
  /** Directories for /include/ (dtc -i). */
  includeDirs?: string[];
}

/** DTS text → DTB bytes. */
export async function compileDts(text: string, opts: CompileOptions = {}): Promise<Uint8Array> {
  const args = ["-q", "-I", "dts", "-O", "dtb", "-o", "-"];
  if (opts.symbols) args.push("-@");
  for (const dir of opts.includeDirs ?? []) args.push("-i", dir);
  args.push("-");
  return checked("dtc", await run("dtc", args, text));
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

/** Applies overlay DTBs (compiled with symbols/fixups) to a base DTB with fdtoverlay. */
export async function applyOverlays(base: Uint8Array, overlays: Uint8Array[]): Promise<Uint8Array> {
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
    checked("fdtoverlay", r);
    return new Uint8Array(await readFile(outPath));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
