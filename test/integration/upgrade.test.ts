/**
 * Release v2 against a separately started node (anvil, started and stopped here): with a staked
 * provider (and a pending unstake), jobs Created, Accepted, Submitted and Disputed in flight, the
 * release steps validate and deploy a new extension (the market itself is immutable: no proxy),
 * propose the swap (`setExtension`), and (after the vote and the Timelock delay, advanced with
 * `npm run proposal`) execute it. Nobody but the Timelock can swap it. Everything in flight then
 * resolves exactly as the pre-release terms say. An extension with an incompatible storage layout
 * is refused with the reason, and nothing is deployed. `npm run status` reports it all.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { BaseError, ContractFunctionRevertedError, getAddress, sha256, toHex, type Abi, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deploy } from "../../scripts/deploy.js";
import { advanceProposal } from "../../scripts/governance/proposal.js";
import type { DeploymentRecord } from "../../scripts/lib/cli.js";
import { planProposal, saveProposal } from "../../scripts/lib/governance.js";
import {
  DPI,
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
import { extensionOf, releaseAbi, type ReleaseRecord } from "../../scripts/releases/lib.js";
import { runRelease } from "../../scripts/releases/run.js";
import { status } from "../../scripts/status.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const PORT = 18547;
const NET = "anvilUpgrade";
const DAY = 86_400;
const root = path.resolve(import.meta.dirname, "../..");
const PRICE = 2n * USDC;

describe("release v2: swap the market's extension with work in flight", () => {
  let anvil: AnvilHandle;
  let dir: string;
  let connection: Connection;
  let deployment: DeploymentRecord;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet, challenger: Wallet;
  let model: Hex;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const jobs: Record<"A" | "B" | "C" | "D" | "E", { jobId: Hex; job: Job }> = {} as never;
  let releaseRecord: ReleaseRecord;
  let proposalId: string;

  const publicClient = () => connection.viem.getPublicClient();
  const warp = async (seconds: number) => {
    await connection.provider.request({ method: "evm_increaseTime", params: [seconds] });
    await connection.provider.request({ method: "evm_mine", params: [] });
  };
  const releaseFile = () => path.join(dir, NET, "releases", "v2.json");

  async function createJob(input: string) {
    const now = (await (await publicClient()).getBlock()).timestamp;
    const hash = await p.market.write.createJob(
      [
        {
          provider: provider.account.address,
          token: p.usdc.address,
          price: PRICE,
          model,
          inputHash: sha256(toHex(input)),
          deadline: Number(now) + 20 * DAY,
          nonce: BigInt(Math.floor(Math.random() * 1e9)),
        },
        toHex(input),
      ],
      { account: client.account },
    );
    const { jobId, job } = await jobCreatedIn(connection, p, hash);
    return { jobId, job };
  }
  async function submit({ jobId, job }: { jobId: Hex; job: Job }) {
    const outputHash = sha256(toHex(`output of ${jobId}`));
    const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
    await p.market.write.submitResult([job, outputHash, signature], { account: provider.account });
  }
  const accept = ({ job }: { job: Job }) => p.market.write.acceptJob([job], { account: provider.account });
  const dispute = ({ job }: { job: Job }) => p.market.write.openDispute([job, ""], { account: challenger.account });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-upgrade-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    rmSync(path.join(root, "ignition", "deployments", `depinfer-${NET}`), { recursive: true, force: true });
    anvil = await startAnvil(PORT);
    // Its EXACT disputes are ruled by the arbitrator: the sampled verifier is deployed but not registered (an explicit opt-out).
    deployment = (await deploy(["--network", NET, "--yes", "--sampled-verifier", "deploy"], log))!;
    connection = (await network.connect({ network: NET })) as Connection;
    [deployer, provider, signer, client, challenger] = await connection.viem.getWalletClients();
    const c = deployment.contracts;
    p = {
      market: await connection.viem.getContractAt("IJobMarket", c.market),
      usdc: await connection.viem.getContractAt("MockUSDC", c.paymentTokens[0]),
      token: await connection.viem.getContractAt("DepinferToken", c.token),
      verifier: await connection.viem.getContractAt("ArbitratedVerifier", c.verifier),
      manager: await connection.viem.getContractAt("AccessManager", c.manager),
      timelock: await connection.viem.getContractAt("DepinferTimelock", c.timelock),
    } as Protocol;
    // The deployer holds the supply: its votes alone pass the threshold and the quorum.
    await p.token.write.delegate([deployer.account.address], { account: deployer.account });

    model = await registerModel(p, deployer, "upgrade-mlp");
    await setUpProvider(p, deployer, provider, signer.account.address, model, PRICE, 1_000n * DPI);
    await p.market.write.requestUnstake([100n * DPI], { account: provider.account });
    for (const w of [client, challenger]) {
      await p.usdc.write.mint([w.account.address, 1_000n * USDC]);
      await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: w.account });
    }
    jobs.A = await createJob("A"); // Created
    jobs.B = await createJob("B"); // Accepted
    await accept(jobs.B);
    jobs.C = await createJob("C"); // Submitted
    await accept(jobs.C);
    await submit(jobs.C);
    jobs.D = await createJob("D"); // Disputed
    await accept(jobs.D);
    await submit(jobs.D);
    await dispute(jobs.D);
    jobs.E = await createJob("E"); // Accepted now; submitted and disputed while the upgrade is queued
    await accept(jobs.E);
  });

  afterAll(async () => {
    await connection?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", `depinfer-${NET}`), { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("status prints parameters, roles, value held, providers and stake, open jobs and disputes", async () => {
    lines.length = 0;
    const r = await status(["--network", NET], log);
    const out = lines.join("\n");
    const col = jobs.B.job.collateral;

    expect(r.params.version).toBe(1);
    expect(out).toMatch(/Parameters \(version 1\)/);
    expect(out).toMatch(/challengeWindow: 4 h/);
    expect(out).toMatch(/thawingPeriod: 14 d/);
    expect(out).toMatch(/minStake: 100 DPI/);
    expect(out).toMatch(/paused: false/);

    expect(r.roles.ADMIN.map((m) => m.address)).toEqual([deployment.contracts.timelock]);
    expect(r.roles.GUARDIAN.map((m) => m.address)).toEqual([getAddress(deployer.account.address)]);
    expect(r.roles.ARBITRATOR.map((m) => m.address)).toEqual([getAddress(deployer.account.address)]);
    expect(out).toMatch(new RegExp(`ADMIN: ${deployment.contracts.timelock} \\(Timelock\\)`));

    const dpi = r.holdings.find((h) => h.token === deployment.contracts.token)!;
    const usdc = r.holdings.find((h) => h.token === p.usdc.address)!;
    expect(dpi.balance).toBe(1_000n * DPI);
    expect(usdc.balance).toBe(5n * PRICE + 10n * USDC); // five escrows and D's bond
    expect(out).toMatch(/DPI \(0x[0-9a-fA-F]{40}\): 1000 held, treasury accrued 0/);

    expect(r.providers).toEqual([
      expect.objectContaining({ address: getAddress(provider.account.address), staked: 900n * DPI, locked: 4n * col, thawing: 100n * DPI }),
    ]);
    expect(out).toContain(`${getAddress(provider.account.address)}: staked 900 DPI, locked 80 DPI, thawing 100 DPI`);

    const open = Object.fromEntries(r.openJobs.map((j) => [j.jobId, j.status]));
    expect(open).toEqual({
      [jobs.A.jobId]: "Created",
      [jobs.B.jobId]: "Accepted",
      [jobs.C.jobId]: "Submitted",
      [jobs.D.jobId]: "Disputed",
      [jobs.E.jobId]: "Accepted",
    });
    expect(out).toMatch(/Open jobs \(5\)/);
    expect(out).toContain(`${jobs.D.jobId} Disputed`);
    expect(r.openDisputes.map((d) => d.jobId)).toEqual([jobs.D.jobId]);
    expect(out).toMatch(new RegExp(`Open disputes \\(1\\):\\n  ${jobs.D.jobId}: challenger ${getAddress(challenger.account.address)}, bond 10 USDC`));
    expect(out).toMatch(/Proposals in flight \(0\)/);
  });

  it("step 01 validates the layout against the deployed extension and the market, then deploys and records the v2 periphery", async () => {
    lines.length = 0;
    releaseRecord = (await runRelease(["v2", "01", "--network", NET, "--yes"], log)) as ReleaseRecord;
    const out = lines.join("\n");
    const v2 = "contracts\\/mocks\\/upgrades\\/JobMarketExtensionV2Mock.sol:JobMarketExtensionV2Mock";
    expect(out).toMatch(new RegExp(`ok: ${v2} runs in the storage of contracts\\/core\\/JobMarketExtension.sol:JobMarketExtension`));
    expect(out).toMatch(new RegExp(`ok: ${v2} runs in the storage of contracts\\/core\\/JobMarket.sol:JobMarket`));
    expect(out).toMatch(/ok: contracts\/core\/JobMarketDisputes.sol:JobMarketDisputes runs in the storage of contracts\/core\/JobMarketDisputes.sol:JobMarketDisputes/);
    expect(out).toMatch(/ok: contracts\/core\/JobMarketDisputes.sol:JobMarketDisputes runs in the storage of contracts\/core\/JobMarket.sol:JobMarket/);
    expect(releaseRecord.extension.contract).toBe("JobMarketExtensionV2Mock");
    expect(releaseRecord.disputes.contract).toBe("JobMarketDisputes");
    expect(releaseRecord.validatedAgainst).toEqual({
      market: "JobMarket",
      extension: "JobMarketExtension",
      disputes: "JobMarketDisputes",
      address: deployment.contracts.marketExtension,
    });
    expect(JSON.parse(readFileSync(releaseFile(), "utf8"))).toEqual(releaseRecord);
    const client_ = await publicClient();
    expect(await client_.readContract({ address: releaseRecord.extension.address, abi: releaseAbi, functionName: "disputes" })).toBe(
      releaseRecord.disputes.address,
    );
    // Nothing changed for users yet.
    expect(await extensionOf(client_, deployment.contracts.market)).toBe(deployment.contracts.marketExtension);
  });

  it("nobody but the Timelock can swap the extension: not the deployer, who is also guardian and arbitrator", async () => {
    const market = await connection.viem.getContractAt("JobMarket", deployment.contracts.market);
    for (const w of [deployer, provider, client]) {
      const err = await market.simulate.setExtension([releaseRecord.extension.address], { account: w.account.address }).catch((e: unknown) => e);
      const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : undefined;
      expect(revert, String(err)).toBeInstanceOf(ContractFunctionRevertedError);
      const data = (revert as ContractFunctionRevertedError).data;
      expect(data?.errorName).toBe("AccessManagedUnauthorized");
      expect(getAddress(data?.args?.[0] as Address)).toBe(getAddress(w.account.address));
    }
    expect(await extensionOf(await publicClient(), deployment.contracts.market)).toBe(deployment.contracts.marketExtension);
  });

  it("step 02 proposes the swap; the vote and the queue go through npm run proposal", async () => {
    lines.length = 0;
    const proposed = (await runRelease(["v2", "02", "--network", NET, "--yes"], log)) as { proposalId: string; state: string };
    proposalId = proposed.proposalId;
    expect(proposed.state).toBe("Pending");
    expect(lines.join("\n")).toContain(`JobMarket.setExtension("${releaseRecord.extension.address}")`);
    expect(lines.join("\n")).toContain(`npm run proposal -- --network ${NET} ${proposalId} vote`);

    await warp(DAY + 1);
    expect((await advanceProposal(["--network", NET, proposalId, "vote", "--yes"], log)).state).toBe("Active");
    await warp(5 * DAY + 1);
    expect((await advanceProposal(["--network", NET, proposalId, "queue", "--yes"], log)).state).toBe("Queued");

    // A dispute opened while the swap waits in the Timelock.
    await submit(jobs.E);
    await dispute(jobs.E);

    lines.length = 0;
    const r = await status(["--network", NET], log);
    expect(r.proposals).toEqual([expect.objectContaining({ id: BigInt(proposalId), state: "Queued" })]);
    expect(lines.join("\n")).toMatch(new RegExp(`${proposalId} Queued \\(executable after`));
    expect(r.openDisputes.map((d) => d.jobId).sort()).toEqual([jobs.D.jobId, jobs.E.jobId].sort());
  });

  it("step 03 refuses before the Timelock delay, then executes, verifies the extension and records version 2; in-flight work resolves identically", async () => {
    await expect(runRelease(["v2", "03", "--network", NET, "--yes"], log)).rejects.toThrow(/Not executable yet/);

    const m = p.market.read;
    const ids = Object.values(jobs).map((j) => j.jobId);
    const snapshot = async () => ({
      provider: await m.provider([provider.account.address]),
      thaws: await m.thawRequests([provider.account.address]),
      states: await Promise.all(ids.map((id) => m.jobState([id]))),
      disputes: await Promise.all([jobs.D.jobId, jobs.E.jobId].map((id) => m.dispute([id]))),
      params: await m.params(),
      settings: await m.settings(),
    });
    const before = await snapshot();
    const [current] = before.params;

    await warp(2 * DAY + 1);
    lines.length = 0;
    const executed = (await runRelease(["v2", "03", "--network", NET, "--yes"], log)) as { extension: Address };
    expect(executed.extension).toBe(releaseRecord.extension.address);
    const c = await publicClient();
    expect(await extensionOf(c, deployment.contracts.market)).toBe(releaseRecord.extension.address);
    expect(await c.readContract({ address: deployment.contracts.market, abi: releaseAbi, functionName: "version" })).toBe("2");
    const saved = JSON.parse(readFileSync(path.join(dir, NET, "deployment.json"), "utf8")) as DeploymentRecord;
    expect(saved.versions.market).toBe("2");
    expect(saved.contracts.market).toBe(deployment.contracts.market); // the same market: no redeployment, no proxy
    expect(saved.contracts.marketExtension).toBe(releaseRecord.extension.address);
    expect(saved.contracts.marketDisputes).toBe(releaseRecord.disputes.address);

    // The storage reads the same through the new code.
    expect(await snapshot()).toEqual(before);

    // Resolve everything, and compare with what the pre-upgrade terms promise.
    const colB = jobs.B.job.collateral;
    const colE = jobs.E.job.collateral;
    const fee = (PRICE * BigInt(current.protocolFeeBps)) / 10_000n;
    const bond = (d: { bond: bigint }) => d.bond;
    const [bondD, bondE] = before.disputes.map(bond);
    expect(bondD).toBe(10n * USDC); // max(price × bondRatioBps, floor) = 5 × 2 USDC

    await p.verifier.write.rule([jobs.E.job, 0, 0n, "fraud proven"], { account: deployer.account }); // Upheld; the winner: its only challenger
    await p.market.write.cancelDispute([jobs.D.job], { account: challenger.account }); // D's resolution period ran out: D is cancelled
    await p.market.write.finalizeJob([jobs.C.job], { account: challenger.account });
    await warp(13 * DAY); // past the deadlines (20 days) and the thaw (14 days)
    await p.market.write.expireJob([jobs.A.job], { account: client.account });
    await p.market.write.expireJob([jobs.B.job], { account: client.account });
    const walletBefore = await p.token.read.balanceOf([provider.account.address]);
    await p.market.write.withdrawStake({ account: provider.account });

    const status_ = await Promise.all(ids.map(async (id) => (await m.jobState([id])).status));
    expect(status_).toEqual([6, 6, 5, 7, 8]); // A, B Expired; C Finalized; D Cancelled (never ruled); E Slashed
    const usdc = p.usdc.address;
    const dpi = deployment.contracts.token;
    const livenessSlash = (colB * BigInt(current.livenessSlashBps)) / BigInt(current.collateralRatioBps);
    const livenessShare = (livenessSlash * BigInt(current.challengerShareBps)) / 10_000n; // the client's; the treasury the rest
    const reward = (colE * BigInt(current.challengerShareBps)) / 10_000n;
    // To the verifier module: what a failed challenge would have paid (disputeFeeBps of the bond), in
    // stake at the job's rate.
    const arbitrationFee = (((bondE * BigInt(current.disputeFeeBps)) / 10_000n) * colE * 10_000n) / (PRICE * BigInt(current.collateralRatioBps));
    expect(await m.claimable([client.account.address, usdc])).toBe(4n * PRICE); // A, B expired; D cancelled; E slashed
    expect(await m.claimable([client.account.address, dpi])).toBe(livenessShare);
    expect(await m.claimable([provider.account.address, usdc])).toBe(PRICE - fee); // C only
    expect(await m.feesOwed([provider.account.address, usdc])).toBe(fee);
    expect(await m.claimable([challenger.account.address, usdc])).toBe(bondD + bondE); // both bonds back
    expect(await m.claimable([challenger.account.address, dpi])).toBe(reward);
    expect(await m.claimable([p.verifier.address, dpi])).toBe(arbitrationFee);
    expect(await m.treasuryAccrued([dpi])).toBe(colE - reward - arbitrationFee + livenessSlash - livenessShare);
    expect(await m.treasuryAccrued([usdc])).toBe(0n);
    const after = await m.provider([provider.account.address]);
    expect(after.staked).toBe(900n * DPI - colE - livenessSlash);
    expect(after.locked).toBe(0n);
    expect(after.thawing).toBe(0n);
    expect((await p.token.read.balanceOf([provider.account.address])) - walletBefore).toBe(100n * DPI);
    // Every stake unit is accounted for: stake + the client's share + the challenger's reward + the module's fee + the treasury.
    expect(await p.token.read.balanceOf([deployment.contracts.market])).toBe(900n * DPI);

    lines.length = 0;
    const r = await status(["--network", NET], log);
    expect(r.versions).toEqual({ recorded: "2", onChain: "2" });
    expect(r.openJobs).toEqual([]);
    expect(r.openDisputes).toEqual([]);
    expect(r.proposals).toEqual([]);
  });

  it("refuses an extension with an incompatible storage layout, naming the problem, and deploys nothing", async () => {
    const c = await publicClient();
    const nonce = await c.getTransactionCount({ address: deployer.account.address });
    const recorded = readFileSync(releaseFile(), "utf8");
    lines.length = 0;
    const refused = runRelease(["v2", "01", "--network", NET, "--yes", "--extension", "JobMarketBadLayoutMock"], log);
    await expect(refused).rejects.toThrow(
      /JobMarketBadLayoutMock is not an upgrade-safe replacement for contracts\/mocks\/upgrades\/JobMarketExtensionV2Mock.sol:JobMarketExtensionV2Mock/,
    );
    await expect(refused).rejects.toThrow(/Replaced `config` with `inserted` of incompatible type/);
    await expect(refused).rejects.toThrow(/Deleted `balances`/);
    expect(await c.getTransactionCount({ address: deployer.account.address })).toBe(nonce);
    expect(readFileSync(releaseFile(), "utf8")).toBe(recorded);
    expect(lines.join("\n")).not.toMatch(/About to deploy/);
  });

  it("a hostile extension swap is visible while it waits in the Timelock, and the guardian cancels it", async () => {
    // A captured vote proposes an extension that claims the core's own selectors (contracts/mocks/upgrades).
    const c = await publicClient();
    const hostile = await connection.viem.deployContract("JobMarketExtensionHijackMock", []);
    const market = deployment.contracts.market;
    const proposal = await planProposal(c, deployment, `Swap the market's extension to ${hostile.address}`, [
      { to: market, target: "JobMarket", abi: releaseAbi as Abi, functionName: "setExtension", args: [hostile.address] },
    ]);
    saveProposal(NET, proposal);
    expect(proposal.summary).toEqual([`JobMarket.setExtension("${hostile.address}")`]);
    expect((await advanceProposal(["--network", NET, proposal.id, "propose", "--yes"], log)).state).toBe("Pending");
    await warp(DAY + 1);
    expect((await advanceProposal(["--network", NET, proposal.id, "vote", "--yes"], log)).state).toBe("Active");
    await warp(5 * DAY + 1);
    expect((await advanceProposal(["--network", NET, proposal.id, "queue", "--yes"], log)).state).toBe("Queued");

    // Visible: status lists it, with its eta, for the whole Timelock delay.
    lines.length = 0;
    const r = await status(["--network", NET], log);
    expect(r.proposals).toEqual([expect.objectContaining({ id: BigInt(proposal.id), state: "Queued", description: expect.stringContaining(hostile.address) })]);

    // The guardian (the deployer on a local chain) vetoes it; it can never execute.
    expect((await advanceProposal(["--network", NET, proposal.id, "cancel", "--yes"], log)).state).toBe("Canceled");
    await warp(2 * DAY + 1);
    await expect(advanceProposal(["--network", NET, proposal.id, "execute", "--yes"], log)).rejects.toThrow(/Canceled/);
    expect(await extensionOf(c, market)).toBe(releaseRecord.extension.address);
    expect(await c.readContract({ address: market, abi: releaseAbi, functionName: "version" })).toBe("2");
  });
});
