/**
 * The README's governor walkthrough as a rehearsal on a local node process (anvil on 18600, network
 * "anvilRehearsal"), every step a command run non-interactively with --yes: deploy, delegate,
 * propose a parameter change, advance past the voting delay, vote, advance past the voting period,
 * queue, advance past the Timelock delay, execute, and the new value is in force. Then the refusals:
 * queue and execute before their time are refused with the time left and send nothing; a premature
 * execute that reaches the chain anyway is reported by error name; and `npm run advance` refuses a
 * node with a public chain id (anvil on 18601, chain 11155111).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createPublicClient, createTestClient, http, type Address, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { advance } from "../../scripts/advance.js";
import { params } from "../../scripts/governance/params.js";
import { advanceProposal } from "../../scripts/governance/proposal.js";
import { sendPlanned, type DeploymentRecord } from "../../scripts/lib/cli.js";
import { formatDuration, loadProposal, stepCall } from "../../scripts/lib/governance.js";
import { depinferGovernorAbi } from "../../sdk/src/abis/depinferGovernor.js";
import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { npmRun, root, runScript, type Run } from "../utils/governorCli.js";

const PORT = 18600;
const NET = "anvilRehearsal";
const PUBLIC_PORT = 18601;
const PUBLIC_NET = "anvilRehearsalPublic";
const PUBLIC_CHAIN_ID = 11155111;
/** anvil's account 0: the deployer, the token holder and the proposer. */
const DEPLOYER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ignitionDir = path.join(root, "ignition", "deployments", `depinfer-${NET}`);

/** Short voting, through the deploy configuration; the Timelock's floor is 1 day, which `advance` skips. */
const TIMING = { votingDelay: 60, votingPeriod: 300, timelockDelay: 86400 };

describe("the governor rehearsal on a local node", () => {
  let anvil: AnvilHandle;
  let publicAnvil: AnvilHandle;
  let dir: string;
  let client: PublicClient;
  let record: DeploymentRecord;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  /** A script as its command, against the rehearsal node; fails the test, with its stderr, unless it succeeds. */
  const step = async (script: string, args: string[]) => {
    const run = await runScript(script, ["--network", NET, ...args], { DEPINFER_DEPLOYMENTS_DIR: dir });
    expect(run.code, `${script} ${args.join(" ")}:\n${run.stderr}`).toBe(0);
    return run.stdout;
  };
  /** Nothing sent: no new block and no new transaction from the deployer. */
  const chainMark = async () => ({ block: await client.getBlockNumber({ cacheTime: 0 }), nonce: await client.getTransactionCount({ address: DEPLOYER }) });
  const governorRead = <T>(functionName: string, args: unknown[] = []) =>
    client.readContract({ address: record.contracts.governor, abi: depinferGovernorAbi, functionName, args } as never) as Promise<T>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-rehearsal-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    rmSync(ignitionDir, { recursive: true, force: true });
    [anvil, publicAnvil] = await Promise.all([startAnvil(PORT), startAnvil(PUBLIC_PORT, { chainId: PUBLIC_CHAIN_ID })]);
    client = createPublicClient({ transport: http(anvil.url) });
    writeFileSync(path.join(dir, "rehearsal.json"), JSON.stringify(TIMING));
  });

  afterAll(async () => {
    await Promise.all([anvil?.stop(), publicAnvil?.stop()]);
    rmSync(ignitionDir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("test_rehearsal_deployDelegateProposeVoteQueueExecute_newValueInForce", async () => {
    const deployed = await step("deploy", ["--parameters", path.join(dir, "rehearsal.json"), "--yes"]);
    expect(deployed).toMatch(/Recorded .*deployment\.json: market 0x/);
    record = JSON.parse(readFileSync(path.join(dir, NET, "deployment.json"), "utf8")) as DeploymentRecord;
    expect(await governorRead<bigint>("votingDelay")).toBe(BigInt(TIMING.votingDelay));

    // Before delegating, proposing is refused, and the refusal says how to get votes.
    await expect(params(["--network", NET, "--challenge-window", "2h", "--yes"], log)).rejects.toThrow(
      new RegExp(`has 0 votes, below the proposal threshold .*npm run delegate -- --network ${NET}`),
    );

    // The walkthrough's first step: the votes count at once (the script mined the block they need).
    const delegated = await step("delegate", ["--yes"]);
    expect(delegated).toMatch(/^Delegated \(0x[0-9a-f]{64}\)\.$/m);
    expect(delegated).toContain("Local chain: mined one block (a second later) so that the Governor counts the new votes.");
    expect(delegated).toMatch(/has 1000000000 DPI of votes as the Governor counts them; .*it may propose/);

    const proposed = await step("params", ["--challenge-window", "2h", "--yes"]);
    const id = /^Proposal id: (\d+)$/m.exec(proposed)?.[1];
    if (!id) throw new Error(`no proposal id in:\n${proposed}`);
    expect(proposed).toMatch(/State: Pending\./);

    expect(await step("advance", [`${TIMING.votingDelay + 1}s`])).toMatch(/moved the clock 1m 1s forward and mined block \d+/);
    expect(await step("proposal", [id, "vote", "--yes"])).toMatch(/Sent vote \(0x\w+\)\. State: Active\./);
    await step("advance", [`${TIMING.votingPeriod + 1}s`]);
    expect(await step("proposal", [id, "queue", "--yes"])).toMatch(/Sent queue \(0x\w+\)\. State: Queued\./);
    await step("advance", ["1d"]);
    expect(await step("proposal", [id, "execute", "--yes"])).toMatch(/Sent execute \(0x\w+\)\. State: Executed\. Next: Executed: done\./);

    const [current] = await client.readContract({ address: record.contracts.market, abi: jobMarketAbi, functionName: "params" });
    expect(current.challengeWindow).toBe(7200);
  });

  it("test_queueAndExecute_beforeTheirTime_refusedWithTimeLeft_nothingSent", async () => {
    if (!record) throw new Error("needs the deployment of the rehearsal test");
    const proposed = await params(["--network", NET, "--protocol-fee-bps", "200", "--yes"], log);
    const id = proposed.proposal.id;
    await advance(["--network", NET, `${TIMING.votingDelay + 1}s`], log);
    expect((await advanceProposal(["--network", NET, id, "vote", "--yes"], log)).state).toBe("Active");

    // Queue while the vote is open: refused, with the time until the voting period ends.
    const beforeQueue = await chainMark();
    const deadline = await governorRead<bigint>("proposalDeadline", [BigInt(id)]);
    const error = await advanceProposal(["--network", NET, id, "queue", "--yes"], log).then(
      () => undefined,
      (e: Error) => e,
    );
    const latest = await client.getBlock();
    expect(error?.message).toBe(
      `Not queueable yet: voting is open until ${new Date(Number(deadline + 1n) * 1000).toISOString()} (unix ${deadline + 1n}): ` +
        `${formatDuration(deadline + 1n - latest.timestamp)} left by chain time (latest block ${latest.number} at ${new Date(Number(latest.timestamp) * 1000).toISOString()} (unix ${latest.timestamp})). ` +
        `Nothing sent. For a local rehearsal: npm run advance -- --network ${NET} ${deadline + 1n - latest.timestamp}s`,
    );
    expect(await chainMark()).toEqual(beforeQueue);
    expect(await governorRead<number>("state", [BigInt(id)])).toBe(1); // Active

    await advance(["--network", NET, `${TIMING.votingPeriod + 1}s`], log);
    expect((await advanceProposal(["--network", NET, id, "queue", "--yes"], log)).state).toBe("Queued");

    // Execute before the eta, as a command: refused on one line with the time left, nothing sent.
    const beforeExecute = await chainMark();
    const eta = await governorRead<bigint>("proposalEta", [BigInt(id)]);
    const run: Run = await runScript("proposal", ["--network", NET, id, "execute", "--yes"], { DEPINFER_DEPLOYMENTS_DIR: dir });
    const now = await client.getBlock();
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain(
      `proposal: Not executable yet: the Timelock delay ends at ${new Date(Number(eta) * 1000).toISOString()} (unix ${eta}): ` +
        `${formatDuration(eta - now.timestamp)} left by chain time (latest block ${now.number} at`,
    );
    expect(eta - now.timestamp).toBeGreaterThan(BigInt(TIMING.timelockDelay) - 60n);
    expect(run.stderr).toMatch(new RegExp(`Nothing sent\\. For a local rehearsal: npm run advance -- --network ${NET} ${eta - now.timestamp}s\\n$`));
    expect(await chainMark()).toEqual(beforeExecute);
    expect(await governorRead<number>("state", [BigInt(id)])).toBe(5); // Queued

    // Sent anyway (past the script's check), the chain's refusal is reported by name, not as 0x5ead8eb5.
    const connection = await network.connect({ network: NET });
    try {
      const [wallet] = await connection.viem.getWalletClients();
      const call = stepCall(record, loadProposal(NET, id), "execute", "executor");
      const sent = await sendPlanned(wallet, await connection.viem.getPublicClient(), call, "execute").then(
        () => undefined,
        (e: Error) => e,
      );
      expect(sent?.message).toMatch(
        /^execute refused by DepinferGovernor, nothing sent: Timelock error TimelockUnexpectedOperationState\(operationId: 0x[0-9a-f]{64}, expectedStates: 0x0{63}4\): the operation is not Ready: not queued, or its Timelock delay has not passed yet$/,
      );
    } finally {
      await connection.close();
    }
    expect(await chainMark()).toEqual(beforeExecute);
  });

  it("test_advance_nonLocalChain_refused_clockUnchanged", async () => {
    const other = createPublicClient({ transport: http(publicAnvil.url) });
    expect(await other.getChainId()).toBe(PUBLIC_CHAIN_ID);
    const before = await other.getBlock();

    // Through npm, as the README has it.
    const run = await npmRun("advance", ["--network", PUBLIC_NET, "1d"], { DEPINFER_DEPLOYMENTS_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(
      new RegExp(`^advance: Refusing to move time on ${PUBLIC_NET}: it is chain ${PUBLIC_CHAIN_ID}, not a local chain \\(31337\\)\\. .*Nothing sent\\.\\n$`),
    );
    expect(await other.getBlockNumber({ cacheTime: 0 })).toBe(before.number);
    // Had the clock moved (without a block), the next block would be a day ahead.
    await createTestClient({ mode: "anvil", transport: http(publicAnvil.url) }).mine({ blocks: 1 });
    const next = await other.getBlock();
    expect(next.timestamp - before.timestamp).toBeLessThan(3600n);
  });
});
