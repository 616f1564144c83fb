import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadRegistry } from "../../../src/boards/loader.js";
import { parseConfig } from "../../../src/config/parse.js";
import { compileDts, readDtb } from "../../../src/fdt/index.js";
import { devicesFromDtb } from "../../../src/host/dt/offline.js";
import { buildPlan } from "../../../src/plan/build.js";

const baseDts = readFileSync(
  new URL("../plan/fixtures/virt-gicv3-base.dts", import.meta.url),
  "utf8",
);
const hostDts = `/dts-v1/; / { #address-cells = <1>; #size-cells = <1>; interrupt-parent = <&gic>;
  gic: interrupt-controller@10000000 { compatible = "arm,gic-400"; #interrupt-cells = <3>; interrupt-controller; reg = <0x10000000 0x1000>; };
  widget@20000000 { compatible = "acme,widget"; reg = <0x20000000 0x1000>; interrupts = <0 40 4>; }; };`;

let base: Uint8Array;
let hostBytes: Uint8Array;
beforeAll(async () => {
  base = await compileDts(baseDts);
  hostBytes = await compileDts(hostDts);
});

/** A plugin module for acme,widget whose body is `members`, written to a fresh folder. */
function pluginFile(members: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "platpass-guard-"));
  const file = join(dir, "widget.mjs");
  writeFileSync(
    file,
    `export default {
  name: "widget",
  summary: "a test plugin",
  qemuDevice: "vfio-platform",
  match: { compatible: [{ compatible: "acme,widget", score: 50 }] },
${members}
};
`,
  );
  return { dir, file };
}

async function planWith(members: string, options?: unknown) {
  const { dir, file } = pluginFile(members);
  const registry = await loadRegistry(["./widget.mjs"], dir);
  const host = readDtb(hostBytes);
  const run = () =>
    buildPlan({
      config: parseConfig({
        devices: [{ host: "20000000.widget", ...(options ? { options } : {}) }],
      }),
      hostDevices: devicesFromDtb(host),
      hostTree: host,
      baseDtb: base,
      registry,
      dtbFile: "/run/vm/guest.dtb",
      qemuBinary: "/usr/bin/qemu-system-aarch64",
    });
  return { run, file };
}

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

  it("refuses a trigger() that is neither level nor edge", async () => {
    const { run } = await planWith(
      `  build: () => ({ name: "widget", properties: {}, trigger: () => "high" }),`,
    );
    expect(run).toThrow(/returned a bad trigger for 20000000\.widget IRQ 0: "high" is neither/);
  });

  it("reports the trigger a plugin chooses in the plan as in the guest node", async () => {
    const { run } = await planWith(
      `  build: () => ({ name: "widget", properties: {}, trigger: () => "edge" }),`,
    );
    const { plan } = run();
    expect(plan.devices[0]?.irqs.map((i) => i.trigger)).toEqual(["edge"]);
  });

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
