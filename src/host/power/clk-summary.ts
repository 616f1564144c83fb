/**
 * /sys/kernel/debug/clk/clk_summary as Linux prints it (drivers/clk/clk.c,
 * clk_summary_show_one): after three header lines, one line per clock, indented three spaces
 * per level under its parent, with its enable, prepare and protect counts, rate, accuracy,
 * phase and duty cycle. Later kernels add the "hardware enable" column (Y, N, or ? when the
 * clock cannot say); kernels with upstream commit dcce5cc7826e (Linux 6.1.88+ among the stable
 * ones, so Debian's 6.1) add the consumers: a device name ("deviceless" for none) and a
 * connection id ("no_connection_id"), the first on the clock's own line, each further one on
 * a line of its own.
 */

export interface ClockConsumer {
  /** The consumer device's name; undefined for "deviceless" (the provider's own handle). */
  device: string | undefined;
  /** Its connection id (the clock-names entry it asked for); undefined for "no_connection_id". */
  connection: string | undefined;
}

export interface KernelClock {
  name: string;
  /** The parent clock's name; undefined for a root clock. */
  parent: string | undefined;
  enableCount: number;
  prepareCount: number;
  rate: number;
  /** The hardware enable column: undefined where the kernel prints none or "?". */
  hardwareEnabled: boolean | undefined;
  /** Undefined where the kernel prints no consumer columns. */
  consumers: ClockConsumer[] | undefined;
}

export interface ClkSummary {
  clocks: KernelClock[];
  /** Whether this kernel prints the consumer columns. */
  consumerColumns: boolean;
}

const RULE = /^-{20,}\s*$/;
const NUMBER = /^\d+$/;

function consumer(device: string, connection: string): ClockConsumer {
  return {
    device: device === "deviceless" ? undefined : device,
    connection: connection === "no_connection_id" ? undefined : connection,
  };
}

function hardware(column: string | undefined): boolean | undefined {
  return column === "Y" ? true : column === "N" ? false : undefined;
}

/** The summary's clocks in the kernel's order, or undefined when `text` is not a clk_summary. */
export function parseClkSummary(text: string): ClkSummary | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => RULE.test(l));
  const header = lines.slice(0, Math.max(start, 0)).join(" ");
  if (start < 0 || !/\bclock\b/.test(header) || !/\brate\b/.test(header)) return undefined;
  const consumerColumns = /\bconsumer\b/.test(header);
  const clocks: KernelClock[] = [];
  const ancestors: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const words = line.trim().split(/\s+/);
    const last = clocks.at(-1);
    if (consumerColumns && words.length === 2 && last?.consumers) {
      last.consumers.push(consumer(words[0]!, words[1]!));
      continue;
    }
    if (words.length < 8 || !NUMBER.test(words[1]!) || !NUMBER.test(words[4]!)) continue;
    // The name is printed after (level * 3 + 1) spaces.
    const level = Math.max(0, Math.round((line.length - line.trimStart().length - 1) / 3));
    ancestors.length = level;
    const name = words[0]!;
    clocks.push({
      name,
      parent: ancestors[level - 1],
      enableCount: Number(words[1]),
      prepareCount: Number(words[2]),
      rate: Number(words[4]),
      hardwareEnabled: hardware(words[8]),
      consumers:
        consumerColumns && words.length >= 11 ? [consumer(words[9]!, words[10]!)] : undefined,
    });
    ancestors[level] = name;
  }
  return { clocks, consumerColumns };
}
