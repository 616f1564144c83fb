// TPM commands per second in the nested guest (L2) with the TPM's interrupt on irqfd with
// resample against QEMU's user-space path forced with x-irqfd=off, on the same emulated host
// in the same boot: `platpass launch` runs back to back, each L2 doing TPM2_GetRandom round
// trips for a fixed time. Prints the rates and each irqfd / x-irqfd=off ratio, and the
// injection path each launch reported (so a silent fallback cannot pass as irqfd), and each
// launch stage's time from its `stage` events, against one `node -e 1` in the same boot (the
// fixed cost every platpass process pays under TCG).
// Default: Debian's 6.1 host, GICv2, the legacy path with L1's QEMU 7.2. PLATPASS_BENCH_KERNEL
// =6.12 takes the 6.12 host and QEMU 10.0 on both VFIO paths (iommufd, legacy), each with and
// without irqfd; PLATPASS_BENCH_GIC=3 a GICv3 host.
import { buildBed } from "../dist/bed/assets.js";
import { runInBed } from "../dist/bed/index.js";
import { demoGuestConfig, readGuestTpm, tpmGuestScript } from "../dist/demo/guest.js";

const SECONDS = Number(process.env.PLATPASS_BENCH_SECONDS ?? 20);
const KERNEL = process.env.PLATPASS_BENCH_KERNEL ?? "6.1";
const GIC = Number(process.env.PLATPASS_BENCH_GIC ?? 2);
const TPM = "c000000.tpm_tis";
const NO_IRQFD = ["-global", "vfio-platform.x-irqfd=off"];

/** Each pair: the path with irqfd allowed, then the same with x-irqfd=off. */
async function variantsFor(kernel) {
  if (kernel !== "6.12")
    return [
      { name: "irqfd", extraArgs: [] },
      { name: "x-irqfd=off", extraArgs: NO_IRQFD },
    ];
  const binary = (await buildBed({ kernel })).l2.inL1.qemu;
  return ["iommufd", "legacy"].flatMap((vfioBackend) => [
    { name: `${vfioBackend}`, extraArgs: [], qemu: { binary, vfioBackend } },
    { name: `${vfioBackend} x-irqfd=off`, extraArgs: NO_IRQFD, qemu: { binary, vfioBackend } },
  ]);
}

const variants = await variantsFor(KERNEL);
const env = { PLATPASS_STATE: "/tmp/platpass-state" };
const steps = [
  'a=$(date +%s%N); node -e 1; b=$(date +%s%N); echo "@@node-ms $(( (b - a) / 1000000 ))"',
];
for (const [i, v] of variants.entries()) {
  const config = demoGuestConfig({
    gic: GIC,
    devices: [TPM],
    script: tpmGuestScript(0, SECONDS),
    extraArgs: v.extraArgs,
  });
  // Linux 6.5+ tpm_tis polls unless told to use its interrupt.
  if (KERNEL === "6.12")
    config.append = config.append.replace("panic=-1", "panic=-1 tpm_tis.interrupts=1");
  env[`CFG${i}`] = JSON.stringify(
    v.qemu ? { ...config, qemu: { ...config.qemu, ...v.qemu } } : config,
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
  kernel: KERNEL,
  gic: GIC,
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
const host = `Linux ${KERNEL} GICv${GIC} emulated host`;
const pairs = [];
for (let i = 0; i + 1 < rows.length; i += 2) pairs.push([rows[i], rows[i + 1]]);
if (pairs.some(([a, b]) => !Number.isFinite(a.perSecond) || !Number.isFinite(b?.perSecond))) {
  process.stderr.write(`launch bench: a variant produced no rate (exit ${result.exitCode})\n`);
  process.exit(1);
}
for (const [fast, slow] of pairs)
  process.stdout.write(
    `launch: ${fast.name} (${fast.path}) / ${slow.name} = ${(fast.perSecond / slow.perSecond).toFixed(2)}x (${SECONDS} s each, one ${host})\n`,
  );
process.stdout.write(`launch: ${((Date.now() - started) / 1000).toFixed(0)} s wall\n`);
