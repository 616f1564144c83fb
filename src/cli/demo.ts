import { runDemo } from "../demo/demo.js";
import { UsageError } from "../errors.js";
import { type CommandIO, type ParsedArgs, stringOption } from "./command.js";

export async function run(args: ParsedArgs, io: CommandIO): Promise<number> {
  const gicText = stringOption(args, "gic") ?? "2";
  if (gicText !== "2" && gicText !== "3") {
    throw new UsageError("CLI_BAD_GIC", `--gic takes 2 or 3, not '${gicText}'`);
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  try {
    const r = await runDemo({
      gic: Number(gicText) as 2 | 3,
      write: (t) => {
        if (!io.json) process.stdout.write(t);
      },
      progress: io.progress,
      signal: stop.signal,
    });
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    io.out("");
    io.out(`demo: the nested guest read ${r.randoms.length} random numbers from the assigned TPM`);
    io.out(
      r.irqsBefore === undefined || r.irqsAfter === undefined
        ? "demo: the guest's tpm_tis polled instead of using the interrupt (its 200 ms interrupt self-test timed out; the machine is busy)"
        : `demo: the guest's TPM interrupt count went ${r.irqsBefore} → ${r.irqsAfter} over those commands`,
    );
    io.out(`demo: the TPM is back on ${r.driverAfter ?? "?"} in the host`);
    io.out(
      `demo: ${r.seconds.total.toFixed(0)} s in all (${r.seconds.build.toFixed(0)} s building)`,
    );
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
  }
}
