/**
 * The governor scripts against a separately started node process (anvil on 18546, network
 * "anvilGov"): deploy, then a parameter change end to end (propose, vote, queue, time travel,
 * execute), an out-of-bounds change refused before anything is sent, an emergency pause and an
 * unpause through the Timelock, a new arbitrator appointed by proposal, that arbitrator settling a
 * dispute after the script has shown the evidence, and a payment token removed from the allow-list.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, getAddress, http, sha256, toHex, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deploy } from "../../scripts/deploy.js";
import { dispute } from "../../scripts/governance/dispute.js";
import { sampling } from "../../scripts/governance/sampling.js";
import { PLANTER_ROLE, SAMPLED_ARBITRATOR_SELECTORS, SAMPLED_PLANTER_SELECTORS } from "../../scripts/deploy/SampledVerifier.js";
import { voteCommitment } from "../../sdk/src/index.js";
import { params, planParamChange, type Current } from "../../scripts/governance/params.js";
import { pause, unpause } from "../../scripts/governance/pause.js";
import { advanceProposal } from "../../scripts/governance/proposal.js";
import { accessManagerAbi, roles, ROLE_IDS } from "../../scripts/governance/roles.js";
import type { DeploymentRecord } from "../../scripts/lib/cli.js";
import { DPI, jobCreatedIn, modelIdOf, registerModel, setUpProvider, signAttestation, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { depinferTimelockAbi } from "../../sdk/src/abis/depinferTimelock.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const PORT = 18546;
const NET = "anvilGov";
const root = path.resolve(import.meta.dirname, "../..");
const ignitionDir = path.join(root, "ignition", "deployments", `depinfer-${NET}`);
const HOUR = 3600n;
const DAY = 24n * HOUR;

describe("planParamChange (the local bounds and ordering check)", () => {
  const current: Current = {
    params: {
      challengeWindow: 4n * HOUR,
      disputeResolutionPeriod: 7n * DAY,
      collateralRatioBps: 100_000n,
      protocolFeeBps: 100n,
      challengerShareBps: 5_000n,
      livenessSlashBps: 10_000n,
      bondRatioBps: 50_000n,
      disputeFeeBps: 3_000n,
      verificationFeeBps: 260n,
    },
    thawingPeriod: 14n * DAY,
    minStake: 100n * DPI,
  };

  it("test_plan_risingThawingGoesFirst", () => {
    const plan = planParamChange(current, { params: { disputeResolutionPeriod: 14n * DAY }, thawingPeriod: 20n * DAY });
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => s.functionName)).toEqual(["setThawingPeriod", "setParams"]);
  });

  it("test_plan_fallingThawingGoesLast", () => {
    const plan = planParamChange(current, { params: { disputeResolutionPeriod: 1n * DAY }, thawingPeriod: 4n * DAY, minStake: 1n });
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => s.functionName)).toEqual(["setParams", "setThawingPeriod", "setMinStake"]);
  });

  it("test_plan_refusesEveryBound", () => {
    const plan = planParamChange(current, {
      params: { protocolFeeBps: 1_001n, livenessSlashBps: 100_001n, bondRatioBps: 9_999n },
      thawingPeriod: 29n * DAY,
      minStake: 10n ** 27n + 1n,
    });
    expect(plan.steps).toEqual([]);
    const text = plan.problems.join("\n");
    expect(text).toMatch(/protocolFeeBps .*= 1001 is out of bounds: allowed 0 to 1000/);
    expect(text).toMatch(/livenessSlashBps .*at most collateralRatioBps/);
    expect(text).toMatch(/bondRatioBps .*allowed 10000 to 1000000/);
    expect(text).toMatch(/thawingPeriod .*allowed 0 s to 2419200 s \(28 d\)/);
    expect(text).toMatch(/minStake .*allowed 0 to 1000000000000000000000000000/);
  });

  it("test_plan_thawingTooShortForNewParams", () => {
    const plan = planParamChange(current, { params: { disputeResolutionPeriod: 14n * DAY } });
    expect(plan.steps).toEqual([]);
    expect(plan.problems.join("\n")).toMatch(/thawingPeriod .* too short .*Add --thawing-period 1396800/);
  });
});

describe("governor scripts against a separate node (anvil)", () => {
  let anvil: AnvilHandle;
  let dir: string;
  let connection: Connection;
  let record: DeploymentRecord;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const output = () => lines.join("\n");

  let testClient: ReturnType<typeof createTestClient>;
  const travel = async (seconds: bigint) => {
    await testClient.increaseTime({ seconds: Number(seconds) });
    await testClient.mine({ blocks: 1 });
  };
  let timing: { votingDelay: bigint; votingPeriod: bigint; timelockDelay: bigint };

  const proposalsDir = () => path.join(dir, NET, "proposals");
  const savedProposals = () => (existsSync(proposalsDir()) ? readdirSync(proposalsDir()).length : 0);
  const proposalsCreated = async () => {
    const publicClient = await connection.viem.getPublicClient();
    const logs = await publicClient.getContractEvents({
      address: record.contracts.governor,
      abi: depinferGovernorAbi,
      eventName: "ProposalCreated",
      fromBlock: BigInt(record.block),
    });
    return logs.length;
  };

  /** Status, vote, (voting period), queue, (timelock delay), execute; checks each step's state and "next" text. */
  async function passProposal(id: string) {
    const step = (s: string) => advanceProposal(["--network", NET, id, s, "--yes"], log);
    const pending = await step("status");
    expect(pending.state).toBe("Pending");
    expect(pending.next).toMatch(new RegExp(`^Voting opens after .*Z \\(unix ${pending.snapshot}\\); then: npm run proposal -- --network ${NET} ${id} vote$`));

    await travel(timing.votingDelay + 1n);
    const voted = await step("vote");
    expect(voted.state).toBe("Active");
    expect(voted.next).toMatch(new RegExp(`^Voting is open until .*\\(unix ${voted.deadline}\\): npm run proposal -- --network ${NET} ${id} vote$`));

    await travel(timing.votingPeriod + 1n);
    const passed = await step("status");
    expect(passed.state).toBe("Succeeded");
    expect(passed.next).toBe(`Passed: queue it in the Timelock: npm run proposal -- --network ${NET} ${id} queue`);

    const queued = await step("queue");
    expect(queued.state).toBe("Queued");
    expect(queued.eta).toBeGreaterThan(0n);
    expect(queued.next).toMatch(new RegExp(`^Queued: executable after .*\\(unix ${queued.eta}\\): npm run proposal -- --network ${NET} ${id} execute$`));

    await travel(timing.timelockDelay + 1n);
    const executed = await step("execute");
    expect(executed.state).toBe("Executed");
    expect(executed.next).toBe("Executed: done.");
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-gov-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    rmSync(ignitionDir, { recursive: true, force: true });
    anvil = await startAnvil(PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    // Its EXACT disputes are ruled by the arbitrator: the sampled verifier is deployed but not registered (an explicit opt-out).
    const deployed = await deploy(["--network", NET, "--yes", "--sampled-verifier", "deploy"], log);
    if (!deployed) throw new Error("deploy sent nothing");
    record = deployed;
    connection = (await network.connect({ network: NET })) as Connection;

    const publicClient = await connection.viem.getPublicClient();
    const [deployer] = await connection.viem.getWalletClients();
    // The deployer holds the whole supply: delegating to itself gives it the votes to propose and pass.
    const token = await connection.viem.getContractAt("DepinferToken", record.contracts.token);
    await publicClient.waitForTransactionReceipt({ hash: await token.write.delegate([deployer.account.address]) });
    await travel(1n); // votes count from the next timepoint
    const [votingDelay, votingPeriod, timelockDelay] = await Promise.all([
      publicClient.readContract({ address: record.contracts.governor, abi: depinferGovernorAbi, functionName: "votingDelay" }),
      publicClient.readContract({ address: record.contracts.governor, abi: depinferGovernorAbi, functionName: "votingPeriod" }),
      publicClient.readContract({ address: record.contracts.timelock, abi: depinferTimelockAbi, functionName: "getMinDelay" }),
    ]);
    timing = { votingDelay, votingPeriod, timelockDelay };
  });

  afterAll(async () => {
    await connection?.close();
    await anvil?.stop();
    rmSync(ignitionDir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("test_params_outOfBounds_refusedBeforeSending", async () => {
    const before = { saved: savedProposals(), created: await proposalsCreated() };
    await expect(params(["--network", NET, "--challenge-window", "60", "--yes"], log)).rejects.toThrow(
      /refused, nothing sent:\n {2}challengeWindow \(--challenge-window\) = 60 s is out of bounds: allowed 3600 s \(1 h\) to 259200 s \(3 d\)/,
    );
    // A longer resolution period without a longer thawing period is refused too, naming the fix.
    await expect(params(["--network", NET, "--dispute-resolution-period", "14d", "--yes"], log)).rejects.toThrow(/--thawing-period 1396800/);
    expect(savedProposals()).toBe(before.saved);
    expect(await proposalsCreated()).toBe(before.created);

    // As a command: a non-zero exit code and the reason on stderr.
    const run = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/governance/params.ts", "--network", NET, "--challenge-window", "60", "--yes"], {
      cwd: root,
      encoding: "utf8",
      env: process.env,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/params: refused, nothing sent:[\s\S]*challengeWindow/);
    expect(await proposalsCreated()).toBe(before.created);
  });

  it("test_params_changeEndToEnd_proposeVoteQueueExecute", async () => {
    const market = await connection.viem.getContractAt("IJobMarket", record.contracts.market);
    const [before, versionBefore] = await market.read.params();

    // Raising the resolution period needs a longer thawing period first: one proposal, thawing first.
    const result = await params(
      ["--network", NET, "--challenge-window", "7200", "--dispute-resolution-period", "14d", "--thawing-period", "18d", "--yes"],
      log,
    );
    expect(result.sent).toBe(true);
    expect(result.proposal.summary).toEqual([
      `JobMarket.setThawingPeriod(${18 * 86400})`,
      expect.stringMatching(/^JobMarket\.setParams\(\{"challengeWindow":7200,"disputeResolutionPeriod":1209600,/),
    ]);
    expect(result.status.state).toBe("Pending");
    expect(result.status.next).toMatch(/^Voting opens after .*npm run proposal -- --network anvilGov \d+ vote$/);
    expect(output()).toContain(`Proposal id: ${result.proposal.id}`);
    expect(existsSync(result.file)).toBe(true);

    await passProposal(result.proposal.id);

    const [after, versionAfter] = await market.read.params();
    expect(after).toEqual({ ...before, challengeWindow: 7200, disputeResolutionPeriod: 14 * 86400 });
    expect(versionAfter).toBe(versionBefore + 1);
    const settings = await market.read.settings();
    expect(settings[2]).toBe(18 * 86400);
  });

  it("test_pause_byGuardian_thenUnpauseThroughTimelock", async () => {
    const market = await connection.viem.getContractAt("IJobMarket", record.contracts.market);
    // Without --yes and without a terminal nothing is sent.
    expect(await pause(["--network", NET], log)).toEqual({ paused: false, sent: false });
    expect((await market.read.settings())[4]).toBe(false);
    // An account without the GUARDIAN role is refused before sending.
    await expect(pause(["--network", NET, "--account", "7", "--yes"], log)).rejects.toThrow(/does not hold the GUARDIAN role/);

    const paused = await pause(["--network", NET, "--yes"], log);
    expect(paused).toMatchObject({ paused: true, sent: true });
    expect((await market.read.settings())[4]).toBe(true);

    const proposal = await unpause(["--network", NET, "--yes"], log);
    expect(proposal.sent).toBe(true);
    expect(proposal.proposal.summary).toEqual(["JobMarket.unpause()"]);
    await passProposal(proposal.proposal.id);
    expect((await market.read.settings())[4]).toBe(false);
  });

  it("test_roles_grantArbitrator_throughProposal", async () => {
    const wallets = await connection.viem.getWalletClients();
    const newArbitrator = getAddress(wallets[5].account.address);
    const publicClient = await connection.viem.getPublicClient();
    const hasRole = async () =>
      (await publicClient.readContract({ address: record.contracts.manager, abi: accessManagerAbi, functionName: "hasRole", args: [ROLE_IDS.arbitrator, newArbitrator] }))[0];
    expect(await hasRole()).toBe(false);

    const result = await roles(["--network", NET, "grant", "arbitrator", newArbitrator, "--yes"], log);
    expect(result.sent).toBe(true);
    expect(result.proposal.summary).toEqual([`AccessManager.grantRole("2", "${newArbitrator}", 0)`]);
    await passProposal(result.proposal.id);
    expect(await hasRole()).toBe(true);
    // Granting again is refused: nothing to propose.
    await expect(roles(["--network", NET, "grant", "arbitrator", newArbitrator, "--yes"], log)).rejects.toThrow(/already holds the arbitrator role/);
  });

  it("test_roles_grantGuardian_alsoGrantsTimelockCanceller", async () => {
    const wallets = await connection.viem.getWalletClients();
    const newGuardian = getAddress(wallets[6].account.address);
    const publicClient = await connection.viem.getPublicClient();
    const timelock = await connection.viem.getContractAt("DepinferTimelock", record.contracts.timelock);
    const cancellerRole = await timelock.read.CANCELLER_ROLE();
    const powers = async () => [
      (await publicClient.readContract({ address: record.contracts.manager, abi: accessManagerAbi, functionName: "hasRole", args: [ROLE_IDS.guardian, newGuardian] }))[0],
      await timelock.read.hasRole([cancellerRole, newGuardian]),
    ];
    expect(await powers()).toEqual([false, false]);

    // One proposal moves both of the guardian's powers: pause (AccessManager) and veto (Timelock).
    const result = await roles(["--network", NET, "grant", "guardian", newGuardian, "--yes"], log);
    expect(result.proposal.summary).toEqual([`AccessManager.grantRole("1", "${newGuardian}", 0)`, `DepinferTimelock.grantRole("${cancellerRole}", "${newGuardian}")`]);
    await passProposal(result.proposal.id);
    expect(await powers()).toEqual([true, true]);

    const revoked = await roles(["--network", NET, "revoke", "guardian", newGuardian, "--yes"], log);
    expect(revoked.proposal.summary).toEqual([`AccessManager.revokeRole("1", "${newGuardian}")`, `DepinferTimelock.revokeRole("${cancellerRole}", "${newGuardian}")`]);
    await passProposal(revoked.proposal.id);
    expect(await powers()).toEqual([false, false]);
  });

  it("test_dispute_arbitratorSettles_upheld", async () => {
    const { viem } = connection;
    const publicClient = await viem.getPublicClient();
    const [deployer, provider, signer, client, challenger] = await viem.getWalletClients();
    const p = {
      market: await viem.getContractAt("IJobMarket", record.contracts.market),
      usdc: await viem.getContractAt("MockUSDC", record.contracts.paymentTokens[0]),
      token: await viem.getContractAt("DepinferToken", record.contracts.token),
      verifier: await viem.getContractAt("ArbitratedVerifier", record.contracts.verifier),
      manager: await viem.getContractAt("AccessManager", record.contracts.manager),
      timelock: await viem.getContractAt("DepinferTimelock", record.contracts.timelock),
    } as Protocol;
    const wait = async (hash: Promise<Hex>) => publicClient.waitForTransactionReceipt({ hash: await hash });

    const model = await registerModel(p, deployer, "gov-model");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await wait(p.usdc.write.mint([client.account.address, 2n * USDC]));
    await wait(p.usdc.write.approve([p.market.address, 2n * USDC], { account: client.account }));
    const now = (await publicClient.getBlock()).timestamp;
    const input = toHex("ping");
    const request = { provider: provider.account.address, token: p.usdc.address, price: 2n * USDC, model, inputHash: sha256(input), deadline: Number(now + HOUR), nonce: 1n };
    const { jobId, job } = await jobCreatedIn(connection, p, await p.market.write.createJob([request, input], { account: client.account }));

    await wait(p.market.write.acceptJob([job], { account: provider.account }));
    const outputHash = sha256(toHex("pong"));
    const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
    await wait(p.market.write.submitResult([job, outputHash, signature], { account: provider.account }));
    await wait(p.usdc.write.mint([challenger.account.address, 100n * USDC]));
    await wait(p.usdc.write.approve([p.market.address, 100n * USDC], { account: challenger.account }));
    await wait(p.market.write.openDispute([job, "ipfs://bafy-gov-evidence"], { account: challenger.account }));

    // Without an outcome it only shows the evidence.
    lines.length = 0;
    const shown = await dispute(["--network", NET, jobId], log);
    expect(shown).toMatchObject({ jobId, status: "Disputed", signerMatches: true, ruled: false, challengers: [getAddress(challenger.account.address)] });
    expect(output()).toContain("evidence     ipfs://bafy-gov-evidence");
    expect(output()).toMatch(/Challengers \(1; pass the winner's index or address with --winner\):\n {2}0 {2}0x/);
    expect(output()).toMatch(/upheld {4}the provider lied: .*the winning challenger .*the verifier module .*every bond/);
    expect(output()).toContain(`output hash  ${outputHash}`);
    expect(output()).toContain(`signature    ${signature}`);
    expect(output()).toMatch(/matches the provider's registered signer/);
    expect(output()).toContain(`challenger   ${getAddress(challenger.account.address)}`);
    expect(output()).toMatch(/input {8}4 bytes inline: 0x70696e67/);

    // Account 0 still holds the role too; here the arbitrator appointed by the previous proposal rules.
    await expect(dispute(["--network", NET, jobId, "upheld", "--winner", "1", "--account", "5", "--yes"], log)).rejects.toThrow(
      /--winner 1 is not one of the dispute's 1 challenger\(s\)/,
    );
    const { bond } = await p.market.read.dispute([jobId]);
    const ruled = await dispute(["--network", NET, jobId, "upheld", "--reason", "output does not match the re-run", "--account", "5", "--yes"], log);
    const { disputeFeeBps, challengerShareBps, collateralRatioBps } = (await p.market.read.params())[0];
    expect(ruled).toMatchObject({
      status: "Slashed",
      ruled: true,
      slashed: job.collateral,
      winner: getAddress(challenger.account.address),
      challengerReward: (job.collateral * BigInt(challengerShareBps)) / 10_000n,
      // What a failed challenge would have paid (disputeFeeBps of the bond), in stake at the job's rate.
      arbitrationFee: (((bond * BigInt(disputeFeeBps)) / 10_000n) * job.collateral * 10_000n) / (job.price * BigInt(collateralRatioBps)),
    });
    expect((await p.market.read.jobState([jobId])).status).toBe(8);
    // Ruling again is refused: the dispute is settled.
    await expect(dispute(["--network", NET, jobId, "draw", "--yes"], log)).rejects.toThrow(/is Slashed, not Disputed/);
  });

  it("test_sampling_register_throughProposal_routesExactAndTolerant", async () => {
    const sv = record.contracts.sampledVerifier!;
    const market = await connection.viem.getContractAt("IJobMarket", record.contracts.market);
    expect(getAddress(await market.read.verifierOf([1]))).toBe(getAddress(record.contracts.verifier));
    const result = await sampling(["--network", NET, "register", "--yes"], log);
    expect(result.proposal.summary).toHaveLength(6);
    await passProposal(result.proposal.id);
    for (const d of [0, 1]) expect(getAddress(await market.read.verifierOf([d]))).toBe(getAddress(sv));
    expect(getAddress(await market.read.verifierOf([2]))).toBe(getAddress(record.contracts.verifier));
    const [feeModule, classes] = await market.read.verificationFeeModule();
    expect([getAddress(feeModule), classes]).toEqual([getAddress(sv), 0b11]);
    const manager = await connection.viem.getContractAt("AccessManager", record.contracts.manager);
    for (const selector of SAMPLED_ARBITRATOR_SELECTORS) expect(await manager.read.getTargetFunctionRole([sv, selector])).toBe(ROLE_IDS.arbitrator);
    expect(await manager.read.getTargetFunctionRole([sv, SAMPLED_PLANTER_SELECTORS[0]])).toBe(PLANTER_ROLE);
  });

  it("test_dispute_sampledTolerantCheck_arbiterRejectsJunkVoteAndLetsTheProviderStand", async () => {
    // Needs the registration of the previous test: a TOLERANT dispute goes to the SampledVerifier, a
    // verifier re-runs the job, its output differs, and the check awaits the arbiter. The verifier here
    // answers junk; the arbiter, through `npm run dispute`, rejects its vote and lets the provider stand.
    const { viem } = connection;
    const publicClient = await viem.getPublicClient();
    const wallets = await viem.getWalletClients();
    const [deployer, , , client, challenger] = wallets;
    const [provider, signer, verifierW] = [wallets[6], wallets[7], wallets[8]];
    const sv = await viem.getContractAt("ISampledVerifier", record.contracts.sampledVerifier!);
    const randomness = await viem.getContractAt("PrevrandaoRandomness", record.contracts.randomness!);
    const p = {
      market: await viem.getContractAt("IJobMarket", record.contracts.market),
      usdc: await viem.getContractAt("MockUSDC", record.contracts.paymentTokens[0]),
      token: await viem.getContractAt("DepinferToken", record.contracts.token),
    } as Protocol;
    const wait = async (hash: Promise<Hex>) => publicClient.waitForTransactionReceipt({ hash: await hash });
    const weights = sha256(toHex("gov-tolerant:weights"));
    const runtime = sha256(toHex("gov-tolerant:runtime"));
    await wait(p.market.write.registerModel([weights, runtime, 1, "ipfs://gov-tolerant"], { account: deployer.account }));
    const model = modelIdOf(weights, runtime, 1);
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await setUpProvider(p, deployer, verifierW, verifierW.account.address, model, 2n * USDC, 1_000n * DPI);
    const { verifierStake } = await sv.read.params();
    await wait(p.market.write.setModuleAllowance([sv.address, verifierStake], { account: verifierW.account }));
    await wait(sv.write.enrol([model], { account: verifierW.account }));

    await wait(p.usdc.write.mint([client.account.address, 2n * USDC]));
    await wait(p.usdc.write.approve([p.market.address, 2n * USDC], { account: client.account }));
    const now = (await publicClient.getBlock()).timestamp;
    const input = toHex("describe the sea");
    const request = { provider: provider.account.address, token: p.usdc.address, price: 2n * USDC, model, inputHash: sha256(input), deadline: Number(now + HOUR), nonce: 7n };
    const { jobId, job } = await jobCreatedIn(connection, p, await p.market.write.createJob([request, input], { account: client.account }));
    await wait(p.market.write.acceptJob([job], { account: provider.account }));
    const outputHash = sha256(toHex("the sea is wide and grey"));
    const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
    await wait(p.market.write.submitResult([job, outputHash, signature], { account: provider.account }));
    await wait(p.usdc.write.mint([challenger.account.address, 100n * USDC]));
    await wait(p.usdc.write.approve([p.market.address, 100n * USDC], { account: challenger.account }));
    await wait(p.market.write.openDispute([job, "ipfs://bafy-tolerant"], { account: challenger.account }));
    // The module checks it by re-execution (its fund reserves the verifiers' rewards): the attestation,
    // the seed of the next epoch, one verifier.
    await wait(p.usdc.write.mint([deployer.account.address, 100n * USDC]));
    await wait(p.usdc.write.approve([sv.address, 100n * USDC], { account: deployer.account }));
    await wait(sv.write.fund([p.usdc.address, 100n * USDC], { account: deployer.account }));
    await wait(sv.write.attest([job, outputHash, signature]));
    const { seedEpoch } = await sv.read.checkOf([jobId]);
    await testClient.setNextBlockTimestamp({ timestamp: (BigInt(seedEpoch) + 1n) * (await randomness.read.epochLength()) + 1n });
    await testClient.mine({ blocks: 1 });
    await wait(randomness.write.reveal([BigInt(seedEpoch)]));
    await wait(sv.write.assign([job]));
    const junk = sha256(toHex("not a re-run"));
    const salt = sha256(toHex("salt"));
    await wait(sv.write.commit([job, voteCommitment({ jobId, round: 0, verifier: verifierW.account.address, outputHash: junk, salt })], { account: verifierW.account }));
    await wait(sv.write.reveal([job, junk, salt], { account: verifierW.account }));
    await wait(sv.write.resolve([job]));
    expect((await sv.read.checkOf([jobId])).status).toBe(4); // AwaitingArbitration

    lines.length = 0;
    const shown = await dispute(["--network", NET, jobId], log);
    expect(shown).toMatchObject({ jobId, status: "Disputed", ruled: false });
    expect(output()).toMatch(/Sampled check by the SampledVerifier .* \(TOLERANT, opened by a human dispute\)/);
    expect(output()).toContain("status       AwaitingArbitration, round 0");
    expect(output()).toContain(`vote 0       ${getAddress(verifierW.account.address)} round 0: Revealed output ${junk} (differs: pass --content <url> to fetch it)`);
    expect(output()).toMatch(/To rule: npm run dispute -- --network anvilGov 0x[0-9a-f]{64} upheld\|rejected \[--reject <i,…>\]/);
    // A vote that is not there, and an ill-formed list, are refused before anything is sent.
    await expect(dispute(["--network", NET, jobId, "rejected", "--reject", "1", "--yes"], log)).rejects.toThrow(/--reject 1: only a revealed vote whose output differs/);
    await expect(dispute(["--network", NET, jobId, "--reject", "zero"], log)).rejects.toThrow(/--reject expects vote indexes/);
    // The arbiter's wallet must hold the role (account 3 does not).
    await expect(dispute(["--network", NET, jobId, "rejected", "--reject", "0", "--account", "3", "--yes"], log)).rejects.toThrow(/may not rule: it does not hold the ARBITRATOR role/);

    const stakeBefore = (await p.market.read.provider([verifierW.account.address])).staked;
    const ruled = await dispute(["--network", NET, jobId, "rejected", "--reject", "0", "--yes"], log);
    expect(ruled).toMatchObject({ status: "Finalized", ruled: true });
    expect(stakeBefore - (await p.market.read.provider([verifierW.account.address])).staked).toBe(verifierStake);
    expect(await sv.read.owed([verifierW.account.address, p.usdc.address])).toBe(0n);
    expect((await sv.read.checkOf([jobId])).status).toBe(5); // Closed
    await expect(dispute(["--network", NET, jobId, "upheld", "--yes"], log)).rejects.toThrow(/Cannot rule: the check is Closed/);
  });

  it("test_roles_removeToken_keepsBondFloorAndRate", async () => {
    const market = await connection.viem.getContractAt("IJobMarket", record.contracts.market);
    const usdc = getAddress(record.contracts.paymentTokens[0]);
    const before = await market.read.paymentToken([usdc]);
    expect(before.allowed).toBe(true);
    await expect(roles(["--network", NET, "allow-token", usdc, "1", "0", "--yes"], log)).rejects.toThrow(/stakeRate = 0 is out of bounds: allowed 1 to/);

    const result = await roles(["--network", NET, "remove-token", usdc, "--yes"], log);
    expect(result.proposal.summary).toEqual([`JobMarket.configurePaymentToken("${usdc}", false, "${before.bondFloor}", "${before.stakeRate}")`]);
    await passProposal(result.proposal.id);
    expect(await market.read.paymentToken([usdc])).toEqual({ ...before, allowed: false });
  });
});
