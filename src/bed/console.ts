/**
 * Splits L1's serial console stream into the boot log, the command's output and its exit
 * status (protocol.ts). Pure and incremental: feed it chunks as they arrive; it hands out
 * the command's output as soon as it can be sure no marker is being cut in half.
 */
import { BED_MARKERS } from "./protocol.js";

export type ConsoleEvent =
  | { kind: "started" }
  | { kind: "output"; text: string }
  | { kind: "exited"; code: number }
  | { kind: "failed" };

const EXIT_LINE = new RegExp(`\\n${BED_MARKERS.exit} (\\d+)@@\\n`);

export class ConsoleParser {
  /** Everything seen before the command started (kernel and init messages). */
  bootLog = "";
  #state: "booting" | "running" | "done" = "booting";
  #pending = "";

  feed(chunk: string): ConsoleEvent[] {
    // The serial line turns every "\n" into "\r\n"; a trailing "\r" waits for its "\n".
    this.#pending = (this.#pending + chunk).replace(/\r+\n/g, "\n");
    const events: ConsoleEvent[] = [];
    if (this.#state === "booting") {
      const failed = this.#pending.indexOf(BED_MARKERS.failed);
      const at = this.#pending.indexOf(`${BED_MARKERS.start}\n`);
      if (failed >= 0) {
        this.bootLog += this.#pending.slice(0, failed);
        this.#pending = "";
        this.#state = "done";
        return [{ kind: "failed" }];
      }
      if (at < 0) {
        const keep = this.#pending.lastIndexOf("\n") + 1;
        this.bootLog += this.#pending.slice(0, keep);
        this.#pending = this.#pending.slice(keep);
        return events;
      }
      this.bootLog += this.#pending.slice(0, at);
      this.#pending = this.#pending.slice(at + BED_MARKERS.start.length + 1);
      this.#state = "running";
      events.push({ kind: "started" });
    }
    if (this.#state === "running") {
      const m = EXIT_LINE.exec(this.#pending);
      if (m) {
        if (m.index > 0) events.push({ kind: "output", text: this.#pending.slice(0, m.index) });
        this.#pending = "";
        this.#state = "done";
        events.push({ kind: "exited", code: Number(m[1]) });
        return events;
      }
      const safe = this.#safeLength();
      if (safe > 0) {
        events.push({ kind: "output", text: this.#pending.slice(0, safe) });
        this.#pending = this.#pending.slice(safe);
      }
    }
    return events;
  }

  /** How much of the pending text cannot be the start of the exit line. */
  #safeLength(): number {
    const text = this.#pending;
    let cut = text.length;
    if (text.endsWith("\r")) cut -= 1;
    const nl = text.lastIndexOf("\n", cut - 1);
    if (
      nl >= 0 &&
      `\n${BED_MARKERS.exit}`.startsWith(text.slice(nl, cut).replace(/ \d*@{0,2}$/, ""))
    ) {
      cut = nl;
    }
    return cut;
  }
}
