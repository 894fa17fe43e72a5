import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { encryptKeystoreJson } from "ethers";
import { BaseError } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DepinferError } from "depinfer";
import { describeConfig, feeCeilingsOf, inputLimitsOf, loadConfig, ProviderConfigError, resolveSigner, type ProviderConfig } from "../src/config.js";
import { createLogger, createProgress, progressLine } from "../src/logger.js";

// A throwaway key (never funded); the tests assert this exact string never leaks.
const KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const KEY_BARE = KEY.slice(2);
const ADDRESS = privateKeyToAccount(KEY).address;
const MODEL = `0x${"ab".repeat(32)}`;
const TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const MARKET = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";

let dir: string;
let keystorePath: string;
const env = { PROVIDER_KEY: KEY, KS_PASSWORD: "correct horse", WRONG_PASSWORD: "battery staple", OPENAI_KEY: "sk-test-123" };

const base = () => ({
  rpcUrl: "http://127.0.0.1:8545",
  chainId: 31337,
  dataDir: "./data",
  signer: { env: "PROVIDER_KEY" },
  models: [
    { model: MODEL, backend: { type: "builtin" }, price: "1000000000000000000", token: TOKEN },
    {
      model: `0x${"cd".repeat(32)}`,
      backend: { type: "openai", baseUrl: "http://localhost:11434/v1", model: "llama3", apiKeyEnv: "OPENAI_KEY" },
      price: "250",
      token: TOKEN,
    },
  ],
});

let n = 0;
function writeConfig(config: unknown): string {
  const file = join(dir, `config-${n++}.json`);
  writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
  return file;
}

/** Loads a config and returns the ProviderConfigError it throws (failing if none). */
function refuse(config: unknown, options: { argv?: string[]; env?: Record<string, string> } = {}): ProviderConfigError {
  try {
    loadConfig({ file: writeConfig(config), argv: options.argv, env: options.env ?? env });
  } catch (e) {
    expect(e).toBeInstanceOf(ProviderConfigError);
    expect(e).toBeInstanceOf(DepinferError);
    const error = e as ProviderConfigError;
    expect(error.message).not.toContain(KEY_BARE);
    return error;
  }
  throw new Error("config was accepted");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "depinfer-config-"));
  keystorePath = join(dir, "keystore.json");
  // A cheap scrypt so the test is fast.
  const json = await encryptKeystoreJson({ address: ADDRESS, privateKey: KEY }, env.KS_PASSWORD, { scrypt: { N: 1024 } });
  writeFileSync(keystorePath, json);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("loadConfig", () => {
  it("loads a valid config and fills in defaults", () => {
    const file = writeConfig(base());
    const config = loadConfig({ file, env });
    expect(config).toMatchObject({
      rpcUrl: "http://127.0.0.1:8545",
      chainId: 31337,
      dataDir: join(dir, "data"), // relative to the config file
      signer: { env: "PROVIDER_KEY" },
      concurrency: 4,
      pollingIntervalMs: 1000,
      finalizeBatchSize: 50,
      claimIntervalMs: 3_600_000,
      minJobSeconds: 60,
      maxCollateralShare: 0.1,
      maxFeePerGasGwei: 200,
      maxPriorityFeePerGasGwei: 10,
      maxGasPerTx: 10_000_000,
      maxFeePerTxEth: 0.5,
    });
    expect(config.market).toBeUndefined();
    expect(config.account).toBeUndefined();
    expect(config.models).toEqual([
      { model: MODEL, backend: { type: "builtin" }, price: "1000000000000000000", token: TOKEN },
      {
        model: `0x${"cd".repeat(32)}`,
        backend: { type: "openai", baseUrl: "http://localhost:11434/v1", model: "llama3", apiKeyEnv: "OPENAI_KEY" },
        price: "250",
        token: TOKEN,
      },
    ]);
  });

  it("lets flags override the file (and --config name it)", () => {
    const file = writeConfig({ ...base(), concurrency: 2, market: MARKET });
    const config = loadConfig({
      argv: ["--config", file, "--rpc-url=https://rpc.example.org", "--chain-id", "8453", "--concurrency", "16", "--data-dir", "/var/lib/depinfer"],
      env,
    });
    expect(config.rpcUrl).toBe("https://rpc.example.org");
    expect(config.chainId).toBe(8453);
    expect(config.concurrency).toBe(16);
    expect(config.dataDir).toBe("/var/lib/depinfer");
    expect(config.market).toBe(MARKET);
    const other = `0x${"11".repeat(20)}`;
    expect(loadConfig({ file, argv: ["--market", other], env }).market).toBe(other);
  });

  it("names the flag when a flag is bad or unknown", () => {
    const file = writeConfig(base());
    expect(() => loadConfig({ file, argv: ["--chain-id", "abc"], env })).toThrow(/chainId \(--chain-id\) is "abc": expected an integer >= 1/);
    expect(() => loadConfig({ file, argv: ["--concurency", "3"], env })).toThrow(/--concurency/);
    expect(() => loadConfig({ file, argv: ["--rpc-url"], env })).toThrow(/--rpc-url is missing/);
  });

  const bad: [string, () => unknown, string | RegExp, Record<string, string>?][] = [
    ["missing rpcUrl", () => ({ ...base(), rpcUrl: undefined }), /rpcUrl is missing: expected a URL/],
    ["bad URL", () => ({ ...base(), rpcUrl: "localhost:8545" }), /rpcUrl is "localhost:8545": expected a URL starting with http:\/\//],
    ["negative concurrency", () => ({ ...base(), concurrency: -1 }), /concurrency is -1 \(number\): expected an integer from 1 to 1024/],
    ["fractional polling interval", () => ({ ...base(), pollingIntervalMs: 10.5 }), /pollingIntervalMs is 10.5/],
    ["chainId as a string", () => ({ ...base(), chainId: "31337" }), /chainId is "31337": expected an integer/],
    [
      "bad model hex",
      () => ({ ...base(), models: [{ ...base().models[0], model: "0x1234" }] }),
      /models\[0\]\.model is "0x1234": expected a bytes32 model id/,
    ],
    [
      "bad token address",
      () => ({ ...base(), models: [base().models[0], { ...base().models[1], token: "0x123" }] }),
      /models\[1\]\.token is "0x123": expected an address/,
    ],
    [
      "token with a bad checksum",
      () => ({ ...base(), models: [{ ...base().models[0], token: TOKEN.replace("F", "f") }] }),
      /models\[0\]\.token .*checksum/,
    ],
    ["zero market", () => ({ ...base(), market: `0x${"0".repeat(40)}` }), /market .*not the zero address/],
    [
      "unknown backend type",
      () => ({ ...base(), models: [{ ...base().models[0], backend: { type: "vllm" } }] }),
      /models\[0\]\.backend\.type is "vllm": expected "builtin" or "openai"/,
    ],
    [
      "openai without baseUrl",
      () => ({ ...base(), models: [base().models[0], { ...base().models[1], backend: { type: "openai", model: "llama3" } }] }),
      /models\[1\]\.backend\.baseUrl is missing: expected a URL/,
    ],
    [
      "openai with an unset API key env var",
      () => ({ ...base(), models: [{ ...base().models[1], backend: { type: "openai", baseUrl: "http://x/v1", model: "m", apiKeyEnv: "NOPE" } }] }),
      /models\[0\]\.backend\.apiKeyEnv is "NOPE": expected the environment variable NOPE to be set/,
    ],
    [
      "price not an integer string",
      () => ({ ...base(), models: [{ ...base().models[0], price: "1.5" }] }),
      /models\[0\]\.price is "1.5": expected a decimal integer string/,
    ],
    ["price as a JSON number", () => ({ ...base(), models: [{ ...base().models[0], price: 100 }] }), /models\[0\]\.price is 100 \(number\).*loses precision/],
    ["no models", () => ({ ...base(), models: [] }), /models is \[\]: expected a non-empty array/],
    [
      "the same model and token twice",
      () => ({ ...base(), models: [base().models[0], base().models[0]] }),
      /models\[1\]\.model .*already served \(same as models\[0\]\)/,
    ],
    ["signer env var unset", () => base(), /signer\.env is "PROVIDER_KEY": expected the environment variable PROVIDER_KEY to be set/, { KS_PASSWORD: "x", OPENAI_KEY: "k" }],
    [
      "signer env var not a key",
      () => base(),
      /signer\.env is <REDACTED>: expected the environment variable PROVIDER_KEY to hold a private key/,
      { PROVIDER_KEY: KEY_BARE.slice(1), OPENAI_KEY: "k" },
    ],
    ["signer env holding the key itself", () => ({ ...base(), signer: { env: KEY } }), /signer\.env is <REDACTED>: expected the name of an environment variable/],
    ["keystore missing", () => ({ ...base(), signer: { keystore: "nope.json", passwordEnv: "KS_PASSWORD" } }), /signer\.keystore is "nope.json": expected an encrypted JSON keystore \(cannot read/],
    ["keystore password env unset", () => ({ ...base(), signer: { keystore: "keystore.json", passwordEnv: "UNSET" } }), /signer\.passwordEnv is "UNSET"/],
    ["unknown field", () => ({ ...base(), concurency: 8 }), /concurency is 8 \(number\): expected no such field/],
    ["outputServer port out of range", () => ({ ...base(), outputServer: { host: "0.0.0.0", port: 70000 } }), /outputServer\.port is 70000 \(number\): expected an integer from 0 to 65535/],
    [
      "outputServer CORS origin with a path",
      () => ({ ...base(), outputServer: { host: "0.0.0.0", port: 8080, corsOrigins: ["https://app.example/page"] } }),
      /outputServer\.corsOrigins\[0\] is "https:\/\/app\.example\/page": expected an origin such as "https:\/\/app\.example"/,
    ],
    ["not JSON", () => "{ rpcUrl: ", /\(file\) is not valid JSON/],
  ];

  it("passes the output server's CORS origins and limits through", () => {
    const config = loadConfig({
      file: writeConfig({ ...base(), outputServer: { host: "127.0.0.1", port: 8080, corsOrigins: ["https://app.example", "*"], maxConnections: 64, maxUploadBytes: 1048576 } }),
      env,
    });
    expect(config.outputServer).toEqual({ host: "127.0.0.1", port: 8080, corsOrigins: ["https://app.example", "*"], maxConnections: 64, maxUploadBytes: 1048576 });
  });

  it.each(bad)("refuses %s, naming the field", (_name, config, message, badEnv) => {
    const error = refuse(config(), { env: badEnv });
    expect(error.shortMessage).toMatch(message);
  });

  it("reports every problem, the first in the short message", () => {
    const error = refuse({ ...base(), rpcUrl: "nope", concurrency: 0, models: [{ ...base().models[0], price: "-1" }] });
    expect(error.field).toBe("rpcUrl");
    expect(error.issues.map((i) => i.field)).toEqual(["rpcUrl", "models[0].price", "concurrency"]);
    expect(error.shortMessage).toContain("(and 2 more problems)");
    expect(error.message).toContain("models[0].price");
  });

  it("keeps credentials in the RPC URL out of errors", () => {
    const error = refuse({ ...base(), rpcUrl: "ftp://user:hunter2@node.example/v3/abcdef0123456789abcdef0123" });
    expect(error.message).not.toContain("hunter2");
    expect(error.message).not.toContain("abcdef0123456789abcdef0123");
  });

  it("takes acceptFirst, contentStore and startBlock, and names them when bad", () => {
    expect(loadConfig({ file: writeConfig(base()), env })).toMatchObject({ acceptFirst: false });
    const config = loadConfig({
      file: writeConfig({ ...base(), acceptFirst: true, contentStore: { baseUrl: "https://content.example" }, startBlock: 1234 }),
      env,
    });
    expect(config).toMatchObject({ acceptFirst: true, contentStore: { baseUrl: "https://content.example" }, startBlock: 1234 });
    const error = refuse({ ...base(), acceptFirst: "yes", contentStore: { baseUrl: "ipfs://x", extra: 1 }, startBlock: -1 });
    expect(error.issues.map((i) => [i.field, i.expected])).toEqual([
      ["acceptFirst", "true or false"],
      ["contentStore.extra", "no such field (known: baseUrl)"],
      ["contentStore.baseUrl", "a URL starting with http:// or https://"],
      ["startBlock", "an integer >= 0"],
    ]);
  });

  it("takes minJobSeconds and maxCollateralShare, and names them when bad", () => {
    expect(loadConfig({ file: writeConfig({ ...base(), minJobSeconds: 300, maxCollateralShare: 1 }), env })).toMatchObject({ minJobSeconds: 300, maxCollateralShare: 1 });
    expect(loadConfig({ file: writeConfig({ ...base(), maxCollateralShare: 0.025 }), env }).maxCollateralShare).toBe(0.025);
    for (const [value, shown] of [[0, "0 (number)"], [1.5, "1.5 (number)"], ["0.1", '"0.1"'], [-0.1, "-0.1 (number)"]] as const) {
      const error = refuse({ ...base(), maxCollateralShare: value });
      expect(error.shortMessage).toContain(`maxCollateralShare is ${shown}: expected a number greater than 0 and at most 1: the share of the free stake one job may lock (0.1 = 10%).`);
    }
    const error = refuse({ ...base(), minJobSeconds: 0 });
    expect(error.shortMessage).toContain("minJobSeconds is 0 (number): expected an integer from 1 to 2592000.");
    expect(refuse({ ...base(), minJobSeconds: 7.5 }).field).toBe("minJobSeconds");
  });

  it("takes fee ceilings, converts them to wei and gas, and names them when bad", () => {
    const config = loadConfig({ file: writeConfig({ ...base(), maxFeePerGasGwei: 0.05, maxPriorityFeePerGasGwei: 0.001, maxGasPerTx: 21_000, maxFeePerTxEth: 0.000_001 }), env });
    expect(config).toMatchObject({ maxFeePerGasGwei: 0.05, maxPriorityFeePerGasGwei: 0.001, maxGasPerTx: 21_000, maxFeePerTxEth: 0.000_001 });
    expect(feeCeilingsOf(config)).toEqual({ maxFeePerGas: 50_000_000n, maxPriorityFeePerGas: 1_000_000n, maxGasPerTx: 21_000n, maxFeePerTx: 1_000_000_000_000n });
    // The defaults: 200 gwei, 10 gwei, 10M gas, 0.5 ETH; a config built in code without them gets them too.
    expect(feeCeilingsOf(loadConfig({ file: writeConfig(base()), env }))).toEqual({ maxFeePerGas: 200_000_000_000n, maxPriorityFeePerGas: 10_000_000_000n, maxGasPerTx: 10_000_000n, maxFeePerTx: 500_000_000_000_000_000n });
    expect(feeCeilingsOf({} as ProviderConfig)).toEqual(feeCeilingsOf(loadConfig({ file: writeConfig(base()), env })));
    for (const [field, value, shown, expected] of [
      ["maxFeePerGasGwei", 0, "0 (number)", "a number from 0.001 to 1000000 (gwei per gas)"],
      ["maxFeePerGasGwei", -1, "-1 (number)", "a number from 0.001 to 1000000 (gwei per gas)"],
      ["maxFeePerGasGwei", "200", '"200"', "a number from 0.001 to 1000000 (gwei per gas)"],
      ["maxPriorityFeePerGasGwei", 2_000_000, "2000000 (number)", "a number from 0.001 to 1000000 (gwei per gas)"],
      ["maxGasPerTx", 20_999, "20999 (number)", "an integer from 21000 to 100000000"],
      ["maxGasPerTx", 1.5e6 + 0.5, "1500000.5 (number)", "an integer from 21000 to 100000000"],
      ["maxFeePerTxEth", 0, "0 (number)", "a number from 0.000001 to 1000 (ETH (the chain's native coin) per transaction)"],
      ["maxFeePerTxEth", 5000, "5000 (number)", "a number from 0.000001 to 1000 (ETH (the chain's native coin) per transaction)"],
    ] as const) {
      const error = refuse({ ...base(), [field]: value });
      expect(error.field).toBe(field);
      expect(error.shortMessage).toContain(`${field} is ${shown}: expected ${expected}.`);
    }
  });

  it("takes per-model input limits, fills in their defaults, and names a bad one in one line", () => {
    const openai = base().models[1]!;
    const config = loadConfig({
      file: writeConfig({ ...base(), models: [base().models[0], { ...openai, maxInputBytes: 65_536, maxInputTokens: 6000, contextTokens: 8192, maxTokens: 1024, timeoutSeconds: 120 }] }),
      env,
    });
    expect(config.models[1]).toMatchObject({ maxInputBytes: 65_536, maxInputTokens: 6000, contextTokens: 8192, maxTokens: 1024, timeoutSeconds: 120 });
    // Absent: 1 MiB, no token limit, and the backend's own timeout (60 s for openai, 10 s built in).
    expect(inputLimitsOf(config.models[0]!)).toEqual({ maxInputBytes: 1_048_576, timeoutSeconds: 10 });
    expect(inputLimitsOf({ ...config.models[1]!, maxInputBytes: undefined, maxInputTokens: undefined, contextTokens: undefined, maxTokens: undefined, timeoutSeconds: undefined })).toEqual({ maxInputBytes: 1_048_576, timeoutSeconds: 60 });
    expect(describeConfig(config).models).toMatchObject([{ maxInputBytes: 1_048_576, timeoutSeconds: 10 }, { maxInputTokens: 6000, contextTokens: 8192, maxTokens: 1024 }]);

    for (const [fields, field, shown, expected] of [
      [{ maxInputBytes: 0 }, "models[1].maxInputBytes", "0 (number)", "an integer from 1 to 1073741824"],
      [{ maxInputBytes: "1MiB" }, "models[1].maxInputBytes", '"1MiB"', "an integer from 1 to 1073741824"],
      [{ maxInputTokens: 2.5 }, "models[1].maxInputTokens", "2.5 (number)", "an integer from 1 to 100000000"],
      [{ contextTokens: 1 }, "models[1].contextTokens", "1 (number)", "an integer from 2 to 100000000"],
      [{ maxTokens: -1 }, "models[1].maxTokens", "-1 (number)", "an integer from 1 to 100000000"],
      [{ timeoutSeconds: 0 }, "models[1].timeoutSeconds", "0 (number)", "an integer from 1 to 86400"],
      [{ timeoutSeconds: 86_401 }, "models[1].timeoutSeconds", "86401 (number)", "an integer from 1 to 86400"],
      // Limits that would refuse every job.
      [{ contextTokens: 4096, maxTokens: 4096 }, "models[1].maxTokens", "4096 (number)", "an integer below contextTokens (4096): the prompt needs room in the context too"],
      [{ contextTokens: 4096, maxInputTokens: 5000 }, "models[1].maxInputTokens", "5000 (number)", "an integer below contextTokens (4096): the completion needs room in the context too"],
    ] as const) {
      const error = refuse({ ...base(), models: [base().models[0], { ...openai, ...fields }] });
      expect(error.field).toBe(field);
      expect(error.shortMessage).toContain(`${field} is ${shown}: expected ${expected}.`);
      expect(error.shortMessage.split("\n")).toHaveLength(1);
    }
    const builtin = refuse({ ...base(), models: [{ ...base().models[0], maxTokens: 64 }] });
    expect(builtin.shortMessage).toContain("models[0].maxTokens is 64 (number): expected no maxTokens for the built-in model (its completion length is fixed)");
    const unknown = refuse({ ...base(), models: [{ ...base().models[0], maxInputTokenz: 5 }] });
    expect(unknown.shortMessage).toContain("models[0].maxInputTokenz is 5 (number): expected no such field (known: model, backend, price, token, maxInputBytes, maxInputTokens, contextTokens, maxTokens, timeoutSeconds).");
  });

  it("test_config_confirmations: defaults to 2 (1 on a local chain), takes 1 to 1000, and names it when bad", () => {
    expect(loadConfig({ file: writeConfig(base()), env }).confirmations).toBe(1); // chain 31337: anvil, Hardhat
    expect(loadConfig({ file: writeConfig({ ...base(), chainId: 84532 }), env }).confirmations).toBe(2);
    expect(loadConfig({ file: writeConfig({ ...base(), chainId: 84532, confirmations: 12 }), env }).confirmations).toBe(12);
    expect(loadConfig({ file: writeConfig({ ...base(), confirmations: 3 }), env }).confirmations).toBe(3);
    for (const [value, shown] of [[0, "0 (number)"], [1001, "1001 (number)"], [2.5, "2.5 (number)"], ["2", '"2"']] as const) {
      const error = refuse({ ...base(), confirmations: value });
      expect(error.field).toBe("confirmations");
      expect(error.shortMessage).toContain(`confirmations is ${shown}: expected an integer from 1 to 1000.`);
    }
  });

  it("test_config_batch: defaults to 32 jobs and 25 ms, takes 1 to 256 jobs and 0 to 60000 ms, and names a bad field", () => {
    expect(loadConfig({ file: writeConfig(base()), env }).batch).toEqual({ maxJobs: 32, maxWaitMs: 25 });
    expect(loadConfig({ file: writeConfig({ ...base(), batch: { maxJobs: 1 } }), env }).batch).toEqual({ maxJobs: 1, maxWaitMs: 25 });
    expect(loadConfig({ file: writeConfig({ ...base(), batch: { maxJobs: 256, maxWaitMs: 0 } }), env }).batch).toEqual({ maxJobs: 256, maxWaitMs: 0 });
    expect(loadConfig({ file: writeConfig({ ...base(), batch: { maxWaitMs: 60_000 } }), env }).batch).toEqual({ maxJobs: 32, maxWaitMs: 60_000 });
    for (const [batch, field, shown, expected] of [
      [{ maxJobs: 0 }, "batch.maxJobs", "0 (number)", "an integer from 1 to 256"],
      [{ maxJobs: 257 }, "batch.maxJobs", "257 (number)", "an integer from 1 to 256"],
      [{ maxWaitMs: -1 }, "batch.maxWaitMs", "-1 (number)", "an integer from 0 to 60000"],
      [{ maxWaitMs: 60_001 }, "batch.maxWaitMs", "60001 (number)", "an integer from 0 to 60000"],
    ] as const) {
      const error = refuse({ ...base(), batch });
      expect(error.field).toBe(field);
      expect(error.shortMessage).toContain(`${field} is ${shown}: expected ${expected}.`);
    }
    expect(refuse({ ...base(), batch: 8 }).field).toBe("batch");
  });

  it("accepts the example config shipped in examples/", () => {
    const file = join(import.meta.dirname, "../../examples/provider.example.json");
    const config = loadConfig({ argv: ["--config", file], env });
    expect(config.dataDir).toBe(join(import.meta.dirname, "../../examples/provider-data"));
    expect(config.models.map((m) => m.backend.type)).toEqual(["builtin", "openai"]);
  });

  it("requires a config file", () => {
    expect(() => loadConfig({ argv: [], env })).toThrow(/--config is missing/);
    expect(() => loadConfig({ file: join(dir, "absent.json"), env })).toThrow(/file is ".*absent.json": expected a readable JSON config file \(ENOENT\)/);
  });
});

describe("resolveSigner", () => {
  it("reads a private key from the env var, with or without 0x", async () => {
    const config = loadConfig({ file: writeConfig(base()), env });
    expect((await resolveSigner(config, env)).address).toBe(ADDRESS);
    expect((await resolveSigner(config, { PROVIDER_KEY: KEY_BARE })).address).toBe(ADDRESS);
    // The staking account defaults to the signer.
    expect((await resolveSigner(config, env, "account")).address).toBe(ADDRESS);
  });

  it("decrypts a keystore with the password from the env", async () => {
    const config = loadConfig({ file: writeConfig({ ...base(), account: { keystore: "keystore.json", passwordEnv: "KS_PASSWORD" } }), env });
    expect(config.account).toEqual({ keystore: keystorePath, passwordEnv: "KS_PASSWORD" });
    expect((await resolveSigner(config, env, "account")).address).toBe(ADDRESS);
  });

  it("refuses a keystore with the wrong password, naming the field", async () => {
    const config = loadConfig({ file: writeConfig({ ...base(), signer: { keystore: "keystore.json", passwordEnv: "WRONG_PASSWORD" } }), env });
    const error = await resolveSigner(config, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigError);
    const { shortMessage, message, field, cause } = error as ProviderConfigError;
    expect(field).toBe("signer.passwordEnv");
    expect(shortMessage).toMatch(/signer\.passwordEnv is <REDACTED>: expected the password in WRONG_PASSWORD to decrypt the keystore .* \(it is incorrect\)/);
    expect(message).not.toContain(env.WRONG_PASSWORD);
    expect(message).not.toContain(KEY_BARE);
    expect(cause).toBeUndefined();
  });

  it("refuses a key that is not on the curve without printing it", async () => {
    const zero = `0x${"0".repeat(64)}`;
    const error = await resolveSigner({ signer: { env: "K" } }, { K: zero }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderConfigError);
    expect((error as Error).message).toMatch(/signer\.env is <REDACTED>/);
    expect((error as Error).message).not.toContain(zero);
  });
});

describe("describeConfig", () => {
  it("never contains the private key, and redacts URL credentials", () => {
    const config: ProviderConfig = loadConfig({
      file: writeConfig({ ...base(), rpcUrl: "https://user:pw@eth-mainnet.g.alchemy.com/v2/Abc123def456ghi789jkl012?key=zzz" }),
      env,
    });
    for (const text of [String(describeConfig(config)), JSON.stringify(describeConfig(config)), JSON.stringify(config), String(config)]) {
      expect(text).not.toContain(KEY_BARE);
      expect(text).not.toContain(env.OPENAI_KEY);
    }
    const described = String(describeConfig(config));
    expect(described).toContain('"env": "PROVIDER_KEY"');
    expect(described).toContain("<REDACTED>");
    expect(described).not.toContain("Abc123def456ghi789jkl012");
    expect(described).not.toContain(":pw@");
    expect(described).not.toContain("zzz");
  });
});

describe("logger", () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, stream: { write: (chunk: string) => lines.push(chunk) } };
  };

  it("writes one parseable JSON object per line, bigints as strings", () => {
    const { lines, stream } = capture();
    const log = createLogger({ stream, level: "info", now: () => new Date("2025-01-01T00:00:00Z") });
    log.debug("hidden", { a: 1 });
    log.info("job accepted", { job: 12n, price: 10n ** 30n, nested: { fee: 5n, list: [1n, 2n] } });
    log.child({ job: 7n }).warn("slow backend", { ms: 1500 });
    log.error("submit failed", { err: new Error("boom"), privateKey: KEY, password: "x" });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.endsWith("\n") && !line.slice(0, -1).includes("\n")).toBe(true);
    const [a, b, c] = lines.map((l) => JSON.parse(l));
    expect(a).toEqual({
      time: "2025-01-01T00:00:00.000Z",
      level: "info",
      msg: "job accepted",
      job: "12",
      price: "1000000000000000000000000000000",
      nested: { fee: "5", list: ["1", "2"] },
    });
    expect(b).toMatchObject({ level: "warn", msg: "slow backend", job: "7", ms: 1500 });
    expect(c).toMatchObject({ level: "error", msg: "submit failed", err: { name: "Error", message: "boom" }, privateKey: "<REDACTED>", password: "<REDACTED>" });
    expect(lines.join("")).not.toContain(KEY_BARE);
  });

  it("logs viem errors without viem's version line", () => {
    const { lines, stream } = capture();
    createLogger({ stream }).error("submit failed", { err: new BaseError("RPC said no", { details: "nonce too low" }) });
    const { err } = JSON.parse(lines[0]!) as { err: { message: string; stack: string; shortMessage: string } };
    expect(err.shortMessage).toBe("RPC said no");
    expect(err.message).toContain("Details: nonce too low");
    expect(err.message + err.stack).not.toMatch(/Version: viem@/);
  });

  it("writes readable lines when pretty", () => {
    const { lines, stream } = capture();
    createLogger({ stream, pretty: true, now: () => new Date("2025-01-01T12:34:56Z") }).info("claimed", { amount: 42n });
    expect(lines[0]).toBe("12:34:56 INFO  claimed amount=42\n");
  });

  it("renders the progress line with the numbers", () => {
    const line = progressLine({ seen: 10, accepted: 8, submitted: 7, finalized: 5n, claimable: 1_500_000_000_000_000_000n, decimals: 18, symbol: "DPI", lastBlock: 12345n });
    expect(line).toBe("block 12345 | jobs seen 10 accepted 8 submitted 7 finalized 5 | claimable 1.5 DPI");
    expect(progressLine({ seen: 1, accepted: 0, submitted: 0, finalized: 0, claimable: 99n })).toBe(
      "block - | jobs seen 1 accepted 0 submitted 0 finalized 0 | claimable 99",
    );
    expect(progressLine({ seen: 3, accepted: 3, submitted: 2, finalized: 1, failed: 1, claimable: [{ amount: 5n, symbol: "USDC", decimals: 6 }], lastBlock: 9 })).toContain(
      "failed 1 | claimable 0.000005 USDC",
    );
  });

  it("only draws the progress line on a TTY", () => {
    const tty = { ...capture(), isTTY: true };
    const { lines, stream } = tty;
    createProgress({ write: stream.write, isTTY: true }).update({ seen: 1, accepted: 1, submitted: 1, finalized: 1, claimable: 0n, lastBlock: 1 });
    expect(lines[0]).toContain("block 1 | jobs seen 1");
    const pipe = capture();
    createProgress(pipe.stream).update({ seen: 1, accepted: 1, submitted: 1, finalized: 1, claimable: 0n });
    expect(pipe.lines).toEqual([]);
  });
});
