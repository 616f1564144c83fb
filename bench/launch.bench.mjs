// TPM commands per second in the nested guest (L2) with the TPM's interrupt on irqfd with
// resample (GICv2 emulated host) against QEMU's user-space path forced with x-irqfd=off, on
// the same emulated host in the same boot: two `platpass launch` runs back to back, each L2
// doing TPM2_GetRandom round trips for a fixed time. Prints both rates and their ratio, and
// the injection path each launch reported (so a silent fallback cannot pass as irqfd), and
// each launch stage's time from its `stage` events, against one `node -e 1` in the same boot
// (the fixed cost every platpass process pays under TCG).
import { runInBed } from "../dist/bed/index.js";
import { demoGuestConfig, readGuestTpm, tpmGuestScript } from "../dist/demo/guest.js";

const SECONDS = Number(process.env.PLATPASS_BENCH_SECONDS ?? 20);
const TPM = "c000000.tpm_tis";

const variants = [
  { name: "irqfd", extraArgs: [] },
  { name: "x-irqfd=off", extraArgs: ["-global", "vfio-platform.x-irqfd=off"] },
];

const env = { PLATPASS_STATE: "/tmp/platpass-state" };
const steps = [
  'a=$(date +%s%N); node -e 1; b=$(date +%s%N); echo "@@node-ms $(( (b - a) / 1000000 ))"',
];
for (const [i, v] of variants.entries()) {
  env[`CFG${i}`] = JSON.stringify(
    demoGuestConfig({
      gic: 2,
      devices: [TPM],
      script: tpmGuestScript(0, SECONDS),
      extraArgs: v.extraArgs,
    }),
  );
  steps.push(
    `printf '%s' "$CFG${i}" > /tmp/bench${i}.json`,
    `echo "@@variant ${v.name}"`,
    `platpass launch --json /tmp/bench${i}.json`,
  );
}

const started = Date.now();
const result = await runInBed({
  command: ["sh", "-c", steps.join("\n")],
  gic: 2,
  env,
  timeoutMs: 1_500_000,
  progress: (line) => process.stderr.write(`${line}\n`),
});

const sections = result.output.split(/^@@variant /m).slice(1);
const rows = sections.map((text) => {
  const name = text.slice(0, text.indexOf("\n")).trim();
  const events = text
    .split("\n")
    .filter((l) => l.startsWith('{"event"'))
    .map((l) => JSON.parse(l));
  const guest = events
    .filter((e) => e.event === "guest")
    .map((e) => e.line)
    .join("\n");
  const injection = events.filter((e) => e.event === "injection").at(-1);
  const rate = readGuestTpm(guest).rate;
  return {
    name,
    stages: events.filter((e) => e.event === "stage"),
    path: injection?.irqs.map((i) => i.path).join(",") ?? "?",
    perSecond: rate ? rate.commands / rate.seconds : Number.NaN,
  };
});

for (const r of rows) {
  process.stdout.write(
    `launch: ${r.name.padEnd(12)} ${r.perSecond.toFixed(1).padStart(7)} TPM commands/s in L2 (injection path: ${r.path})\n`,
  );
}
const nodeMs = Number(/^@@node-ms (\d+)/m.exec(result.output)?.[1]);
for (const r of rows) {
  const parts = r.stages.map(
    (s) => `${s.stage} ${(s.ms / 1000).toFixed(2)} s (${(s.ms / nodeMs).toFixed(1)}x)`,
  );
  process.stdout.write(`launch stages (${r.name}): ${parts.join(", ")}\n`);
}
process.stdout.write(`launch stages: baseline 'node -e 1' in the same boot: ${nodeMs} ms\n`);
const [fast, slow] = rows;
if (!fast || !slow || !Number.isFinite(fast.perSecond) || !Number.isFinite(slow.perSecond)) {
  process.stderr.write(`launch bench: a variant produced no rate (exit ${result.exitCode})\n`);
  process.exit(1);
}
process.stdout.write(
  `launch: irqfd / x-irqfd=off = ${(fast.perSecond / slow.perSecond).toFixed(2)}x (${SECONDS} s each, one GICv2 emulated host, ${((Date.now() - started) / 1000).toFixed(0)} s wall)\n`,
);
