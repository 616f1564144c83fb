/**
 * Guest nodes checked against Linux 6.1's own bindings by the real dt-validate (Debian's
 * dt-schema), the bindings processed once from Debian's linux-source-6.1 and cached across
 * runs ('platpass provision --for tests' makes them; without it the first run here does).
 * Hosts: the emulated host's TPM and a Calxeda Highbank (the plugin fixtures), rk3399-firefly
 * from Debian's arm64 kernel package, and a Highbank whose XGMAC node breaks its binding.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Bindings, loadBindings, subsetFile } from "../../../src/env/bindings.js";
import { debianPackage, newestArm64KernelAbi } from "../../../src/env/debian.js";
import { excerpt } from "../../../src/fdt/excerpt.js";
import { compileDts, findNode, walk, writeDtb } from "../../../src/fdt/index.js";
import { phandlePropertyTest, schemaSubset } from "../../../src/fdt/schema-index.js";
import { checkOnly, placeRecords, runDtValidate } from "../../../src/fdt/validate.js";
import { planConfigFile } from "../../../src/world/plan-file.js";
import { readHostTree, validatePlan } from "../../../src/world/validate-plan.js";

const text = (url: URL) => readFile(url, "utf8");
const pluginFixture = (name: string) => new URL(`../boards/fixtures/${name}`, import.meta.url);

let dir: string;
let bindings: Bindings;
const hosts: Record<string, string> = {};
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "platpass-validate-test-"));
  bindings = await loadBindings({ progress: (line) => process.stderr.write(`${line}\n`) });
  const dts = {
    tpm: pluginFixture("tpm-tis.host.dts"),
    highbank: pluginFixture("calxeda-xgmac.host.dts"),
    broken: new URL("fixtures/broken-xgmac.host.dts", import.meta.url),
  };
  for (const [name, url] of Object.entries(dts)) {
    hosts[name] = join(dir, `${name}.dtb`);
    await writeFile(hosts[name], await compileDts(await text(url)));
  }
  const abi = await newestArm64KernelAbi();
  const kernel = await debianPackage(`linux-image-${abi}`, "arm64");
  hosts.rk3399 = join(kernel.root, "usr/lib", `linux-image-${abi}`, "rockchip/rk3399-firefly.dtb");
}, 900_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What 'platpass plan CONFIG --host-dtb HOST' plans, for these devices. */
async function planned(host: string, devices: unknown[]) {
  const config = join(dir, "vm.json");
  await writeFile(config, JSON.stringify({ devices, machine: { accel: "tcg" } }));
  return planConfigFile(config, { hostDtb: hosts[host] });
}

/** What 'platpass plan CONFIG --host-dtb HOST --validate' reports. */
async function validated(host: string, devices: unknown[]) {
  const { plan, guest } = await planned(host, devices);
  return validatePlan(plan, guest, await readHostTree(hosts[host]));
}

describe("guest nodes against Linux 6.1's bindings", () => {
  it("the emulated host's TPM validates clean, with no binding of its own in Linux 6.1", async () => {
    const v = await validated("tpm", [{ host: "c000000.tpm_tis" }]);
    // Linux 6.1 describes tcg,tpm-tis-mmio in a .txt file only: the core schemas check it.
    expect(v.nodes).toEqual([
      {
        device: "c000000.tpm_tis",
        node: "/platform-bus@c000000/tpm_tis@0",
        hostNode: "/platform-bus@c000000/tpm_tis@0",
        schemas: [],
        noBinding: true,
        errors: [],
      },
    ]);
    expect(v.bindings.source).toMatch(/^linux-source-6\.1 6\.1\./);
  });

  it("a Calxeda XGMAC guest node satisfies calxeda-xgmac.yaml", async () => {
    const v = await validated("highbank", [{ host: "fff50000.ethernet" }]);
    expect(
      v.nodes.map(({ schemas, noBinding, errors }) => ({ schemas, noBinding, errors })),
    ).toEqual([{ schemas: ["net/calxeda-xgmac.yaml"], noBinding: false, errors: [] }]);
  });

  it("rk3399's GMAC from the generic plugin lacks the clocks its binding requires: introduced", async () => {
    const v = await validated("rk3399", [{ host: "fe300000.ethernet", plugin: "generic" }]);
    const node = v.nodes[0]!;
    expect(node).toMatchObject({
      device: "fe300000.ethernet",
      hostNode: "/ethernet@fe300000",
      schemas: ["net/rockchip-dwmac.yaml"],
    });
    expect(node.errors).toEqual(
      expect.arrayContaining([
        {
          schema: "net/rockchip-dwmac.yaml",
          message: "'clocks' is a required property",
          origin: "introduced",
        },
        {
          schema: "net/rockchip-dwmac.yaml",
          message: "'clock-names' is a required property",
          origin: "introduced",
        },
      ]),
    );
  });

  it("a host node that breaks its binding hands the error on as inherited", async () => {
    const generic = await validated("broken", [{ host: "fff50000.ethernet", plugin: "generic" }]);
    expect(generic.nodes[0]?.errors).toEqual([
      {
        schema: "net/calxeda-xgmac.yaml",
        message: "'calxeda,port-speed' does not match any of the regexes: 'pinctrl-[0-9]+'",
        origin: "inherited",
      },
    ]);
    // The calxeda-xgmac plugin writes only what QEMU's own node has: the property stays behind.
    const calxeda = await validated("broken", [{ host: "fff50000.ethernet" }]);
    expect(calxeda.nodes[0]?.errors).toEqual([]);
  });

  it("the schemas handed over find what Linux's whole processed schema finds", async () => {
    const { plan, guest } = await planned("rk3399", [
      { host: "fe300000.ethernet", plugin: "generic" },
    ]);
    const target = findNode(guest, plan.devices[0]!.guestNodes[0]!)!;
    const small = excerpt(guest, [target], phandlePropertyTest(bindings.index));
    const file = join(dir, "gmac.dtb");
    await writeFile(file, writeDtb(small));
    const order = [...walk(small.root)].map((n) => n.path);
    const subset = await subsetFile(
      bindings,
      schemaSubset(bindings.index, ["rockchip,rk3399-gmac"]),
    );
    const messages = async (schema: string) =>
      placeRecords(order, (await runDtValidate(schema, [file])).records.get(file)!)
        .get(target.path)
        ?.errors.map((e) => e.message);
    const fromSubset = await messages(subset);
    expect(fromSubset).toContain("'clocks' is a required property");
    expect(await messages(bindings.schema)).toEqual(fromSubset);
  });

  it("dt-validate checks only the nodes asked about (the rest marked) and finds on them what it finds unmarked", async () => {
    const { plan, guest } = await planned("rk3399", [
      { host: "fe300000.ethernet", plugin: "generic" },
    ]);
    const host = await readHostTree(hosts.rk3399!);
    const subset = await subsetFile(
      bindings,
      schemaSubset(bindings.index, ["rockchip,rk3399-gmac", "snps,dwmac-4.20a"]),
    );
    for (const [tree, path] of [
      [guest, plan.devices[0]!.guestNodes[0]!],
      [host, plan.devices[0]!.hostPath],
    ] as const) {
      const run = async (mark: boolean) => {
        const small = excerpt(tree, [findNode(tree, path)!], phandlePropertyTest(bindings.index));
        const order = mark ? checkOnly(small, [path]) : [...walk(small.root)].map((n) => n.path);
        const file = join(dir, "marked.dtb");
        await writeFile(file, writeDtb(small));
        const records = (await runDtValidate(subset, [file])).records.get(file)!;
        return { order, records, placed: placeRecords(order, records) };
      };
      const whole = await run(false);
      const marked = await run(true);
      // The root and the phandle providers' stubs are most of the tree and no longer checked.
      expect(marked.order.length).toBeLessThan(whole.order.length / 2);
      expect(whole.records.some((r) => r.kind === "matched" && r.path === "/")).toBe(true);
      expect(marked.records.filter((r) => r.kind === "matched").map((r) => r.path)).toEqual([path]);
      expect(marked.placed.get(path)).toEqual(whole.placed.get(path));
      for (const p of marked.order.filter((p) => p !== path))
        expect(marked.placed.get(p)).toEqual(whole.placed.get(p));
    }
  });
});

describe("platpass plan / dtb --validate (the built CLI)", () => {
  const bin = new URL("../../../bin/platpass.js", import.meta.url).pathname;
  const config = (name: string, devices: unknown[]) => {
    const file = join(dir, name);
    return writeFile(file, JSON.stringify({ devices, machine: { accel: "tcg" } })).then(() => file);
  };

  it("plan --json adds 'validation' only when asked", async () => {
    const file = await config("highbank.json", [{ host: "fff50000.ethernet" }]);
    const args = ["plan", file, "--host-dtb", hosts.highbank!, "--json"];
    const plain = JSON.parse((await execa("node", [bin, ...args])).stdout);
    const validated = JSON.parse((await execa("node", [bin, ...args, "--validate"])).stdout);
    expect(plain.validation).toBeUndefined();
    // The rest of the plan is the same, but for /chosen's fresh seeds in the DTB.
    const { validation, ...rest } = validated;
    expect({ ...rest, guest: { ...rest.guest, dtb: "" } }).toEqual({
      ...plain,
      guest: { ...plain.guest, dtb: "" },
    });
    expect(validation.nodes).toEqual([
      {
        device: "fff50000.ethernet",
        node: "/platform-bus@c000000/fff50000.ethernet@0",
        hostNode: "/soc/ethernet@fff50000",
        schemas: ["net/calxeda-xgmac.yaml"],
        noBinding: false,
        errors: [],
      },
    ]);
  });

  it("dtb --validate prints each binding error of a node, marked, and still exits 0", async () => {
    const file = await config("gmac.json", [{ host: "fe300000.ethernet", plugin: "generic" }]);
    const out = join(dir, "gmac.dtb");
    const r = await execa("node", [
      bin,
      "dtb",
      file,
      "--host-dtb",
      hosts.rk3399!,
      "-o",
      out,
      "--validate",
    ]);
    expect(r.stdout).toMatch(
      /^ {2}fe300000\.ethernet \/platform-bus@c000000\/ethernet@0 \(net\/rockchip-dwmac\.yaml\): 3 error\(s\)$/m,
    );
    expect(r.stdout).toContain(
      "    introduced 'clocks' is a required property  [net/rockchip-dwmac.yaml]",
    );
  });
});

describe("where the bindings come from", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ["PLATPASS_CACHE", "PLATPASS_OFFLINE", "PLATPASS_BINDINGS"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("offline, with nothing cached, refuses the download and says how to get them", async () => {
    process.env.PLATPASS_CACHE = await mkdtemp(join(dir, "empty-cache-"));
    process.env.PLATPASS_OFFLINE = "1";
    await expect(loadBindings()).rejects.toMatchObject({
      code: "BINDINGS_NOT_CACHED",
      message: expect.stringMatching(
        /apt-get download linux-source-6\.1=\S+ would need the network/,
      ),
      hint: expect.stringContaining("platpass provision --for validate"),
    });
  });

  it("a processed schema given in PLATPASS_BINDINGS is used as it is", async () => {
    const cache = await mkdtemp(join(tmpdir(), "platpass-cache-"));
    process.env.PLATPASS_CACHE = cache;
    process.env.PLATPASS_BINDINGS = bindings.schema;
    const v = await validated("highbank", [{ host: "fff50000.ethernet" }]);
    expect(v.bindings).toEqual({ source: bindings.schema, schema: bindings.schema });
    expect(v.nodes[0]).toMatchObject({ schemas: ["net/calxeda-xgmac.yaml"], errors: [] });
  });

  it("a bindings folder given in PLATPASS_BINDINGS is processed and its rules checked", async () => {
    process.env.PLATPASS_CACHE = await mkdtemp(join(dir, "cache-"));
    process.env.PLATPASS_BINDINGS = new URL("fixtures/bindings", import.meta.url).pathname;
    const v = await validated("highbank", [{ host: "fff50000.ethernet" }]);
    // Its calxeda-xgmac.yaml wants a clock, which the Highbank host node lacks as well.
    expect(v.nodes[0]?.errors).toEqual([
      {
        schema: "net/calxeda-xgmac.yaml",
        message: "'clocks' is a required property",
        origin: "inherited",
      },
    ]);
  });
});
