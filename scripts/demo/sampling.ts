/**
 * The demo's last act: a lying provider caught BY SAMPLING, with no human dispute.
 *
 * On the demo's in-process chain, after the main act: the SampledVerifier is deployed (its Ignition
 * module, with `SAMPLED_VERIFIER_DEPLOY_PARAMS` of scripts/deploy/samplingParams.ts and PrevrandaoRandomness in
 * 60-second epochs) and registered for EXACT jobs by the Timelock's calls (the Timelock is
 * impersonated on this chain, as in the simulation, instead of a week of voting). Then, ON THIS DEMO
 * CHAIN ONLY, governance sets the sampling rate to 100 %: with the defaults (2 %, 10 % for new
 * providers) one lie would be drawn one time in ten, and the demo must show it every time.
 *
 * A new lying provider node gets one job. Three honest provider nodes run with `verifier.enabled`:
 * they enrol, one samples the result (keeper tip), they reveal the randomness epochs the checks wait
 * for, re-run the job, commit, reveal, escalate after the first mismatch and resolve. Nobody disputes.
 * The demo only moves the chain's clock past an epoch's end when a check waits for a seed.
 */

import { custom, formatUnits, parseEther, type Account, type Address, type Chain, type Hex } from "viem";

import { providerNodes, until, USDC } from "../lib/harness.js";
import type { DemoActParameters } from "./act.js";
import { buildSampledVerifierModule, samplingRegistrationCalls } from "../deploy/SampledVerifier.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS } from "../deploy/samplingParams.js";
import { createDepinferClient, getVerification, JobStatus, sampledVerifierAbi } from "../../sdk/src/index.js";
import type { InferenceBackend } from "../../provider/src/index.js";

const PRICE = 2n * USDC;
const EPOCH = 60;
const liarBackend: InferenceBackend = { name: "liar", infer: async () => new TextEncoder().encode("I did not run the model either.") };

export type SamplingDemoParameters = DemoActParameters;

/** Runs the act and returns its checks ([name, ok]), for the demo's list. */
export async function runSamplingDemo({ connection, p, model, deployer, client: clientW, log }: SamplingDemoParameters): Promise<[string, boolean][]> {
  const { viem, networkHelpers, ignition } = connection;
  const publicClient = await viem.getPublicClient();
  const chain = publicClient.chain as Chain;
  log("");
  log("Sampled re-execution: a lie caught by sampling, with no dispute by anyone.");
  const { sampledVerifier, randomness } = (await ignition.deploy(
    buildSampledVerifierModule({ manager: p.manager.address, market: p.market.address }, { params: SAMPLED_VERIFIER_DEPLOY_PARAMS, randomness: "prevrandao", epochLength: EPOCH }),
  )) as unknown as Record<string, { address: Address }>;
  const sv = sampledVerifier.address;
  // Governance's calls, sent as the Timelock (impersonated on this in-process chain).
  const timelock = p.timelock.address;
  await networkHelpers.impersonateAccount(timelock);
  await networkHelpers.setBalance(timelock, parseEther("10"));
  const asTimelock = await viem.getWalletClient(timelock);
  for (const call of samplingRegistrationCalls({ manager: p.manager.address, market: p.market.address, sampledVerifier: sv })) {
    await publicClient.waitForTransactionReceipt({ hash: await asTimelock.writeContract({ address: call.to, abi: call.abi, functionName: call.functionName, args: call.args, chain, account: timelock } as never) });
  }
  const demoParams = { ...SAMPLED_VERIFIER_DEPLOY_PARAMS, samplingRateBps: 10_000, newProviderRateBps: 10_000 };
  await publicClient.waitForTransactionReceipt({ hash: await asTimelock.writeContract({ address: sv, abi: sampledVerifierAbi, functionName: "setParams", args: [demoParams], chain, account: timelock }) });
  await networkHelpers.stopImpersonatingAccount(timelock);
  log(`  SampledVerifier ${sv} (PrevrandaoRandomness ${randomness.address}, ${EPOCH} s epochs), registered for EXACT jobs by the Timelock's calls (impersonated here).`);
  log("  DEMO CHAIN ONLY: the sampling rate is set to 100 % so that the one lie is drawn every run; the deployed default is 2 % (10 % for new providers).");
  const fund = 1_000n * USDC;
  await p.usdc.write.mint([deployer.account.address, fund]);
  await p.usdc.write.approve([sv, fund], { account: deployer.account });
  const svc = await viem.getContractAt("ISampledVerifier", sv);
  await publicClient.waitForTransactionReceipt({ hash: await svc.write.fund([p.usdc.address, fund], { account: deployer.account }) });

  const nodes = providerNodes(connection, p, { price: PRICE, verifierAddress: sv, dirPrefix: "depinfer-demo" });
  const make = async (name: string, verifier: boolean, backend?: InferenceBackend) => ({ name, ...(await nodes.start(name, { model, verifier, backend })) });
  const checks: [string, boolean][] = [];
  try {
    const liar = await make("sampled-liar", false, liarBackend);
    const verifiers = [await make("verifier-a", true), await make("verifier-b", true), await make("verifier-c", true)];
    await until("the verifier nodes enrolled", async () => (await svc.read.verifierCount([model])) === 3n, { timeoutMs: 20_000 });
    log(`  Started a lying node and 3 honest verifier nodes (${verifiers.map((v) => v.name).join(", ")}); each enrolled for the model on its own.`);
    const stakeBefore = (await p.market.read.provider([liar.address])).staked;
    const client = createDepinferClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: clientW.account, deployment: { market: p.market.address } });
    await p.usdc.write.mint([clientW.account.address, 10n * USDC]);
    const { jobId, job } = await client.submitJobSync({ model, input: "The lighthouse (21)", price: PRICE, token: p.usdc.address, provider: liar.address, timeout: 600, authorization: "approve" });
    log(`  The client submitted job ${jobId.slice(0, 10)}… to the lying node, and does not check the answer.`);

    let lastStatus = "";
    await until(
      "the lie was caught by sampling",
      async () => {
        if ((await p.market.read.jobState([jobId])).status === JobStatus.Slashed) return true;
        const v = await getVerification(publicClient, { sampledVerifier: sv, job });
        const line = `${v.status} round ${v.round}, ${v.votes.filter((x) => x.status === "Revealed").length}/${v.votes.length} revealed`;
        if (line !== lastStatus && v.status !== "None") log(`    check: ${(lastStatus = line)}`);
        // The clock: a draw or an assignment waits for an epoch to end.
        if ((v.status === "None" && v.jobStatus === "Submitted") || v.status === "AwaitingSeed") {
          await networkHelpers.time.increase(EPOCH);
          await networkHelpers.mine();
        }
        return false;
      },
      { timeoutMs: 120_000, intervalMs: 300 },
    );
    const v = await getVerification(publicClient, { sampledVerifier: sv, job });
    const name = (a: Address) => [liar, ...verifiers].find((x) => x.address.toLowerCase() === a.toLowerCase())?.name ?? a;
    const sampler = verifiers.find((x) => x.node.verifier!.counts.sampled > 0);
    log(`  Drawn by ${sampler?.name ?? "?"}'s node (it earned the keeper tip); verifiers: ${v.votes.map((x) => `${name(x.verifier)} (round ${x.round}, ${x.agrees ? "agrees" : "output differs"})`).join(", ")}.`);
    const slashed = stakeBefore - (await p.market.read.provider([liar.address])).staked;
    const challengers = await p.market.read.disputeChallengers([jobId]);
    log(`  Outcome: ${v.outcome}. The lying provider lost ${formatUnits(slashed, 18)} DPI, its job's whole collateral; human challengers: ${challengers.length}.`);
    const R = (PRICE * BigInt(SAMPLED_VERIFIER_DEPLOY_PARAMS.verifierRewardBps)) / 10_000n;
    await until("the verifier nodes claimed their rewards", async () => (await Promise.all(verifiers.map(async (x) => (await svc.read.owed([x.address, p.usdc.address])) === 0n))).every(Boolean), { timeoutMs: 20_000 });
    const paid = await Promise.all(verifiers.map(async (x) => (await p.usdc.read.balanceOf([x.address])) as bigint));
    log(`  Verifiers paid and claimed (USDC): ${verifiers.map((x, i) => `${x.name} ${formatUnits(paid[i], 6)}`).join(", ")} (${formatUnits(R, 6)} per check seat, plus the sampler's tip).`);
    checks.push(["a lie caught by sampling with no human dispute: the liar slashed its collateral", v.outcome === "upheld" && challengers.length === 0 && slashed === job.collateral]);
    checks.push(["every verifier node re-ran, revealed and claimed its reward", v.votes.length === 3 && v.votes.every((x) => x.status === "Revealed" && !x.agrees) && paid.every((x) => x >= R)]);
  } finally {
    await nodes.stop();
  }
  return checks;
}
