import { describe, expect, it } from "vitest";
import { isoTime } from "../../../src/host/bind/journal.js";

const at = (iso: string) => Date.parse(iso);

describe("the journal's timestamps are what Date's toISOString prints", () => {
  it("at the epoch, leap days, century rules and year ends", () => {
    const instants = [
      0,
      at("1970-12-31T23:59:59.999Z"),
      at("1972-02-29T12:00:00.000Z"),
      at("2000-02-29T00:00:00.000Z"),
      at("2000-03-01T00:00:00.000Z"),
      at("2024-12-31T23:59:59.999Z"),
      at("2100-02-28T23:59:59.999Z"),
      at("2100-03-01T00:00:00.000Z"),
      at("2400-02-29T08:07:06.005Z"),
      at("1969-12-31T23:59:59.999Z"),
      at("1900-03-01T00:00:00.000Z"),
      at("0000-01-01T00:00:00.000Z"),
      at("9999-12-31T23:59:59.999Z"),
    ];
    expect(instants.map(isoTime)).toEqual(instants.map((t) => new Date(t).toISOString()));
  });

  it("at 20,000 instants spread over 1970-2200, each millisecond field included", () => {
    const end = at("2200-01-01T00:00:00.000Z");
    let seed = 7;
    const instants = Array.from({ length: 20_000 }, () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return Math.floor((seed / 2_147_483_647) * end);
    });
    const wrong = instants.filter((t) => isoTime(t) !== new Date(t).toISOString());
    expect(wrong.map((t) => [isoTime(t), new Date(t).toISOString()])).toEqual([]);
  });
});
