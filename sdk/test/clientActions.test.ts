import { network } from "hardhat";
import { custom, getAddress, parseEventLogs, type Chain } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { depositBalance } from "../src/actions/client/depositBalance.js";
import { disputeJob } from "../src/actions/client/disputeJob.js";
import { cancelJob } from "../src/actions/client/cancelJob.js";
import { expireJob } from "../src/actions/client/expireJob.js";
import { submitJobSync } from "../src/actions/client/submitJob.js";
import { withdrawBalance } from "../src/actions/client/withdrawBalance.js";
import { joinDispute } from "../src/actions/client/joinDispute.js";
import { submitResult } from "../src/actions/provider/submitResult.js";
import { claim } from "../src/actions/public/claim.js";
import { getClaimable, getParams, getStake } from "../src/actions/public/reads.js";
import {
  DisputeAlreadyJoinedError,
  DisputeByProviderError,
  getJob,
  JobNotClientError,
  JobWrongStatusError,
  jobMarketAbi,
} from "../src/index.js";
import { createDepinferClient } from "../src/index.js";

describe("SDK client actions on the in-process chain", () => {
  let connection: Connection;
  let p: Protocol;
  let model: `0x${string}`;
  let client: ReturnType<typeof createDepinferClient>;
  let provider: ReturnType<typeof createDepinferClient>;
  let challenger: ReturnType<typeof createDepinferClient>;
  let joiner: ReturnType<typeof createDepinferClient>;
  let signerAccount: import("viem").Account;
  let market: `0x${string}`;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const [deployer, prov, sig, cli, chal, join] = await connection.viem.getWalletClients();
    signerAccount = sig.account;
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "client-actions");
    await setUpProvider(p, deployer, prov, sig.account.address, model, 2n * USDC, 1_000n * DPI);
    for (const w of [cli, chal, join, prov]) await p.usdc.write.mint([w.account.address, 1_000n * USDC]);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    const make = (account: import("viem").Account) =>
      createDepinferClient({ chain, transport: custom(connection.provider), account, deployment: { market } });
    client = make(cli.account);
    provider = make(prov.account);
    challenger = make(chal.account);
    joiner = make(join.account);
  });

  const job = (input: string, extra: { fromBalance?: boolean; timeout?: number } = {}) =>
    submitJobSync(client, { market, model, input, price: 2n * USDC, token: p.usdc.address, provider: provider.account.address, ...extra });

  it("deposits, pays a job from the balance, and withdraws the rest", async () => {
    await client.waitForTransactionReceipt({ hash: await depositBalance(client, { market, token: p.usdc.address, amount: 10n * USDC }) });
    expect(await getClaimable(client, { market, account: client.account.address, token: p.usdc.address })).toBe(10n * USDC);
    await job("prepaid", { fromBalance: true });
    expect(await getClaimable(client, { market, account: client.account.address, token: p.usdc.address })).toBe(8n * USDC);
    const before = (await p.usdc.read.balanceOf([client.account.address])) as bigint;
    await client.waitForTransactionReceipt({ hash: await withdrawBalance(client, { market, token: p.usdc.address, amount: 3n * USDC }) });
    expect(await p.usdc.read.balanceOf([client.account.address])).toBe(before + 3n * USDC);
  });

  it("expires an accepted job past its deadline: refund plus the challenger's share of the liveness slash to the client", async () => {
    const { job: j, jobId } = await job("will be late", { timeout: 120 });
    await provider.waitForTransactionReceipt({
      hash: await provider.writeContract({ address: market, abi: p.market.abi, functionName: "acceptJob", args: [j] }),
    });
    const stakeBefore = await getStake(client, { market, provider: provider.account.address });
    await connection.networkHelpers.time.increase(121);
    await client.waitForTransactionReceipt({ hash: await expireJob(client, { market, job: j }) });
    expect((await getJob(client, { market, jobId })).status).toBe("Expired");
    const stakeAfter = await getStake(client, { market, provider: provider.account.address });
    const { params } = await getParams(client, { market });
    const slash = (j.collateral * BigInt(params.livenessSlashBps)) / BigInt(params.collateralRatioBps);
    expect(stakeAfter.staked).toBe(stakeBefore.staked - slash);
    // The slash is shared: the client its challengerShareBps, the treasury the rest.
    const share = (slash * BigInt(params.challengerShareBps)) / 10_000n;
    expect(await getClaimable(client, { market, account: client.account.address, token: p.token.address })).toBe(share);
    expect(await p.market.read.treasuryAccrued([p.token.address])).toBe(slash - share);
  });

  it("cancels a job no provider took, crediting the price back; refuses a stranger and an accepted job", async () => {
    const { job: j, jobId } = await job("never mind");
    const before = await getClaimable(client, { market, account: client.account.address, token: p.usdc.address });
    await expect(cancelJob(challenger, { market, job: j })).rejects.toBeInstanceOf(JobNotClientError);
    await client.waitForTransactionReceipt({ hash: await client.cancelJob({ job: j }) });
    expect((await getJob(client, { market, jobId })).status).toBe("Cancelled");
    expect(await getClaimable(client, { market, account: client.account.address, token: p.usdc.address })).toBe(before + 2n * USDC);

    const { job: taken } = await job("already taken");
    await provider.waitForTransactionReceipt({
      hash: await provider.writeContract({ address: market, abi: p.market.abi, functionName: "acceptJob", args: [taken] }),
    });
    const error = await cancelJob(client, { market, job: taken }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobWrongStatusError);
    expect((error as JobWrongStatusError).hint.length).toBeGreaterThan(0);
  });

  it("disputes a submitted job with the right bond and its evidence, and claims", async () => {
    const { job: j, jobId } = await job("contested");
    const { hash } = await submitResult(provider, { market, jobId, job: j, output: "answer", signer: signerAccount });
    await provider.waitForTransactionReceipt({ hash });
    // The provider may not dispute its own job: refused before any approval is sent.
    const nonce = await provider.getTransactionCount({ address: provider.account.address });
    await expect(disputeJob(provider, { market, job: j })).rejects.toBeInstanceOf(DisputeByProviderError);
    expect(await provider.getTransactionCount({ address: provider.account.address })).toBe(nonce);
    // Nor may its current signer key (refused by the market too, as DisputeByProvider).
    const signerClient = createDepinferClient({ chain: provider.chain!, transport: custom(connection.provider), account: signerAccount, deployment: { market } });
    const signerRefused = await disputeJob(signerClient, { market, job: j }).catch((e: unknown) => e);
    expect(signerRefused).toBeInstanceOf(DisputeByProviderError);
    expect((signerRefused as DisputeByProviderError).args).toEqual({ jobId, caller: signerAccount.address });

    const dispute = await disputeJob(challenger, { market, job: j, evidence: "ipfs://bafy-rerun-of-contested" });
    const receipt = await challenger.waitForTransactionReceipt({ hash: dispute.hash });
    expect(dispute.bond).toBe(10n * USDC); // max(5 x 2 USDC, 1 USDC floor)
    expect((await getJob(client, { market, jobId })).status).toBe("Disputed");
    const [opened] = parseEventLogs({ abi: jobMarketAbi, eventName: "DisputeOpened", logs: receipt.logs });
    expect(opened.args).toMatchObject({ jobId, challenger: getAddress(challenger.account.address), bond: 10n * USDC, evidence: "ipfs://bafy-rerun-of-contested" });

    const owed = await getClaimable(client, { market, account: client.account.address, token: p.token.address });
    const claimed = await claim(client, { market, token: p.token.address });
    expect(claimed.amount).toBe(owed);
    expect(await getClaimable(client, { market, account: client.account.address, token: p.token.address })).toBe(0n);
  });

  it("joins an open dispute with the opener's bond and its own evidence; the provider and a second join are refused before sending", async () => {
    const { job: j, jobId } = await job("contested by two");
    await provider.waitForTransactionReceipt({ hash: (await submitResult(provider, { market, jobId, job: j, output: "answer", signer: signerAccount })).hash });
    await challenger.waitForTransactionReceipt({ hash: (await challenger.disputeJob({ job: j })).hash });

    // The provider cannot join its own dispute (it holds USDC, and still nothing is sent: not even an approval).
    const nonce = await provider.getTransactionCount({ address: provider.account.address });
    const refused = await joinDispute(provider, { market, job: j }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DisputeByProviderError);
    expect((refused as DisputeByProviderError).args).toEqual({ jobId, caller: provider.account.address });
    expect((refused as DisputeByProviderError).hint).toMatch(/may not dispute its own job/);
    expect(await provider.getTransactionCount({ address: provider.account.address })).toBe(nonce);

    // The joiner has no allowance yet: joinDispute approves, then joins with the opener's bond.
    const before = (await p.usdc.read.balanceOf([joiner.account.address])) as bigint;
    const joined = await joiner.joinDispute({ job: j, evidence: "ipfs://bafy-second-opinion" });
    const receipt = await joiner.waitForTransactionReceipt({ hash: joined.hash });
    expect(joined.bond).toBe(10n * USDC);
    expect(before - ((await p.usdc.read.balanceOf([joiner.account.address])) as bigint)).toBe(10n * USDC);
    const [event] = parseEventLogs({ abi: jobMarketAbi, eventName: "DisputeJoined", logs: receipt.logs });
    expect(event.args).toEqual({ jobId, challenger: getAddress(joiner.account.address), index: 1n, bond: 10n * USDC, evidence: "ipfs://bafy-second-opinion" });
    expect(await p.market.read.disputeChallengers([jobId])).toEqual([getAddress(challenger.account.address), getAddress(joiner.account.address)]);

    // Joining twice is refused by name, before sending.
    await expect(joinDispute(joiner, { market, job: j })).rejects.toBeInstanceOf(DisputeAlreadyJoinedError);
    // A job that is not disputed: the market's own refusal, typed.
    const { job: plain } = await job("not disputed");
    await expect(joinDispute(joiner, { market, job: plain })).rejects.toBeInstanceOf(JobWrongStatusError);
  });
});
