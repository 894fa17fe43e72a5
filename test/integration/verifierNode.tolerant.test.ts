// The provider node as a verifier of a TOLERANT job (provider/src/verifier.ts), on Hardhat's in-process
// chain with the module deployed by the production Ignition module, which now routes TOLERANT jobs to
// it. A provider whose output differs from the model's by a few bytes (the usual TOLERANT case) is
// drawn; one verifier node re-runs the job, commits and reveals; the hashes differ, so the check goes to
// the arbiter. The arbiter must be able to see the verifier's output: the node keeps its bytes unserved
// until its reveal (another seat could copy them), then serves them by the revealed hash. A vote the
// arbiter can read is paid; one whose bytes it could not see would be rejected as junk (`rejectVote`).
import { existsSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import { custom, type Chain } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DPI, until, USDC, type Connection } from "../../scripts/lib/harness.js";
import { cidFromHash, contentHash, createDepinferClient, getVerification, HttpContentStore, JobStatus, modelIdOf } from "../../sdk/src/index.js";
import { BUILTIN_MODEL, type InferenceBackend } from "../../provider/src/index.js";
import { createBuiltinBackend } from "../../provider/src/backends/builtin.js";
import { deploySampling, EPOCH, samplingNodes } from "../utils/sampling.js";

const PRICE = 2n * USDC;
const RETENTION = 3; // seconds
const builtin = createBuiltinBackend();
/** An honest TOLERANT provider: the model's answer, with bytes that differ (as another GPU's numerics would). */
const closeBackend: InferenceBackend = { name: "close", infer: async (input, options) => new Uint8Array([...(await builtin.infer(input, options)), 0x20]) };

describe("provider node as verifier of a TOLERANT job: its output is the arbiter's evidence", () => {
  let connection: Connection;
  let sv: Awaited<ReturnType<typeof deploySampling>>;
  let nodes: ReturnType<typeof samplingNodes>;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    sv = await deploySampling(connection, { params: { samplingRateBps: 10_000, newProviderRateBps: 10_000 } });
    nodes = samplingNodes(connection, sv, PRICE);
  });
  afterAll(async () => {
    await nodes?.stop();
  });

  it("re-runs, reveals a different hash, serves the bytes behind it once revealed, and is paid when the provider stands", async () => {
    const { viem, networkHelpers } = connection;
    const publicClient = await viem.getPublicClient();
    const [deployer, clientW] = await viem.getWalletClients();
    await publicClient.waitForTransactionReceipt({
      hash: await sv.market.write.registerModel([BUILTIN_MODEL.weightsHash, BUILTIN_MODEL.runtimeDigest, 1, `builtin://${BUILTIN_MODEL.name}`]),
    });
    const model = modelIdOf({ weightsHash: BUILTIN_MODEL.weightsHash, runtimeDigest: BUILTIN_MODEL.runtimeDigest, determinism: 1 });
    expect((await sv.market.read.verifierOf([1])).toLowerCase()).toBe(sv.sv.address.toLowerCase());
    // The verifier keeps content RETENTION seconds after its seat ends (retention.ts).
    const make = (name: string, verifier: boolean, backend?: InferenceBackend) =>
      nodes.start(`tolerant-${name}`, { model, verifier, backend, config: verifier ? { contentRetentionSeconds: RETENTION } : {} });
    const provider = await make("provider", false, closeBackend);
    const verifier = await make("verifier", true);
    await until("the verifier enrolled", async () => (await sv.sv.read.verifierCount([model])) === 1n, { timeoutMs: 20_000 });

    await sv.usdc.write.mint([clientW.account.address, 100n * USDC]);
    const client = createDepinferClient({ chain: publicClient.chain as Chain, transport: custom(connection.provider, { retryCount: 0 }), account: clientW.account, deployment: { market: sv.market.address } });
    const input = "The lighthouse (1)";
    const { jobId, job } = await client.submitJobSync({ model, input, price: PRICE, token: sv.usdc.address, provider: provider.address, timeout: 600, authorization: "approve" });
    const expected = await builtin.infer(new TextEncoder().encode(input));
    const verifierStore = new HttpContentStore({ baseUrl: verifier.node.outputUrl! });

    // The clock: past an epoch's end whenever the draw or the assignment waits for a seed.
    let servedBeforeReveal = false;
    await until(
      "the check awaits the arbiter",
      async () => {
        const v = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job });
        if (v.status === "AwaitingArbitration") return true;
        // While our seat has not revealed, its output must not be served (another seat could copy it).
        if (v.votes.length && v.votes[0].status !== "Revealed" && (await verifierStore.get(contentHash(expected)).catch(() => undefined))) servedBeforeReveal = true;
        if ((v.status === "None" && v.jobStatus === "Submitted") || v.status === "AwaitingSeed") {
          await networkHelpers.time.increase(EPOCH);
          await networkHelpers.mine();
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    expect(servedBeforeReveal).toBe(false);
    const v = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job });
    expect(v.votes).toHaveLength(1);
    expect(v.votes[0].verifier.toLowerCase()).toBe(verifier.address.toLowerCase());
    expect(v.votes[0].agrees).toBe(false);
    const revealed = (await sv.sv.read.voteOf([jobId, 0n])).output;
    expect(revealed).toBe(contentHash(expected));

    // The evidence: the bytes behind the revealed hash, from the verifier node's output server.
    await until("the verifier serves its output", async () => (await verifierStore.get(revealed).catch(() => undefined)) !== undefined, { timeoutMs: 10_000 });
    expect(new TextDecoder().decode((await verifierStore.get(revealed))!)).toBe(new TextDecoder().decode(expected));
    // And the provider's output (the client's) differs only within tolerance: the arbiter lets it stand.
    const R = (PRICE * BigInt((await sv.sv.read.params()).verifierRewardBps)) / 10_000n;
    await publicClient.waitForTransactionReceipt({ hash: await sv.sv.write.rule([job, true], { account: deployer.account }) });
    expect((await sv.market.read.jobState([jobId])).status).toBe(JobStatus.Finalized);
    await until("the verifier claimed its reward", async () => (await sv.sv.read.owed([verifier.address, sv.usdc.address])) === 0n && (await sv.usdc.read.balanceOf([verifier.address])) >= R, {
      timeoutMs: 20_000,
    });
    await until("the seat is closed in the verifier's journal", () => verifier.node.verifier!.openSeats().length === 0, { timeoutMs: 10_000 });
    expect((await sv.market.read.provider([verifier.address])).staked).toBe(1_000n * DPI);

    // The evidence is swept once the check is closed and the retention has passed (not before).
    const seat = verifier.node.verifier!.journal.get(jobId)!;
    expect(seat.seat).toBe("closed");
    const file = path.join(verifier.dataDir, "content", cidFromHash(revealed));
    expect(existsSync(file)).toBe(true);
    await until("the evidence is deleted after the retention", () => !existsSync(file), { timeoutMs: 15_000, intervalMs: 50 });
    expect(Date.now()).toBeGreaterThanOrEqual(seat.endedAt! + RETENTION * 1000);
    expect(await verifierStore.get(revealed).catch(() => undefined)).toBeUndefined();
  });
});
