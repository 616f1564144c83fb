import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { asU32s } from "../../../src/fdt/index.js";
import { planWith, pluginFile } from "./widget.js";

describe("a plugin's bugs are reported as the plugin's", () => {
  it("names the plugin, its file and line when build() throws", async () => {
    const { run, file } = await planWith(`  build(ctx) {
    return ctx.nothing.here;
  },`);
    expect(run).toThrow(
      expect.objectContaining({
        code: "BOARD_PLUGIN_FAILED",
        exitCode: 3,
        where: `${file}:7:24`,
        message: expect.stringMatching(
          /^board plugin 'widget' failed in build\(\) for 20000000\.widget: TypeError: /,
        ),
      }),
    );
  });

  it("names the property when build() returns a plain string as a value", async () => {
    const { run } = await planWith(
      `  build: () => ({ name: "widget", properties: { "clock-names": "apb" } }),`,
    );
    expect(run).toThrow(
      expect.objectContaining({
        code: "BOARD_PLUGIN_FAILED",
        where: "20000000.widget, property 'clock-names'",
        message: expect.stringContaining(
          `'clock-names': it is a plain string; write ctx.values.str("apb")`,
        ),
      }),
    );
  });

  it("names a bad cell inside a child node", async () => {
    const { run } = await planWith(`  build: () => ({ name: "widget", properties: {},
    children: [{ name: "port", properties: { reg: { cells: [-1] } } }] }),`);
    expect(run).toThrow(/'port\/reg': the cell -1 is not a 32-bit unsigned integer/);
  });

  it("refuses a trigger that is neither level nor edge, naming the plugin and the device", async () => {
    const { run, file } = await planWith(`  build: () => ({ name: "widget", trigger: "high" }),`);
    expect(run).toThrow(
      expect.objectContaining({
        code: "BOARD_PLUGIN_FAILED",
        exitCode: 3,
        where: file,
        message: `board plugin 'widget' built an unusable node for 20000000.widget: 'trigger' is "high"; write "level", "edge" or a list of them, one per IRQ`,
      }),
    );
  });

  it("refuses a trigger function, the shape before triggers were data", async () => {
    const { run } = await planWith(`  build: () => ({ name: "widget", trigger: () => "edge" }),`);
    expect(run).toThrow(/'trigger' is a function; write "level", "edge" or a list of them/);
  });

  it("refuses a trigger list that does not give one trigger per IRQ", async () => {
    const { run } = await planWith(
      `  build: () => ({ name: "widget", trigger: ["edge", "level"] }),`,
    );
    expect(run).toThrow(/'trigger' lists 2 triggers for the device's 1 IRQ$/);
    const bad = await planWith(`  build: () => ({ name: "widget", trigger: ["rising"] }),`);
    expect(bad.run).toThrow(/'trigger' of IRQ 0 is "rising", neither "level" nor "edge"/);
  });

  it.each([
    ["one for all IRQs", `"edge"`],
    ["one per IRQ", `["edge"]`],
  ])(
    "reports the trigger a plugin chooses, %s, in the plan as in the guest node",
    async (_, trigger) => {
      const { run } = await planWith(`  build: () => ({ name: "widget", trigger: ${trigger} }),`);
      const { plan, guest } = run();
      expect(plan.devices[0]?.irqs.map((i) => i.trigger)).toEqual(["edge"]);
      const node = guest.root.child("platform-bus@c000000")?.child("widget@0");
      expect(asU32s(node?.property("interrupts") ?? new Uint8Array())).toEqual([0, 0x70, 1]);
    },
  );

  it("gives options(z) platpass's zod, so a plugin needs no zod of its own", async () => {
    const { run } = await planWith(`  options: (z) => z.strictObject({ speed: z.int().default(9) }),
  build: (ctx) => ({ name: "widget", properties: { speed: ctx.values.cells(ctx.options.speed) } }),`);
    expect(() => run()).not.toThrow();
    const bad = await planWith(
      `  options: (z) => z.strictObject({ speed: z.int() }),
  build: () => ({ name: "widget", properties: {} }),`,
      { speed: "fast" },
    );
    expect(bad.run).toThrow(
      /options for plugin 'widget' are invalid:\n {2}\$\.devices\[0\]\.options\.speed/,
    );
  });

  it("runs options(z) once, when the first device's options are checked, and names the plugin when it throws", async () => {
    const counted = await planWith(`  options: (z) => {
    globalThis.widgetSchemas = (globalThis.widgetSchemas ?? 0) + 1;
    return z.strictObject({ speed: z.int().default(9) });
  },
  build: () => ({ name: "widget", properties: {} }),`);
    const built = () => (globalThis as { widgetSchemas?: number }).widgetSchemas ?? 0;
    expect(built()).toBe(0);
    counted.run();
    counted.run();
    expect(built()).toBe(1);

    const { run, file } = await planWith(`  options: (z) => z.nothing.here(),
  build: () => ({ name: "widget", properties: {} }),`);
    expect(run).toThrow(
      expect.objectContaining({
        code: "BOARD_PLUGIN_FAILED",
        where: expect.stringContaining(file),
        message: expect.stringMatching(
          /^board plugin 'widget' failed in options\(z\): TypeError: /,
        ),
      }),
    );
  });

  it("gives a syntax error its file and line", async () => {
    const { dir, file } = pluginFile(`  build( {`);
    await expect(loadRegistry(["./widget.mjs"], dir)).rejects.toMatchObject({
      code: "BOARD_PLUGIN_LOAD",
      exitCode: 3,
      where: `${file}:7`,
      message: expect.stringContaining("SyntaxError"),
    });
  });

  it("refuses a NaN score", async () => {
    const { dir } = pluginFile(`  build: () => ({ name: "w", properties: {} }),`);
    writeFileSync(
      join(dir, "nan.mjs"),
      `export default { name: "nan", summary: "s", qemuDevice: "vfio-platform", match: { anyDevice: NaN }, build() {} };`,
    );
    await expect(loadRegistry(["./nan.mjs"], dir)).rejects.toThrow(
      /'nan' is not a board plugin: 'match.anyDevice' must be a finite number/,
    );
  });
});
