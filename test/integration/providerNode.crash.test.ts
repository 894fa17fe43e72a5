// The provider node as a real process (`depinfer-provider`, provider/src/cli.ts) against an anvil
// node process: it is killed with SIGKILL right after each step (after accept, after inference,
// after the submission is sent, and after it is sent but lost from the node's pool), restarted, and
// every job must end with exactly one submission and none left behind. Its RPC goes through a proxy
// the test cuts to show the node rides out a dropped connection. Inference runs on an
// OpenAI-compatible server the test starts, which counts calls and answers differently every time:
// a second inference for a job would show, and would change the attested hash.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, custom, http, type Address, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerBuiltinModel, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { createDepinferClient, HttpContentStore, jobMarketAbi, JobStatus, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { Journal, type ProviderNodeStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startCountingInferenceServer } from "../utils/inferenceServer.js";
import { outputUrlOf, runProviderCli, startProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";
import { startTcpProxy } from "../utils/rpcProxy.js";
import { submissionsOnChain } from "../utils/submissions.js";

const PORT = 18549;
const NET = "anvilNode";
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-node-${process.pid}-${Date.now()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type NodeProcess = ProviderNodeProcess;

describe("provider node process: SIGKILL at each step, restart, exactly one submission per job", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let provider: Address;
  let inference: Awaited<ReturnType<typeof startCountingInferenceServer>>;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let dir: string;
  let privateKey: Hex;
  const running = new Set<ChildProcess>();
  const jobs: { jobId: Hex; job: Job; prompt: string }[] = [];
  let testClient: ReturnType<typeof createTestClient>;
  /** Outputs the journal had recorded when a node was killed: they must be the ones attested. */
  const computedAtKill = new Map<Hex, Hex>();
  let kills = 0;

  function recordComputed() {
    kills++;
    const journal = new Journal(path.join(dir, "data"));
    // Jobs computed but not yet submitted when the node died.
    for (const j of jobs) {
      const entry = journal.get(j.jobId);
      if (entry?.outputHash && (entry.state === "computed" || entry.state === "submitting")) computedAtKill.set(j.jobId, entry.outputHash);
    }
    journal.close();
  }

  const configFile = (acceptFirst: boolean) => {
    const file = path.join(dir, `provider-${acceptFirst ? "eager" : "lazy"}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: proxy.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "openai", baseUrl: inference.url, model: "counting-test-server" }, price: PRICE.toString(), token: p.usdc.address }],
        concurrency: 4,
        pollingIntervalMs: 100,
        claimIntervalMs: 1000,
        outputServer: { host: "127.0.0.1", port: 0 },
        acceptFirst,
        startBlock: 0,
      }),
    );
    return file;
  };

  /** Runs a depinfer-provider command to its end; `output` is stdout then stderr. */
  const runCli = async (args: string[]) => {
    const { code, stdout, stderr } = await runProviderCli(args, { DEPINFER_NODE_KEY: privateKey });
    return { code, output: stdout + stderr };
  };

  function startNode({ acceptFirst = true, crashAt }: { acceptFirst?: boolean; crashAt?: ProviderNodeStep } = {}): NodeProcess {
    // Its own process group, killed whole in afterAll.
    const node = startProviderNode(["--config", configFile(acceptFirst), "--log-level", "debug"], {
      DEPINFER_NODE_KEY: privateKey,
      ...(crashAt && { DEPINFER_NODE_CRASH_AT: crashAt }),
    });
    running.add(node.child);
    void node.exited.then(() => running.delete(node.child));
    return node;
  }

  async function stopNode(node: NodeProcess) {
    if (node.child.exitCode === null && node.child.signalCode === null) process.kill(-node.child.pid!, "SIGTERM");
    const { code } = await node.exited;
    expect(code, node.lines.join("\n")).toBe(0);
  }

  async function submit(prompt: string, direct: boolean) {
    const r = await client.submitJobSync({ model, input: prompt, price: PRICE, token: p.usdc.address, provider: direct ? provider : undefined, timeout: 3600, authorization: "approve" });
    jobs.push({ jobId: r.jobId, job: r.job, prompt });
    return r;
  }

  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;

  /** Waits with the node's last log lines in the timeout error. */
  const untilNode = (what: string, check: () => Promise<boolean> | boolean, node: NodeProcess) =>
    until(what, check, { timeoutMs: 60_000, intervalMs: 50, detail: () => node.lines.slice(-40).join("\n") });

  /** Runs the node until it kills itself at `step`; returns its log. */
  async function crashAt(step: ProviderNodeStep, acceptFirst: boolean, work: () => Promise<unknown>) {
    const node = startNode({ acceptFirst, crashAt: step });
    await work();
    const { signal } = await Promise.race([
      node.exited,
      sleep(60_000).then(() => {
        throw new Error(`the node did not reach ${step}:\n${node.lines.slice(-40).join("\n")}`);
      }),
    ]);
    expect(signal).toBe("SIGKILL");
    expect(node.lines.some((l) => l.includes('"crash test: killing the node"') && l.includes(`"step":"${step}"`))).toBe(true);
    recordComputed();
    return node;
  }

  async function allSubmitted(node: NodeProcess) {
    await untilNode("every job is submitted", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s >= JobStatus.Submitted), node);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-crash-"));
    anvil = await startAnvil(PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    connection = (await network.connect({ network: NET })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chain = publicClient.chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    // The operator's way in: fund a fresh key, then `depinfer-provider setup` registers, stakes and offers.
    privateKey = generatePrivateKey();
    provider = privateKeyToAccount(privateKey).address;
    const [deployer] = wallets;
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: provider, value: 10n ** 19n }) });
    await publicClient.waitForTransactionReceipt({ hash: await p.token.write.transfer([provider, 1_000n * DPI]) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([wallets[9].account.address, 1_000n * USDC]) });
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: wallets[9].account, deployment: { market: p.market.address } });
    inference = await startCountingInferenceServer();
    proxy = await startTcpProxy(PORT);
  }, 180_000);

  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await proxy?.close();
    await inference?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("depinfer-provider setup plans, then registers, stakes and offers, and a second run sends nothing", async () => {
    const planned = await runCli(["setup", "--config", configFile(true), "--stake", "1000", "--dry-run"]);
    expect(planned.code, planned.output).toBe(0);
    expect(planned.output).toContain(`would register ${provider} with signer ${provider}`);
    expect((await p.market.read.provider([provider])).registered).toBe(false);
    const setUp = await runCli(["setup", "--config", configFile(true), "--stake", "1000"]);
    expect(setUp.code, setUp.output).toBe(0);
    expect(setUp.output).toMatch(/register .*\nstake 1000 more \(to 1000\)\noffer model/);
    const again = await runCli(["setup", "--config", configFile(true), "--stake", "1000"]);
    expect(again.output).toContain("nothing to do");
    expect(await p.market.read.provider([provider])).toMatchObject({ registered: true, staked: 1_000n * DPI, signer: provider });
  });

  it("killed right after an accept: restarts and finishes both jobs", async () => {
    await crashAt("accepted", true, async () => {
      await submit("after accept: open", false);
      await submit("after accept: direct", true);
    });
    // The kill left one job accepted on-chain with no result yet.
    expect((await Promise.all(jobs.map((j) => statusOf(j.jobId)))).filter((s) => s === JobStatus.Accepted).length).toBeGreaterThanOrEqual(1);
    const node = startNode();
    await allSubmitted(node);
    await stopNode(node);
  });

  it("killed right after inference: restarts and submits what it computed, without running the model again", async () => {
    await crashAt("computed", false, async () => {
      await submit("after inference: open", false);
      await submit("after inference: direct", true);
    });
    const node = startNode({ acceptFirst: false });
    await allSubmitted(node);
    await stopNode(node);
  });

  it("killed right after the submission is sent: restarts without signing a second one", async () => {
    await crashAt("submit-sent", false, async () => {
      await submit("after submit: direct", true);
      await submit("after submit: open", false);
    });
    const node = startNode({ acceptFirst: false });
    await allSubmitted(node);
    await stopNode(node);
  });

  it("killed after sending a submission that the chain then lost: rebroadcasts the very same transaction", async () => {
    await testClient.setAutomine(false);
    const journal = () => new Journal(path.join(dir, "data"));
    let recorded: Hex | undefined;
    let jobId: Hex | undefined;
    try {
      // The job is created (mined by hand) while no node runs; the node then sends its submission
      // into a pool that does not mine, and is killed.
      const pending = client.submitJobSync({ model, input: "lost submission", price: PRICE, token: p.usdc.address, provider, timeout: 3600, authorization: "approve" });
      const minePending = setInterval(() => void testClient.mine({ blocks: 1 }), 200);
      const r = await pending.finally(() => clearInterval(minePending));
      jobs.push({ jobId: r.jobId, job: r.job, prompt: "lost submission" });
      jobId = r.jobId;
      const node = startNode({ acceptFirst: false, crashAt: "submit-sent" });
      const { signal } = await node.exited;
      expect(signal, node.lines.slice(-30).join("\n")).toBe("SIGKILL");
      recordComputed();
      const j = journal();
      const entry = j.get(jobId)!;
      j.close();
      expect(entry.state).toBe("submitting");
      recorded = entry.submitTx!;
      // The chain forgets it.
      await testClient.request({ method: "anvil_dropTransaction" as never, params: [recorded] as never });
      const publicClient = await connection.viem.getPublicClient();
      await expect(publicClient.getTransaction({ hash: recorded })).rejects.toThrow();
      expect(await statusOf(jobId)).toBe(JobStatus.Created);
    } finally {
      await testClient.setAutomine(true);
    }
    const node = startNode({ acceptFirst: false });
    await allSubmitted(node);
    await stopNode(node);
    const [event] = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId }, fromBlock: 0n });
    expect(event.transactionHash).toBe(recorded);
    expect(node.lines.some((l) => l.includes("submission rebroadcast after restart"))).toBe(true);
  });

  it("rides out a dropped RPC connection", async () => {
    const node = startNode();
    await untilNode("the node is watching", () => node.lines.some((l) => l.includes('"provider node started"')), node);
    await proxy.cut();
    await submit("while cut: direct", true);
    await submit("while cut: open", false);
    await sleep(1500);
    await proxy.restore();
    await allSubmitted(node);
    expect(node.lines.some((l) => l.includes("RPC error, retrying"))).toBe(true);
    await stopNode(node);
  });

  it("every job ends finalized with exactly one submission, one inference, and an output that matches it", async () => {
    // Past the challenge window, a fresh start finalizes everything and claims the earnings.
    const { challengeWindow } = (await p.market.read.params())[0];
    await testClient.increaseTime({ seconds: Number(challengeWindow) + 1 });
    await testClient.mine({ blocks: 1 });
    const node = startNode();
    await untilNode("every job is finalized", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Finalized), node);
    await untilNode("the earnings are claimed", async () => (await p.market.read.claimable([provider, p.usdc.address])) === 0n, node);
    const serverUrl = outputUrlOf(node)!;

    // Exactly one submission transaction per job from the provider, counting reverted ones.
    const submissions = await submissionsOnChain((await connection.viem.getPublicClient()) as never, p.market.address, provider);
    // An output recorded before a kill is the one attested: never recomputed (every answer of the
    // inference server differs) nor signed again. A job killed mid-inference (nothing recorded, nothing
    // signed) runs again, so it may have one more call per kill.
    const store = new HttpContentStore({ baseUrl: serverUrl });
    let rerun = 0;
    for (const j of jobs) {
      expect(submissions.get(j.jobId)?.length, j.prompt).toBe(1);
      const [event] = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId: j.jobId }, fromBlock: 0n });
      const calls = inference.calls.get(j.prompt) ?? 0;
      if (computedAtKill.has(j.jobId)) {
        expect(event.args.outputHash, j.prompt).toBe(computedAtKill.get(j.jobId));
        expect(calls, j.prompt).toBe(1);
      } else rerun += calls - 1;
      const output = await store.get(event.args.outputHash!);
      expect(new TextDecoder().decode(output), j.prompt).toMatch(new RegExp(`^answer #\\d+ to ${j.prompt}$`));
    }
    expect(computedAtKill.size).toBeGreaterThanOrEqual(3); // the kills after inference, after submit and the lost one
    expect(rerun).toBeLessThanOrEqual(kills);
    expect(jobs.length).toBe(9);
    await stopNode(node);
    const journal = new Journal(path.join(dir, "data"));
    expect(journal.counts()).toEqual({ finalized: 9 });
    journal.close();
  });
});
