/**
 * The emulated host's scenario output (test/bed/launch/scenario.sh, test/bed-6.12/scenario.sh)
 * cut at its "@@step NAME" lines, with what every launch step prints alike: platpass's --json
 * events, "@@exit NAME CODE" and QEMU's vfio trace as "@@trace LINE".
 */
export interface StepOutput {
  /** The step's lines, the "@@step" line's remainder first. */
  lines: string[];
  /** The same lines as one text, for what spans several (a pretty-printed error). */
  text: string;
  events: Record<string, unknown>[];
  /** The trace lines without their "@@trace " tag. */
  trace: string[];
  /** The launch's exit code; NaN when the step printed none. */
  exit: number;
}

/** Each step of `output` by name, in the order printed. */
export function splitSteps(output: string): Map<string, StepOutput> {
  const steps = new Map<string, StepOutput>();
  for (const text of output
    .replace(/\r/g, "")
    .split(/^@@step /m)
    .slice(1)) {
    const lines = text.split("\n");
    steps.set(lines[0]!.trim(), {
      lines,
      text,
      events: lines.filter((l) => l.startsWith('{"event"')).map((l) => JSON.parse(l)),
      trace: lines.filter((l) => l.startsWith("@@trace ")).map((l) => l.slice("@@trace ".length)),
      exit: Number(/^@@exit \S+ (\d+)/m.exec(text)?.[1] ?? Number.NaN),
    });
  }
  return steps;
}
