// The provider node as a verifier of sampled re-execution (provider/src/verifier.ts), on Hardhat's
// in-process chain with the module deployed by the production Ignition module and PrevrandaoRandomness
// (60 s epochs). A lying provider node answers without running the model; three honest nodes with
// `verifier.enabled` sample its result, reveal the randomness epochs the checks wait for, re-run the
// job, commit, reveal, escalate and resolve: the liar is slashed with no human dispute, each verifier
// is paid and claims, and no verifier ever sat on its own job. The test only plays the clock: it moves
// time past an epoch's end whenever a check waits for a seed, as time passes on a real chain.

import { network } from "hardhat";
import { custom, type Chain } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { registerBuiltinModel, until, USDC, type Connection } from "../../scripts/lib/harness.js";
import { createDepinferClient, getVerification, JobStatus } from "../../sdk/src/index.js";
import type { InferenceBackend } from "../../provider/src/index.js";
import { deploySampling, EPOCH, samplingNodes } from "../utils/sampling.js";

const PRICE = 2n * USDC;
const liarBackend: InferenceBackend = { name: "liar", infer: async () => new TextEncoder().encode("I did not run the model.") };

describe("provider node as verifier: a lie caught by sampling, with no human dispute", () => {
  let connection: Connection;
  let sv: Awaited<ReturnType<typeof deploySampling>>;
  let nodes: ReturnType<typeof samplingNodes>;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    // 100 % on this test chain only, so that the one lie is drawn.
    sv = await deploySampling(connection, { params: { samplingRateBps: 10_000, newProviderRateBps: 10_000 } });
    nodes = samplingNodes(connection, sv, PRICE);
  });
  afterAll(async () => {
    await nodes?.stop();
  });

  it("samples, re-runs, commits, reveals, escalates, slashes the liar and pays the verifiers", async () => {
    const { viem, networkHelpers } = connection;
    const publicClient = await viem.getPublicClient();
    const [deployer, clientW] = await viem.getWalletClients();
    const model = await registerBuiltinModel(connection, sv);
    const make = (name: string, verifier: boolean, backend?: InferenceBackend) => nodes.start(name, { model, verifier, backend });
    const liar = await make("liar", false, liarBackend);
    const verifiers = [await make("a", true), await make("b", true), await make("c", true)];
    await until("every verifier enrolled", async () => (await sv.sv.read.verifierCount([model])) === 3n, { timeoutMs: 20_000 });
    const stakeBefore = (await sv.market.read.provider([liar.address])).staked;

    await sv.usdc.write.mint([clientW.account.address, 100n * USDC]);
    const client = createDepinferClient({ chain: publicClient.chain as Chain, transport: custom(connection.provider, { retryCount: 0 }), account: clientW.account, deployment: { market: sv.market.address } });
    const { jobId, job } = await client.submitJobSync({ model, input: "The river (1)", price: PRICE, token: sv.usdc.address, provider: liar.address, timeout: 600, authorization: "approve" });

    // The clock: past an epoch's end whenever the draw or an assignment waits for a seed.
    const status = async () => (await sv.market.read.jobState([jobId])).status;
    await until(
      "the liar is slashed by sampling",
      async () => {
        if ((await status()) === JobStatus.Slashed) return true;
        const v = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job });
        if ((v.status === "None" && v.jobStatus === "Submitted") || v.status === "AwaitingSeed") {
          await networkHelpers.time.increase(EPOCH);
          await networkHelpers.mine();
        }
        return false;
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
    const v = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job });
    expect(v.outcome).toBe("upheld");
    expect(v.round).toBe(1);
    expect(v.votes.length).toBe(3);
    expect(v.votes.every((x) => x.status === "Revealed" && x.agrees === false)).toBe(true);
    const seated = v.votes.map((x) => x.verifier.toLowerCase());
    expect(seated).not.toContain(liar.address.toLowerCase());
    expect(new Set(seated)).toEqual(new Set(verifiers.map((x) => x.address.toLowerCase())));
    // Nobody disputed but the module itself.
    expect(await sv.market.read.disputeChallengers([jobId])).toEqual([]);
    expect(stakeBefore - (await sv.market.read.provider([liar.address])).staked).toBe(job.collateral);

    // Each verifier is paid R = verifierRewardBps of the price, and its node claims it.
    const R = (PRICE * BigInt((await sv.sv.read.params()).verifierRewardBps)) / 10_000n;
    await until(
      "every verifier claimed its reward",
      async () => (await Promise.all(verifiers.map(async (x) => (await sv.sv.read.owed([x.address, sv.usdc.address])) === 0n && (await sv.usdc.read.balanceOf([x.address])) >= R))).every(Boolean),
      { timeoutMs: 20_000 },
    );
    const sampler = verifiers.find((x) => x.node.verifier!.counts.sampled > 0);
    expect(sampler, "one verifier node sampled the result").toBeDefined();
    expect(verifiers.reduce((n, x) => n + x.node.verifier!.counts.revealed, 0)).toBe(3);
    await until("every seat is closed in the verifiers' journals", () => verifiers.every((x) => x.node.verifier!.openSeats().length === 0), { timeoutMs: 10_000 });

    // A verifier's own job: its node never samples it (no gas spent on it), and the module never seats it.
    const [a] = verifiers;
    const own = await client.submitJobSync({ model, input: "The old ship (2)", price: PRICE, token: sv.usdc.address, provider: a.address, timeout: 600, authorization: "approve" });
    await until(
      "the verifier's own job is checked by the others",
      async () => {
        const v = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job: own.job });
        if (v.status === "Closed") return true;
        if ((v.status === "None" && v.jobStatus === "Submitted") || v.status === "AwaitingSeed") {
          await networkHelpers.time.increase(EPOCH);
          await networkHelpers.mine();
        }
        return false;
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    const check = await getVerification(publicClient, { sampledVerifier: sv.sv.address, job: own.job });
    expect(check.outcome).toBe("stands");
    expect(check.votes.map((x) => x.verifier.toLowerCase())).not.toContain(a.address.toLowerCase());
    expect(a.node.verifier!.journal.get(own.jobId)?.sample).toBe("own");
    const [sampled] = await publicClient.getContractEvents({ address: sv.sv.address, abi: sv.sv.abi, eventName: "JobSampled", args: { jobId: own.jobId }, fromBlock: 0n });
    expect(sampled.args.keeper!.toLowerCase()).not.toBe(a.address.toLowerCase());
  }, 150_000);
});
