// `depinfer-provider setup` and `register-model` as an operator runs them: a real process against a
// fresh `npm run deploy` on an anvil node. The example config must pass `setup --dry-run` there (once
// its models are registered and its account funded, as docs/provider-node.md walks through); a
// non-market address is refused in one line; a dry run lists every gap at once; addresses come from
// deployments/<network>/ with --network.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { jobMarketAbi, ModelAlreadyRegisteredError, modelIdOf, registerModel } from "depinfer";
import { deploy } from "../../scripts/deploy.js";
import type { DeploymentRecord } from "../../scripts/lib/cli.js";
import { fund } from "../../scripts/local/fund.js";
import { startAnvil, type AnvilHandle } from "../../test/utils/anvil.js";
import { runProviderCli } from "../../test/utils/providerCli.js";
import { BUILTIN_MODEL } from "../src/models/charModel.js";

const PORT = 18640;
const NET = "anvilSetup";
const RPC = `http://127.0.0.1:${PORT}`;
const root = path.resolve(import.meta.dirname, "../..");
const EXAMPLE = path.join(root, "examples/provider.example.json");
// anvil's account #1: the operator of the docs' local walkthrough (account #0 deployed).
const OPERATOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
// The example's second model, as docs/provider-node.md registers it.
const LLAMA = {
  weightsHash: "0x9bd69b736fb42972d7b846890c7d3bbfadfb65b4377d925260d43dac929b7651",
  runtimeDigest: "0x7790526194b03cadb5c16cb8708baac79241154c67d3b61a69fee8c5f02c64b3",
  determinism: "none",
  metadataURI: "https://ollama.com/library/llama3.1:8b",
} as const;

/** No stack trace and no viem version line: what an operator sees is the problem. */
function expectClean(output: string) {
  expect(output).not.toMatch(/Version: viem@/);
  expect(output).not.toMatch(/^\s+at /m);
}

describe("depinfer-provider setup and register-model (anvil, fresh deploy)", () => {
  let anvil: AnvilHandle;
  let dir: string;
  let record: DeploymentRecord;
  const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as { market: Address; models: { model: Hex; token: Address }[] };
  const env = { PROVIDER_KEY: OPERATOR_KEY, DEPINFER_DEPLOYMENTS_DIR: "" };
  const configFile = (overrides: Record<string, unknown>) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(EXAMPLE, "utf8")), dataDir: path.join(dir, "data"), ...overrides }));
    return file;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-setup-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    env.DEPINFER_DEPLOYMENTS_DIR = dir;
    anvil = await startAnvil(PORT);
    record = (await deploy(["--network", NET, "--yes"], () => {}))!;
  });

  afterAll(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(root, "ignition", "deployments", `depinfer-${NET}`), { recursive: true, force: true });
  });

  it("test_example_addressesAreAFreshLocalDeploy", () => {
    // The example points at what `npm run deploy -- --network localhost` deploys on a fresh node.
    expect(example.market).toBe(record.contracts.market);
    for (const m of example.models) expect(m.token).toBe(record.contracts.paymentTokens[0]);
  });

  it("test_docs_walkthroughUsesTheTestedCommandsAndValues", () => {
    // docs/provider-node.md's local walkthrough is this file's steps: same key, same funding script,
    // same model commitments, and the example config it shows is the real file.
    const docs = readFileSync(path.join(root, "docs/provider-node.md"), "utf8");
    for (const text of [OPERATOR_KEY, "npx tsx scripts/local/fund.ts --network localhost", "register-model --config examples/provider.example.json --builtin", LLAMA.weightsHash, LLAMA.runtimeDigest, `--determinism ${LLAMA.determinism} --metadata-uri ${LLAMA.metadataURI}`, "setup --config examples/provider.example.json --stake 1000 --dry-run"]) {
      expect(docs).toContain(text);
    }
    expect(docs).toContain(readFileSync(EXAMPLE, "utf8").trim());
  });

  it("test_setup_notAMarket_refusedInOneLine", async () => {
    // The Governor has code but is no market; the extension answers the views but is no market. With
    // --stake (it reads the stake token first) this used to end in a raw stack trace.
    for (const [address, why, commands] of [
      [record.contracts.governor, /does not answer settings\(\) and params\(\)/, [["setup", "--stake", "1000"], ["setup", "--dry-run"], ["register-model", "--builtin"], []]],
      [record.contracts.marketExtension, /has no stake token: the market's extension code, not the market\?/, [["setup", "--dry-run"]]],
      ["0x000000000000000000000000000000000000dEaD", /there is no contract at this address/, [["setup"]]],
    ] as const) {
      for (const args of commands) {
        const r = await runProviderCli([...args, "--config", EXAMPLE, "--rpc-url", RPC, "--market", address, "--data-dir", path.join(dir, "data")], env);
        expect(r.code, r.stderr).toBe(2);
        const lines = r.stderr.trim().split("\n");
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toContain(`market is ${address}: expected`);
        expect(lines[0]).toMatch(why);
        expectClean(r.stdout + r.stderr);
      }
    }
  });

  it("test_setup_network_readsTheMarketFromDeployments", async () => {
    // The file names the Governor; --network anvilSetup takes the market from the deployment record.
    const file = configFile({ market: record.contracts.governor });
    const r = await runProviderCli(["setup", "--config", file, "--rpc-url", RPC, "--network", NET, "--dry-run"], env);
    expect(r.stdout).toContain(`market ${record.contracts.market}`);
    expectClean(r.stdout + r.stderr);
    // Its chain id must match; an unknown network is one line.
    const wrongChain = await runProviderCli(["setup", "--config", configFile({ chainId: 8453 }), "--rpc-url", RPC, "--network", NET, "--dry-run"], env);
    expect([wrongChain.code, wrongChain.stderr.trim()]).toEqual([2, expect.stringMatching(/^Invalid provider config: chainId is 8453: expected the chain of the anvilSetup deployment, 31337 \(.*deployment\.json\)\.$/)]);
    const unknown = await runProviderCli(["setup", "--config", file, "--rpc-url", RPC, "--network", "nowhere", "--dry-run"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
    expect(unknown.stderr).toContain('--network is "nowhere": expected a network with a deployment record');
  });

  it("test_setupDryRun_reportsEveryGapAtOnce_andSendsNothing", async () => {
    // A fresh key: no DPI, no gas money; the model unregistered, one token not allowed, and a stake
    // below the market's minimum (100 DPI).
    const key = generatePrivateKey();
    const address = privateKeyToAccount(key).address;
    const file = configFile({
      models: [
        { model: `0x${"12".repeat(32)}`, backend: { type: "builtin" }, price: "1", token: record.contracts.paymentTokens[0] },
        { model: `0x${"12".repeat(32)}`, backend: { type: "builtin" }, price: "1", token: record.contracts.token },
      ],
    });
    for (const dryRun of [["--dry-run"], []]) {
      const r = await runProviderCli(["setup", "--config", file, "--rpc-url", RPC, "--stake", "10", ...dryRun], { ...env, PROVIDER_KEY: key });
      expect(r.code, r.stderr).toBe(2);
      const gaps = r.stderr.trim().split("\n").filter((l) => l.startsWith("missing: "));
      expect(gaps.join("\n")).toMatch(/DPI balance: .* holds 0 DPI, 10 DPI short of the 10 DPI to stake/);
      expect(gaps.join("\n")).toMatch(/stake: 10 DPI is below the market's minimum stake of 100 DPI: pass --stake 100 or more/);
      for (const i of [0, 1]) expect(gaps.join("\n")).toMatch(new RegExp(`models\\[${i}\\]\\.model: 0x${"12".repeat(32)} is not registered`));
      expect(gaps.join("\n")).toMatch(new RegExp(`models\\[1\\]\\.token: ${record.contracts.token} is not a payment token this market allows`));
      expect(gaps.join("\n")).toMatch(/gas: .* holds 0 ETH, about [\d.]+ short/);
      expect(gaps).toHaveLength(6);
      expectClean(r.stdout + r.stderr);
    }
    const publicClient = createPublicClient({ chain: foundry, transport: http(RPC) });
    expect(await publicClient.getTransactionCount({ address })).toBe(0); // nothing sent
  });

  it("test_registerModel_sdkAction_registersAndRefusesTwice", async () => {
    const account = privateKeyToAccount(OPERATOR_KEY);
    const wallet = createWalletClient({ chain: foundry, transport: http(RPC), account });
    const publicClient = createPublicClient({ chain: foundry, transport: http(RPC) });
    const commitment = { weightsHash: `0x${"a1".repeat(32)}`, runtimeDigest: `0x${"b2".repeat(32)}`, determinism: 1 } as const;
    const { hash, model } = await registerModel(wallet, { market: record.contracts.market, ...commitment, metadataURI: "ipfs://sdk-model" });
    expect(model).toBe(modelIdOf(commitment));
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const [event] = parseEventLogs({ abi: jobMarketAbi, eventName: "ModelRegistered", logs: receipt.logs });
    expect(event?.args).toMatchObject({ model, registrant: account.address, metadataURI: "ipfs://sdk-model", determinism: 1 });
    expect((await publicClient.readContract({ address: record.contracts.market, abi: jobMarketAbi, functionName: "model", args: [model] })).registered).toBe(true);
    await expect(registerModel(wallet, { market: record.contracts.market, ...commitment, metadataURI: "ipfs://again" })).rejects.toBeInstanceOf(ModelAlreadyRegisteredError);
  });

  it("test_registerModel_command_registersTheExampleModels_once", async () => {
    const args = ["register-model", "--config", EXAMPLE, "--rpc-url", RPC];
    const dry = await runProviderCli([...args, "--builtin", "--dry-run"], env);
    expect([dry.code, dry.stdout.trim()]).toEqual([0, `would register model ${example.models[0]!.model} (exact, builtin://${BUILTIN_MODEL.name}) on market ${record.contracts.market}`]);
    const builtin = await runProviderCli([...args, "--builtin"], env);
    expect(builtin.code, builtin.stderr).toBe(0);
    expect(builtin.stdout).toContain(`registered model ${example.models[0]!.model} (exact`);
    const llama = await runProviderCli(
      [...args, "--weights-hash", LLAMA.weightsHash, "--runtime-digest", LLAMA.runtimeDigest, "--determinism", LLAMA.determinism, "--metadata-uri", LLAMA.metadataURI],
      env,
    );
    expect(llama.code, llama.stderr).toBe(0);
    expect(llama.stdout).toContain(`registered model ${example.models[1]!.model} (none, ${LLAMA.metadataURI})`);
    const again = await runProviderCli([...args, "--builtin"], env);
    expect([again.code, again.stdout.trim()]).toEqual([0, `model ${example.models[0]!.model} is already registered on market ${record.contracts.market}: nothing to send`]);
    const bad = await runProviderCli([...args, "--weights-hash", "0x12", "--runtime-digest", LLAMA.runtimeDigest, "--determinism", "none", "--metadata-uri", "x"], env);
    expect([bad.code, bad.stderr]).toEqual([2, '--weights-hash is "0x12": expected a bytes32: 0x followed by 64 hex digits.\n']);
    const help = await runProviderCli(["register-model", "--help"], env);
    expect(help.stdout).toContain("--weights-hash 0x…");
  });

  it("test_exampleConfig_passesSetupDryRun_afterTheDocsLocalSteps", async () => {
    // After test_registerModel_command_…: both example models are registered. The operator gets DPI
    // from the deployer as the docs say (scripts/local/fund.ts), then the dry run finds nothing missing.
    const before = await runProviderCli(["setup", "--config", EXAMPLE, "--rpc-url", RPC, "--stake", "1000", "--dry-run"], env);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/^missing: DPI balance: .* holds 0 DPI, 1000 DPI short/m);
    await fund(["--network", NET, "--to", privateKeyToAccount(OPERATOR_KEY).address, "--dpi", "1000", "--eth", "0"], () => {});
    const dry = await runProviderCli(["setup", "--config", EXAMPLE, "--rpc-url", RPC, "--stake", "1000", "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("would approve 1000 DPI for the market (allowance now 0 DPI)");
    expect(dry.stdout.trim().split("\n").at(-1)).toBe("ready: 5 transactions to send, nothing missing");
    const real = await runProviderCli(["setup", "--config", EXAMPLE, "--rpc-url", RPC, "--stake", "1000"], env);
    expect(real.code, real.stderr).toBe(0);
    const again = await runProviderCli(["setup", "--config", EXAMPLE, "--rpc-url", RPC, "--stake", "1000", "--dry-run"], env);
    expect([again.code, again.stdout.trim().split("\n").at(-1)]).toEqual([0, "nothing to do: registered, staked and offering as configured"]);
  });
});
