import { network } from "hardhat";
import { BaseError, ContractFunctionRevertedError, encodeErrorResult, getAddress, sha256, toHex, zeroAddress, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import {
  deployProtocol,
  DPI,
  HOUR,
  jobCreatedIn,
  registerModel,
  setUpProvider,
  signAttestation,
  USDC,
  type Connection,
  type Job,
  type Protocol,
  type Wallet,
} from "../../scripts/lib/harness.js";
import { arbitratedVerifierAbi } from "../src/abis/arbitratedVerifier.js";
import { jobMarketAbi } from "../src/abis/jobMarket.js";
import { paymentSessionsAbi } from "../src/abis/paymentSessions.js";
import {
  AccessManagedUnauthorizedError,
  contractErrorClasses,
  contractErrorHints,
  decodeDepinferError,
  depinferErrorsAbi,
  DepinferContractError,
  DepinferError,
  externalErrorsAbi,
  JobChallengeWindowOpenError,
  JobUnknownError,
  ProviderNotRegisteredError,
  StakeInsufficientFreeError,
} from "../src/errors/index.js";

describe("contract error table", () => {
  // The payment-session module's errors share the table (its actions decode them as the market's are).
  const abiErrors = [...jobMarketAbi, ...arbitratedVerifierAbi, ...paymentSessionsAbi, ...externalErrorsAbi].filter((i) => i.type === "error");
  const required = [
    "JobMarketExtensionDirectCall",
    "ArbitratedVerifierNotMarket",
    "AccessManagedUnauthorized",
    "ReentrancyGuardReentrantCall",
    "SafeERC20FailedOperation",
    "ERC20InsufficientBalance",
    "ERC20InsufficientAllowance",
  ];

  it("has a hint and an exported class for every error of the ABIs", () => {
    for (const item of abiErrors) {
      const name = item.name as keyof typeof contractErrorClasses;
      expect(contractErrorHints, name).toHaveProperty(name);
      const ErrorClass = contractErrorClasses[name];
      expect(ErrorClass?.name, name).toBe(`${name}Error`);
    }
    for (const name of required) expect(depinferErrorsAbi.map((i) => i.name)).toContain(name);
    // No stale entries either: the table and the ABIs name the same errors.
    expect(Object.keys(contractErrorHints).sort()).toEqual([...new Set(abiErrors.map((i) => i.name))].sort());
    expect(Object.keys(contractErrorClasses).sort()).toEqual(Object.keys(contractErrorHints).sort());
  });

  it("builds every error from zero-ish arguments with a one-sentence hint", () => {
    for (const item of depinferErrorsAbi) {
      const args = Object.fromEntries(
        item.inputs.map((p) => [
          p.name,
          p.type === "address" ? zeroAddress : p.type === "bytes32" ? toHex(0, { size: 32 }) : p.type === "string" ? "x" : p.type === "uint8" || p.type === "uint32" ? 1 : 1n,
        ]),
      );
      const ErrorClass = contractErrorClasses[item.name] as unknown as new (p: { args: Record<string, unknown> }) => DepinferContractError;
      const err = new ErrorClass({ args });
      expect(err).toBeInstanceOf(DepinferContractError);
      expect(err).toBeInstanceOf(DepinferError);
      expect(err).toBeInstanceOf(BaseError);
      expect(err.name).toBe(`${item.name}Error`);
      expect(err.errorName).toBe(item.name);
      expect(err.hint).toMatch(/^[A-Z0-9`$]|^upgradeToAndCall/);
      expect(err.hint).toMatch(/[.]$/);
      expect(err.hint).toContain(":");
      expect(err.docsPath).toBe("/docs/errors/contract");
      expect(err.message).toContain(`Docs: https://depinfer.xyz/docs/errors/contract#${item.name.toLowerCase()}`);
    }
  });

  it("decodes raw revert data and ignores what is not a known revert", () => {
    const data = encodeErrorResult({
      abi: jobMarketAbi,
      errorName: "StakeInsufficientFree",
      args: ["0x0000000000000000000000000000000000000001", 5n, 3n],
    });
    const reverted = new ContractFunctionRevertedError({ abi: [], data, functionName: "acceptJob" });
    const err = decodeDepinferError(reverted);
    expect(err).toBeInstanceOf(StakeInsufficientFreeError);
    expect((err as StakeInsufficientFreeError).args).toEqual({
      provider: "0x0000000000000000000000000000000000000001",
      requested: 5n,
      free: 3n,
    });
    expect((err as StakeInsufficientFreeError).cause).toBe(reverted);
    expect(decodeDepinferError(err)).toBe(err);

    expect(decodeDepinferError(new Error("boom"))).toBeUndefined();
    expect(decodeDepinferError("boom")).toBeUndefined();
    expect(decodeDepinferError(undefined)).toBeUndefined();
    const unknownSelector = new ContractFunctionRevertedError({ abi: [], data: "0xdeadbeef", functionName: "f" });
    expect(decodeDepinferError(unknownSelector)).toBeUndefined();
    const requireString = encodeErrorResult({
      abi: [{ type: "error", name: "Error", inputs: [{ type: "string", name: "reason" }] }],
      errorName: "Error",
      args: ["nope"],
    });
    expect(decodeDepinferError(new ContractFunctionRevertedError({ abi: [], data: requireString, functionName: "f" }))).toBeUndefined();
  });
});

describe("decoding reverts of the deployed protocol (in-process chain)", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet, stranger: Wallet;
  let model: Hex;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider, signer, client, stranger] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "errors-mlp");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 1_000n * USDC]);
    await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: client.account });
  });

  async function now() {
    return BigInt((await (await connection.viem.getPublicClient()).getBlock()).timestamp);
  }

  async function createJob(input: string, jobProvider: Hex = provider.account.address, price = 2n * USDC) {
    const hash = await p.market.write.createJob(
      [
        {
          provider: jobProvider,
          token: p.usdc.address,
          price,
          model,
          inputHash: sha256(toHex(input)),
          deadline: Number((await now()) + HOUR),
          nonce: BigInt(Math.floor(Math.random() * 1e9)),
        },
        toHex(input),
      ],
      { account: client.account },
    );
    return jobCreatedIn(connection, p, hash);
  }

  /** Runs `send`, expects it to revert, and returns the decoded error. */
  async function decoded(send: () => Promise<unknown>) {
    const error = await send().then(
      () => expect.fail("expected a revert"),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BaseError);
    const err = decodeDepinferError(error);
    expect(err, String(error)).toBeInstanceOf(DepinferContractError);
    expect(err!.cause).toBe(error);
    return err!;
  }

  it("JobUnknown: finalizing with altered terms", async () => {
    const { job } = await createJob("unknown");
    const altered: Job = { ...job, nonce: job.nonce + 1n };
    const alteredId = (await p.market.read.jobIdOf([altered])) as Hex;
    const err = await decoded(() => p.market.write.finalizeJob([altered], { account: client.account }));
    expect(err).toBeInstanceOf(JobUnknownError);
    const e = err as JobUnknownError;
    expect(e.errorName).toBe("JobUnknown");
    expect(e.args).toEqual({ jobId: alteredId });
    expect(e.hint).toContain(alteredId);
    expect(e.hint).toContain("JobCreated");
    expect(e.shortMessage).toContain("JobUnknown");
  });

  it("ProviderNotRegistered: accepting an open job from an unregistered wallet", async () => {
    const { job } = await createJob("open job", zeroAddress);
    const err = await decoded(() => p.market.write.acceptJob([job], { account: stranger.account }));
    expect(err).toBeInstanceOf(ProviderNotRegisteredError);
    const e = err as ProviderNotRegisteredError;
    expect(e.args).toEqual({ provider: getAddress(stranger.account.address) });
    expect(e.hint).toContain(getAddress(stranger.account.address));
  });

  it("StakeInsufficientFree: accepting a job whose collateral exceeds the free stake", async () => {
    // A second provider with just enough stake to be eligible but not for this job's collateral.
    const [, , , , , poor, poorSigner] = await connection.viem.getWalletClients();
    const [, , , minStake] = (await p.market.read.settings()) as readonly [Hex, Hex, number, bigint, boolean];
    const stake = minStake; // eligible (not below the minimum), but every DPI of it is needed
    await setUpProvider(p, deployer, poor, poorSigner.account.address, model, 2n * USDC, stake);
    const { job } = await createJob("poor", poor.account.address, 500n * USDC);
    expect(job.collateral).toBeGreaterThan(stake);
    const err = await decoded(() => p.market.write.acceptJob([job], { account: poor.account }));
    expect(err).toBeInstanceOf(StakeInsufficientFreeError);
    const e = err as StakeInsufficientFreeError;
    expect(e.args).toEqual({ provider: getAddress(poor.account.address), requested: job.collateral, free: stake });
    expect(e.hint).toContain(`${stake} free stake`);
    expect(e.hint).toContain(`needs ${job.collateral}`);
  });

  it("JobChallengeWindowOpen: finalizing as a non-client before the window ends", async () => {
    const { jobId, job } = await createJob("window");
    const outputHash = sha256(toHex("WINDOW"));
    const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
    await p.market.write.acceptAndSubmit([job, outputHash, signature], { account: client.account });
    const state = (await p.market.read.jobState([jobId])) as { timestamp: number; challengeWindow: number };
    const endsAt = BigInt(state.timestamp) + BigInt(state.challengeWindow);

    const err = await decoded(() => p.market.write.finalizeJob([job], { account: provider.account }));
    expect(err).toBeInstanceOf(JobChallengeWindowOpenError);
    const e = err as JobChallengeWindowOpenError;
    expect(e.args.jobId).toBe(jobId);
    expect(e.args.endsAt).toBe(endsAt);
    expect(e.args.nowTime).toBeGreaterThanOrEqual(BigInt(state.timestamp));
    expect(e.args.nowTime).toBeLessThan(endsAt);
    expect(e.hint).toContain(String(endsAt));
    expect(e.hint).toContain(jobId);
  });

  it("AccessManagedUnauthorized: setParams from a non-admin (an error the IJobMarket ABI does not declare)", async () => {
    const [current] = await p.market.read.params();
    const error = await p.market.write.setParams([current], { account: stranger.account }).then(
      () => expect.fail("expected a revert"),
      (e: unknown) => e,
    );
    // viem alone cannot name it: the market's ABI lacks the error, so only the selector is known.
    const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError;
    expect(reverted?.data?.errorName).toBeUndefined();
    const err = decodeDepinferError(error);
    expect(err).toBeInstanceOf(AccessManagedUnauthorizedError);
    const e = err as AccessManagedUnauthorizedError;
    expect(e.args).toEqual({ caller: getAddress(stranger.account.address) });
    expect(e.hint).toContain(getAddress(stranger.account.address));
    expect(e.cause).toBe(error);
    expect(e.message).toContain("Docs: https://depinfer.xyz/docs/errors/contract#accessmanagedunauthorized");
  });
});
