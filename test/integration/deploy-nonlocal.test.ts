/**
 * Deployment defaults. On a chain that is not local (here anvil started with chain id 11155111,
 * network "anvilPublic"), `npm run deploy` refuses, before sending anything, to make the deployer the
 * guardian, the arbitrator or the treasury, or to leave it the token supply. With a proper
 * configuration it deploys, and the guardian can veto a queued proposal through the Timelock.
 * The first block checks the configuration rules without a chain.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createPublicClient, createTestClient, getAddress, http, keccak256, toHex, type Address, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { checkPowers, DeployConfigError, parseDeployConfig } from "../../scripts/deploy/config.js";
import { REDUNDANCY_ARBITRATOR_SELECTORS, redundancyRegistrationCalls } from "../../scripts/deploy/Redundancy.js";
import { deploy } from "../../scripts/deploy.js";
import { params } from "../../scripts/governance/params.js";
import { advanceProposal } from "../../scripts/governance/proposal.js";
import type { DeploymentRecord } from "../../scripts/lib/cli.js";
import { timelockOperationId } from "../../scripts/lib/governance.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const PORT = 18560;
const NET = "anvilPublic";
const CHAIN_ID = 11155111;
const root = path.resolve(import.meta.dirname, "../..");
const ignitionDir = path.join(root, "ignition", "deployments", `depinfer-${NET}`);

/** anvil's first four accounts (the standard test mnemonic). */
const DEPLOYER = getAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
const GUARDIAN = getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
const ARBITRATOR = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const VOTER = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");

const DPI = 10n ** 18n;
const SUPPLY = 1_000_000_000n * DPI;
const CANCELLER_ROLE = keccak256(toHex("CANCELLER_ROLE"));
const DEFAULT_ADMIN_ROLE = `0x${"00".repeat(32)}` as const;

/** A configuration the deploy accepts on any chain: 10 % to a voter, the rest to the Timelock. */
const proper = () => ({
  guardian: GUARDIAN,
  arbitrator: ARBITRATOR,
  treasury: "timelock",
  tokenDistribution: [
    { to: VOTER, amount: String(SUPPLY / 10n) },
    { to: "timelock", amount: String(SUPPLY - SUPPLY / 10n) },
  ],
});

/** The problems a configuration has, or [] if it parses (and, with `deployer`, passes the power checks). */
function problemsOf(raw: unknown, local = false): string[] {
  try {
    return checkPowers(parseDeployConfig(raw, "test.json"), DEPLOYER, local);
  } catch (error) {
    if (error instanceof DeployConfigError) return error.problems;
    throw error;
  }
}

describe("deploy configuration (no chain)", () => {
  it("test_config_localChain_deployerIsEverything", () => {
    expect(problemsOf(undefined, true)).toEqual([]);
    expect(problemsOf({ guardian: DEPLOYER, arbitrator: DEPLOYER, treasury: DEPLOYER }, true)).toEqual([]);
  });

  it("test_config_nonLocal_nothingSet_refusesEveryDeployerPower", () => {
    const problems = problemsOf(undefined);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe(`"guardian" is not set, so the deployer ${DEPLOYER} would be the guardian: set "guardian" to the guardian multisig (it may pause the market and cancel queued Timelock operations).`);
    expect(problems[1]).toMatch(/^"arbitrator" is not set, so the deployer 0x\w+ would be the arbitrator: set "arbitrator"/);
    expect(problems[2]).toMatch(/^"treasury" is not set, so the deployer 0x\w+ would be the treasury: set "treasury" to "timelock"/);
    expect(problems[3]).toMatch(/^"tokenDistribution" is not set, so the deployer 0x\w+ would keep the whole supply of 1000000000000000000000000000 token wei: list the supply's recipients in "tokenDistribution"/);
    expect(problemsOf(proper())).toEqual([]);
  });

  it("test_config_addresses_checksummedAndNonZero", () => {
    const lower = GUARDIAN.toLowerCase();
    expect(problemsOf({ ...proper(), guardian: lower })).toEqual([
      `"guardian" = ${lower} is not checksummed: write it as ${GUARDIAN} (EIP-55) once you have checked that it is the intended address.`,
    ]);
    const typo = GUARDIAN.replace("C", "c"); // one letter's case flipped: the checksum no longer holds
    expect(problemsOf({ ...proper(), guardian: typo })).toEqual([`"guardian" = ${typo} fails its EIP-55 checksum: a mistyped address? Copy it again from its source.`]);
    expect(problemsOf({ ...proper(), arbitrator: `0x${"00".repeat(20)}` })).toEqual([`"arbitrator" is the zero address.`]);
    expect(problemsOf({ ...proper(), arbitrator: "0x1234" })[0]).toMatch(/^"arbitrator" = "0x1234" is not an address: expected 0x and 40 hex digits/);
    expect(problemsOf({ ...proper(), guardian: "timelock" })[0]).toMatch(/^"guardian" = "timelock" is not an address/);
    expect(problemsOf({ ...proper(), treasury: ARBITRATOR })).toEqual([]);
    expect(problemsOf({ ...proper(), gaurdian: GUARDIAN })[0]).toMatch(/^unknown key "gaurdian": the keys are guardian, arbitrator, treasury/);
  });

  it("test_config_distribution_addsUpUniqueAndCanVote", () => {
    const [voter, timelock] = proper().tokenDistribution;
    expect(problemsOf({ ...proper(), tokenDistribution: [voter] })).toEqual([
      `"tokenDistribution" adds up to ${SUPPLY / 10n}, but "tokenSupply" is ${SUPPLY}: the amounts must add up to the whole supply (token wei).`,
    ]);
    expect(problemsOf({ ...proper(), tokenDistribution: [voter, voter, { ...timelock, amount: String(SUPPLY - SUPPLY / 5n) }] })).toEqual([
      `"tokenDistribution[1].to" = ${VOTER} appears twice: one entry per recipient.`,
    ]);
    expect(problemsOf({ ...proper(), tokenDistribution: [{ to: "timelock", amount: String(SUPPLY) }] }, true)[0]).toMatch(
      /^"tokenDistribution" leaves 0 token wei outside the Timelock, below the 40000000000000000000000000 that the quorum \(4 % of the supply\).*no proposal could ever pass/,
    );
    expect(problemsOf({ ...proper(), tokenSupply: 1e27 })[0]).toMatch(/^"tokenSupply" = 1e\+27 is too large for an exact JSON number: write it as a decimal string/);
    expect(problemsOf({ ...proper(), tokenSupply: `${SUPPLY}n` })).toEqual([]);
    expect(problemsOf({ ...proper(), tokenDistribution: [{ to: DEPLOYER, amount: String(SUPPLY / 10n) }, timelock] })).toEqual([
      `"tokenDistribution" gives ${SUPPLY / 10n} token wei to the deployer ${DEPLOYER}, which keeps no tokens on a non-local chain: list the supply's recipients in "tokenDistribution" ({ "to": <address or "timelock">, "amount": "<token wei>" }, adding up to "tokenSupply"), without the deployer.`,
    ]);
  });
});

describe(`npm run deploy on a non-local chain (anvil, chain id ${CHAIN_ID})`, () => {
  let anvil: AnvilHandle;
  let dir: string;
  let client: PublicClient;
  let record: DeploymentRecord;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const configFile = (name: string, config: unknown) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(config, null, 2));
    return file;
  };

  /** Nothing was sent: no transaction from the deployer, no block, no record, no Ignition journal. */
  async function expectNothingDeployed() {
    expect(await client.getTransactionCount({ address: DEPLOYER })).toBe(0);
    expect(await client.getBlockNumber()).toBe(0n);
    expect(existsSync(path.join(dir, NET, "deployment.json"))).toBe(false);
    expect(existsSync(ignitionDir)).toBe(false);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-nonlocal-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    rmSync(ignitionDir, { recursive: true, force: true });
    anvil = await startAnvil(PORT, { chainId: CHAIN_ID });
    client = createPublicClient({ transport: http(anvil.url) });
  });

  afterAll(async () => {
    await anvil?.stop();
    rmSync(ignitionDir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("test_deploy_nonLocal_noConfig_refusedNamingTheKeys", async () => {
    expect(await client.getChainId()).toBe(CHAIN_ID);
    const error = await deploy(["--network", NET, "--yes"], log).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(DeployConfigError);
    const message = error!.message.split("\n");
    expect(message[0]).toBe(
      `Refusing to deploy to ${NET}: chain ${CHAIN_ID} is not local (only chain 31337 is), so the deployer may keep no role and no tokens. Nothing sent. ` +
        `Set these keys in the deploy configuration (none given: pass --parameters <file> or write deployments/${NET}/parameters.json; keys in docs/deployment.md):`,
    );
    expect(message.slice(1).map((l) => l.match(/^ {2}- "(\w+)"/)?.[1])).toEqual(["guardian", "arbitrator", "treasury", "tokenDistribution"]);
    await expectNothingDeployed();

    // As a command: a non-zero exit and the same message on stderr.
    const run = spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/deploy.ts", "--network", NET, "--yes"], {
      cwd: root,
      encoding: "utf8",
      env: process.env,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`deploy: ${error!.message}`);
    await expectNothingDeployed();
  });

  it.each([
    ["guardian", { guardian: DEPLOYER }, /^ {2}- "guardian" is the deployer 0x\w+: set "guardian" to the guardian multisig .*, not the deployer\.$/],
    ["arbitrator", { arbitrator: DEPLOYER }, /^ {2}- "arbitrator" is the deployer 0x\w+: set "arbitrator" to .*, not the deployer\.$/],
    ["treasury", { treasury: DEPLOYER }, /^ {2}- "treasury" is the deployer 0x\w+: set "treasury" to "timelock" .*, not the deployer\.$/],
    [
      "the token supply",
      { tokenDistribution: [{ to: DEPLOYER, amount: String(SUPPLY) }] },
      /^ {2}- "tokenDistribution" gives 1000000000000000000000000000 token wei to the deployer 0x\w+, which keeps no tokens on a non-local chain: .*without the deployer\.$/,
    ],
  ])("test_deploy_nonLocal_deployerAs_%s_refused", async (_what, change, line) => {
    const file = configFile("bad", { ...proper(), ...change });
    const error = await deploy(["--network", NET, "--yes", "--parameters", file], log).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(DeployConfigError);
    const [header, ...problems] = error!.message.split("\n");
    expect(header).toBe(
      `Refusing to deploy to ${NET}: chain ${CHAIN_ID} is not local (only chain 31337 is), so the deployer may keep no role and no tokens. Nothing sent. ` +
        `Set these keys in the deploy configuration (${file}; keys in docs/deployment.md):`,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(line);
    await expectNothingDeployed();
  });

  it("test_deploy_nonLocal_redundancyRegister_refused", async () => {
    // Off a local chain the redundancy module is registered by governance, through the Timelock.
    const error = await deploy(["--network", NET, "--yes", "--parameters", configFile("proper", proper()), "--redundancy", "register"], log).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^--redundancy register is refused on chain 11155111: .*through the Timelock .*Nothing sent\.$/);
    await expectNothingDeployed();
  });

  it("test_deploy_nonLocal_properConfig_handsEverythingOver", async () => {
    lines.length = 0;
    const deployed = await deploy(["--network", NET, "--yes", "--parameters", configFile("proper", proper())], log);
    if (!deployed) throw new Error("deploy sent nothing");
    record = deployed;
    expect(record.chainId).toBe(CHAIN_ID);
    expect(record.contracts.paymentTokens).toEqual([]); // no test USDC off the local chain
    expect(lines).toContain(`  guardian:   ${GUARDIAN}`);
    expect(lines).toContain("  treasury:   the Timelock");
    expect(lines).toContain("Checked on chain: the deployer holds no admin role; the Timelock is the only admin; the guardian may cancel queued operations.");

    const connection = await network.connect({ network: NET });
    try {
      const { viem } = connection;
      const timelock = await viem.getContractAt("DepinferTimelock", record.contracts.timelock);
      const manager = await viem.getContractAt("AccessManager", record.contracts.manager);
      const token = await viem.getContractAt("DepinferToken", record.contracts.token);
      const market = await viem.getContractAt("IJobMarket", record.contracts.market);

      // The guardian: pause (AccessManager GUARDIAN) and veto (Timelock CANCELLER_ROLE); the arbitrator rules.
      expect((await manager.read.hasRole([1n, GUARDIAN]))[0]).toBe(true);
      expect(await timelock.read.hasRole([CANCELLER_ROLE, GUARDIAN])).toBe(true);
      expect(await timelock.read.hasRole([CANCELLER_ROLE, record.contracts.governor])).toBe(true);
      expect((await manager.read.hasRole([2n, ARBITRATOR]))[0]).toBe(true);
      expect(getAddress((await market.read.settings())[1])).toBe(getAddress(record.contracts.timelock)); // treasury

      // The deployer keeps nothing: no Timelock or AccessManager role, no tokens.
      for (const role of [DEFAULT_ADMIN_ROLE, await timelock.read.PROPOSER_ROLE(), CANCELLER_ROLE]) {
        expect(await timelock.read.hasRole([role, DEPLOYER])).toBe(false);
      }
      for (const role of [0n, 1n, 2n]) expect((await manager.read.hasRole([role, DEPLOYER]))[0]).toBe(false);
      expect((await manager.read.hasRole([0n, record.contracts.timelock]))[0]).toBe(true);
      // An L1 (Sepolia's chain id): the sampled verifier is registered for EXACT jobs by default.
      expect(getAddress(await market.read.verifierOf([0]))).toBe(getAddress(record.contracts.sampledVerifier!));
      expect(getAddress((await market.read.verificationFeeModule())[0])).toBe(getAddress(record.contracts.sampledVerifier!));
      expect(await token.read.balanceOf([DEPLOYER])).toBe(0n);
      expect(await token.read.balanceOf([VOTER])).toBe(SUPPLY / 10n);
      expect(await token.read.balanceOf([record.contracts.timelock])).toBe(SUPPLY - SUPPLY / 10n);

      // The redundancy module: deployed and recorded, its `rule` the ARBITRATOR's, not registered; the
      // Timelock's calls (redundancyRegistrationCalls) register it.
      const redundancyModule = record.contracts.redundancyModule!;
      expect(redundancyModule).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(await market.read.isModule([redundancyModule])).toBe(false);
      expect(await manager.read.getTargetFunctionRole([redundancyModule, REDUNDANCY_ARBITRATOR_SELECTORS[0]])).toBe(2n);
      const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
      await testClient.impersonateAccount({ address: record.contracts.timelock });
      await testClient.setBalance({ address: record.contracts.timelock, value: DPI });
      const publicClient = await viem.getPublicClient();
      const [wallet] = await viem.getWalletClients();
      for (const call of redundancyRegistrationCalls({ manager: record.contracts.manager, market: record.contracts.market, redundancyModule })) {
        const hash = await wallet.writeContract({ account: record.contracts.timelock, chain: null, address: call.to, abi: call.abi, functionName: call.functionName, args: call.args });
        expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
      }
      await testClient.stopImpersonatingAccount({ address: record.contracts.timelock });
      expect(await market.read.isModule([redundancyModule])).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it("test_guardian_cancelsQueuedProposal_executionFails", async () => {
    if (!record) throw new Error("needs the deployment of the previous test");
    const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    const travel = async (seconds: bigint) => {
      await testClient.increaseTime({ seconds: Number(seconds) });
      await testClient.mine({ blocks: 1 });
    };
    const connection = await network.connect({ network: NET });
    try {
      const { viem } = connection;
      const governor = await viem.getContractAt("DepinferGovernor", record.contracts.governor);
      const timelock = await viem.getContractAt("DepinferTimelock", record.contracts.timelock);
      const market = await viem.getContractAt("IJobMarket", record.contracts.market);
      const token = await viem.getContractAt("DepinferToken", record.contracts.token);
      const voter = (await viem.getWalletClients())[3];
      expect(getAddress(voter.account.address)).toBe(VOTER);
      await client.waitForTransactionReceipt({ hash: await token.write.delegate([VOTER], { account: voter.account }) });
      await travel(1n);

      // A real proposal, passed and queued by the voter (account 3).
      const [paramsBefore] = await market.read.params();
      const proposed = await params(["--network", NET, "--challenge-window", "7200", "--account", "3", "--yes"], log);
      const id = proposed.proposal.id;
      const step = (s: string, account: string) => advanceProposal(["--network", NET, id, s, "--account", account, "--yes"], log);
      await travel((await governor.read.votingDelay()) + 1n);
      await step("vote", "3");
      await travel((await governor.read.votingPeriod()) + 1n);
      const queued = await step("queue", "3");
      expect(queued.state).toBe("Queued");
      const operation = await timelockOperationId(client, record, proposed.proposal);
      expect(await timelock.read.isOperationPending([operation])).toBe(true);

      // Neither the deployer nor the voter may cancel; the guardian (account 1) may.
      await expect(step("cancel", "0")).rejects.toThrow(/0x\w+ may not cancel: it does not hold the Timelock's CANCELLER_ROLE .*Nothing sent\./);
      await expect(step("cancel", "3")).rejects.toThrow(/may not cancel/);
      expect(await timelock.read.isOperationPending([operation])).toBe(true);
      const cancelled = await step("cancel", "1");
      expect(cancelled.state).toBe("Canceled");
      expect(await timelock.read.isOperationPending([operation])).toBe(false);
      expect(await timelock.read.isOperationDone([operation])).toBe(false);

      // Past the Timelock delay, the proposal can no longer execute, and nothing changed.
      await travel((await timelock.read.getMinDelay()) + 1n);
      await expect(step("execute", "3")).rejects.toThrow();
      expect(await governor.read.state([BigInt(id)])).toBe(2); // Canceled
      expect((await market.read.params())[0]).toEqual(paramsBefore);
      await expect(step("cancel", "1")).rejects.toThrow(/has no operation waiting in the Timelock/);
    } finally {
      await connection.close();
    }
  });
});
