// The verifier role of the node as a real process (`depinfer-provider run`) against an anvil node
// process: it is killed with SIGKILL right after each verifier step (the seat recorded, the vote's
// output and salt kept, the commit sent, the commit mined, the reveal sent), restarted, and each check
// must end with the seat revealed exactly once, with the salt the journal held at the kill, and the
// verifier never slashed. After the kill past the commit, the restart comes 20 s before the reveal
// deadline: the node must still reveal in time. The provider here is the test itself, honest, and
// the node the only enrolled verifier, so it holds every round-0 seat.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, custom, http, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection } from "../../scripts/lib/harness.js";
import { contentHash, createDepinferClient, getVerification, signAttestation, voteCommitment, type DepinferClient } from "../../sdk/src/index.js";
import { createBuiltinBackend, VerifierJournal, type VerifierStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startProviderNode, stopProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";
import { deploySampling, EPOCH } from "../utils/sampling.js";

const PORT = 18940;
const NET = "anvilVerifier";
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-verifier-${process.pid}-${Date.now()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("verifier node process: SIGKILL at each verifier step, restart, one reveal with the kept salt", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let s: Awaited<ReturnType<typeof deploySampling>>;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let provider: { privateKey: Hex; address: `0x${string}` };
  let verifier: { privateKey: Hex; address: `0x${string}` };
  let dir: string;
  let testClient: ReturnType<typeof createTestClient>;
  const running = new Set<ChildProcess>();
  let n = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-verifier-crash-"));
    anvil = await startAnvil(PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    connection = (await network.connect({ network: NET })) as Connection;
    s = await deploySampling(connection, { params: { samplingRateBps: 10_000, newProviderRateBps: 10_000 }, deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chain = publicClient.chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, s);
    provider = await setUpNodeProvider(connection, s, wallets[0], { model, price: PRICE, stake: 1_000n * DPI });
    verifier = await setUpNodeProvider(connection, s, wallets[0], { model, price: PRICE, stake: 1_000n * DPI });
    await publicClient.waitForTransactionReceipt({ hash: await s.usdc.write.mint([wallets[9].account.address, 1_000n * USDC]) });
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: wallets[9].account, deployment: { market: s.market.address } });
    writeFileSync(
      path.join(dir, "verifier.json"),
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId: chain.id,
        market: s.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: s.usdc.address }],
        pollingIntervalMs: 100,
        claimIntervalMs: 1000,
        startBlock: 0,
        verifier: { enabled: true, address: s.sv.address },
      }),
    );
  }, 180_000);

  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  function startNode(crashAt?: VerifierStep): ProviderNodeProcess {
    const node = startProviderNode(["--config", path.join(dir, "verifier.json"), "--log-level", "debug"], {
      DEPINFER_NODE_KEY: verifier.privateKey,
      ...(crashAt && { DEPINFER_NODE_CRASH_AT: crashAt }),
    });
    running.add(node.child);
    void node.exited.then(() => running.delete(node.child));
    return node;
  }

  /** An honest result for a fresh job: the test is the provider. */
  async function honestJob() {
    const input = `crash check ${++n}`;
    const { jobId, job } = await client.submitJobSync({ model, input, price: PRICE, token: s.usdc.address, provider: provider.address, timeout: 3600, authorization: "approve" });
    const outputHash = contentHash(await createBuiltinBackend().infer(new TextEncoder().encode(input)));
    const wallet = createWalletClient({ chain, transport: custom(connection.provider), account: privateKeyToAccount(provider.privateKey) });
    const signature = await signAttestation(wallet, { market: s.market.address, jobId, job, outputHash, provider: provider.address });
    const publicClient = await connection.viem.getPublicClient();
    await publicClient.waitForTransactionReceipt({ hash: await s.market.write.acceptAndSubmit([job, outputHash, signature], { account: wallet.account }) });
    return { jobId, job, outputHash };
  }

  /** The clock: past an epoch's end whenever the draw or an assignment waits for a seed, until `done`. */
  async function driveUntil(what: string, job: Awaited<ReturnType<typeof honestJob>>, done: () => Promise<boolean>, node: ProviderNodeProcess) {
    const publicClient = await connection.viem.getPublicClient();
    await until(
      what,
      async () => {
        if (await done()) return true;
        const v = await getVerification(publicClient, { sampledVerifier: s.sv.address, job: job.job });
        if ((v.status === "None" && v.jobStatus === "Submitted") || v.status === "AwaitingSeed") {
          await testClient.increaseTime({ seconds: EPOCH });
          await testClient.mine({ blocks: 1 });
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 250, detail: () => node.lines.slice(-30).join("\n") },
    );
  }

  const events = async (eventName: "VoteCommitted" | "VoteRevealed" | "VerifierSlashed", jobId: Hex) =>
    (await (await connection.viem.getPublicClient()).getContractEvents({ address: s.sv.address, abi: s.sv.abi, eventName, args: { jobId }, fromBlock: 0n })).length;

  for (const step of ["seat-recorded", "vote-kept", "commit-sent", "committed", "reveal-sent"] as VerifierStep[]) {
    it(`killed right after ${step}: restarts and reveals once, with the salt it kept`, async () => {
      const job = await honestJob();
      const crashing = startNode(step);
      let exited: { signal: NodeJS.Signals | null } | undefined;
      void crashing.exited.then((e) => (exited = e));
      await driveUntil(`the node kills itself at ${step}`, job, async () => exited !== undefined, crashing);
      expect(exited!.signal, crashing.lines.slice(-30).join("\n")).toBe("SIGKILL");
      expect(crashing.lines.some((l) => l.includes('"crash test: killing the node"') && l.includes(`"step":"${step}"`))).toBe(true);
      const journal = new VerifierJournal(path.join(dir, "data", "journal.sqlite"));
      const atKill = journal.get(job.jobId);
      journal.close();
      expect(atKill?.seat, "the seat survived the kill").toBeDefined();
      const publicClient = await connection.viem.getPublicClient();
      if (step === "committed") {
        // Restart 20 s before the reveal deadline: still in time.
        const v = await getVerification(publicClient, { sampledVerifier: s.sv.address, job: job.job });
        const now = Number((await publicClient.getBlock()).timestamp);
        await testClient.increaseTime({ seconds: v.revealDeadline - now - 20 });
        await testClient.mine({ blocks: 1 });
      }
      const node = startNode();
      await driveUntil("the check closes", job, async () => (await getVerification(publicClient, { sampledVerifier: s.sv.address, job: job.job })).status === "Closed", node);
      const v = await getVerification(publicClient, { sampledVerifier: s.sv.address, job: job.job });
      expect(v.outcome).toBe("stands");
      expect(v.votes).toHaveLength(1);
      expect(v.votes[0]).toMatchObject({ verifier: verifier.address, status: "Revealed", agrees: true });
      // The commitment opened with the salt the journal held when the node died (if it had one yet).
      if (atKill?.salt) expect(v.votes[0].commitment).toBe(voteCommitment({ jobId: job.jobId, round: 0, verifier: verifier.address, outputHash: job.outputHash, salt: atKill.salt }));
      expect(await events("VoteCommitted", job.jobId)).toBe(1);
      expect(await events("VoteRevealed", job.jobId)).toBe(1);
      expect(await events("VerifierSlashed", job.jobId)).toBe(0);
      const { code } = await stopProviderNode(node);
      expect(code, node.lines.slice(-30).join("\n")).toBe(0);
      await sleep(50);
    }, 150_000);
  }
});
