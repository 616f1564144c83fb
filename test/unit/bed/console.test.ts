import { describe, expect, it } from "vitest";
import { type ConsoleEvent, ConsoleParser } from "../../../src/bed/console.js";

const START = "@@PLATPASS-BED-START@@";
const EXIT = "@@PLATPASS-BED-EXIT";

/** Feeds the chunks in order and returns every event plus the command's output joined. */
function feedAll(chunks: string[]): { events: ConsoleEvent[]; output: string; bootLog: string } {
  const p = new ConsoleParser();
  const events = chunks.flatMap((c) => p.feed(c));
  const output = events.map((e) => (e.kind === "output" ? e.text : "")).join("");
  return { events, output, bootLog: p.bootLog };
}

describe("ConsoleParser", () => {
  it("separates the boot log, the output and the exit status", () => {
    const r = feedAll([`[ 1.0] booting\r\n${START}\r\nhello\r\n\r\n${EXIT} 3@@\r\n`]);
    expect(r.bootLog).toBe("[ 1.0] booting\n");
    expect(r.output).toBe("hello\n");
    expect(r.events.at(-1)).toEqual({ kind: "exited", code: 3 });
    expect(r.events[0]).toEqual({ kind: "started" });
  });

  it("keeps output that ends without a newline exactly as written", () => {
    const r = feedAll([`${START}\r\nno newline\r\n${EXIT} 0@@\r\n`]);
    expect(r.output).toBe("no newline");
  });

  it("finds markers cut at every possible point between chunks", () => {
    const text = `boot\r\n${START}\r\nline one\r\nline two\r\n\r\n${EXIT} 12@@\r\n`;
    for (let cut = 1; cut < text.length; cut++) {
      const r = feedAll([text.slice(0, cut), text.slice(cut)]);
      expect(r.output, `cut at ${cut}`).toBe("line one\nline two\n");
      expect(r.events.at(-1), `cut at ${cut}`).toEqual({ kind: "exited", code: 12 });
    }
  });

  it("streams output before the command ends", () => {
    const p = new ConsoleParser();
    p.feed(`${START}\r\n`);
    expect(p.feed("first line\r\nsecond")).toEqual([
      { kind: "output", text: "first line\nsecond" },
    ]);
  });

  it("holds back a line that may be the start of the exit marker", () => {
    const p = new ConsoleParser();
    p.feed(`${START}\r\n`);
    expect(p.feed("done\r\n@@PLATPASS-BED-EX")).toEqual([{ kind: "output", text: "done" }]);
    expect(p.feed("IT 0@@\r\n")).toEqual([{ kind: "exited", code: 0 }]);
  });

  it("reports init's failure marker with the boot log so far", () => {
    const r = feedAll(["platpass-bed: modprobe 9p\r\n@@PLATPASS-BED-FAILED@@\r\n"]);
    expect(r.events).toEqual([{ kind: "failed" }]);
    expect(r.bootLog).toBe("platpass-bed: modprobe 9p\n");
  });
});
