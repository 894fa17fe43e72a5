// The `depinfer-provider` command: bad set-up is refused before anything starts, with the field named.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { runProviderCli } from "../../test/utils/providerCli.js";

const KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";


describe("depinfer-provider", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-cli-"));
  const config = (overrides: Record<string, unknown>) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: "http://127.0.0.1:1",
        chainId: 31337,
        market: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
        dataDir: "data",
        signer: { env: "CLI_TEST_KEY" },
        models: [{ model: `0x${"ab".repeat(32)}`, backend: { type: "builtin" }, price: "1", token: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }],
        ...overrides,
      }),
    );
    return file;
  };

  it("prints its usage", async () => {
    const { code, stdout } = await runProviderCli(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: depinfer-provider --config FILE");
    expect(stdout).toContain("setup            register, stake and offer");
    const setup = await runProviderCli(["setup", "--help"]);
    expect([setup.code, setup.stdout]).toEqual([0, expect.stringContaining("--dry-run              check and print the plan")]);
  });

  it("exits 2 naming the bad field, without printing the key", async () => {
    const { code, stderr } = await runProviderCli(["--config", config({ concurrency: 0 })], { CLI_TEST_KEY: KEY });
    expect(code).toBe(2);
    expect(stderr).toContain("concurrency is 0 (number): expected an integer from 1 to 1024");
    const unset = await runProviderCli(["--config", config({})], { CLI_TEST_KEY: "" });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("signer.env");
    const badFlag = await runProviderCli(["--config", config({}), "--log-level", "loud"], { CLI_TEST_KEY: KEY });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("--log-level is \"loud\"");
    for (const r of [unset, badFlag]) expect(r.stderr + r.code).not.toContain(KEY.slice(2));
    // One line per problem, without viem's version line.
    expect(stderr).toBe("Invalid provider config " + stderr.slice("Invalid provider config ".length).split("\n")[0] + "\n");
    for (const r of [unset, badFlag]) expect(r.stderr).not.toMatch(/Version: viem@/);
    const unknown = await runProviderCli(["--config", config({}), "--colour"], { CLI_TEST_KEY: KEY });
    expect([unknown.code, unknown.stderr]).toEqual([2, "--colour is not an option of depinfer-provider (depinfer-provider --help lists the options).\n"]);
  });

  it("setup refuses a bad --stake or --max-latency before connecting", async () => {
    const stake = await runProviderCli(["setup", "--config", config({}), "--stake", "1e3"], { CLI_TEST_KEY: KEY });
    expect([stake.code, stake.stderr]).toEqual([2, '--stake is "1e3": expected an amount of stake tokens, e.g. 1000 or 1000.5.\n']);
    const latency = await runProviderCli(["setup", "--config", config({}), "--max-latency", "0"], { CLI_TEST_KEY: KEY });
    expect(latency.code).toBe(2);
    expect(latency.stderr).toContain("--max-latency is \"0\": expected a whole number of seconds, at least 1");
  });

  it("exits 2 naming rpcUrl when nothing answers there", async () => {
    // Nothing listens on port 1: the start-up check fails after its retries.
    const { code, stderr } = await runProviderCli(["--config", config({ rpcUrl: "http://user:secret@127.0.0.1:1" })], { CLI_TEST_KEY: KEY });
    expect(code).toBe(2);
    expect(stderr).toMatch(/rpcUrl is http:\/\/REDACTED:REDACTED@127\.0\.0\.1:1\/: expected an RPC endpoint that answers/);
    expect(stderr).not.toContain("secret");
  });
});
