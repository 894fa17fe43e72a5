/**
 * `verificationOverheadPct` (issue 11): what sampled re-execution costs per job at the default settings,
 * as a percent of the job's price. Two parts:
 *
 * - the verification fee, `verificationFeeBps` of the price, read from the deployed market (every job of
 *   a class routed to the fee module pays it; it pays the verifiers' rewards and the keepers' tips);
 * - the gas of the checks at the base rate: one fund-paid check measured end to end on a SampledVerifier
 *   deployed beside the protocol (sample, assign, commit, reveal, resolve: a pass with one verifier),
 *   times `samplingRateBps`, valued at a stated gas price and native-token price (no contract decides
 *   them; the same assumption as the simulation's gas, scripts/sim/model.ts).
 *
 * Parameters are read from the contracts (scripts/sim/chain.ts deploys the module with
 * SAMPLED_VERIFIER_DEPLOY_PARAMS and names it the fee module), never copied.
 */
import { encodeAbiParameters, keccak256, sha256, toHex, type Hex } from "viem";

import { DPI, HOUR, jobCreatedIn, registerModel, setUpProvider, signAttestation, USDC, type Connection, type Wallet } from "../lib/harness.js";
import { deploySimulation, EPOCH, readInputs, seedDrawing } from "../sim/chain.js";
import { DEFAULT_ASSUMPTIONS } from "../sim/model.js";

export interface VerificationOverhead {
  verificationOverheadPct: number;
  feePct: number;
  checkGasPct: number;
  /** Gas of one passed check, by step, and in all. */
  checkGas: Record<string, number>;
  samplingRateBps: number;
  verificationFeeBps: number;
  priceT: string;
  assumptions: { gasPriceGwei: number; nativeTokenPriceUsd: number; paymentToken: string };
}

/**
 * Deploys the simulation's protocol and module on `connection` and measures one fund-paid check.
 * `wallets`: deployer, provider, its signer, a client, a keeper and one verifier (six wallets).
 *
 * @example
 * const overhead = await measureVerificationOverhead(await network.create(), await viem.getWalletClients());
 */
export async function measureVerificationOverhead(connection: Connection, wallets: Wallet[]): Promise<VerificationOverhead> {
  const [deployer, provider, signer, client, keeper, verifier] = wallets;
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const price = 2n * USDC;
  const sim = await deploySimulation(connection);
  const inputs = await readInputs(sim, price);
  const model = await registerModel(sim, deployer, "overhead-exact");
  await setUpProvider(sim, deployer, provider, signer.account.address, model, price, 1_000n * DPI);
  await setUpProvider(sim, deployer, verifier, verifier.account.address, model, price, 1_000n * DPI);
  await sim.market.write.setModuleAllowance([sim.sv.address, inputs.sampling.verifierStake * 4n], { account: verifier.account });
  await sim.sv.write.enrol([model], { account: verifier.account });
  await sim.usdc.write.mint([client.account.address, 1_000n * USDC]);
  await sim.usdc.write.approve([sim.market.address, 2n ** 256n - 1n], { account: client.account });

  const gas = async (hash: Hex) => Number((await publicClient.waitForTransactionReceipt({ hash })).gasUsed);
  const now = async () => (await publicClient.getBlock()).timestamp;

  /** One check of a fresh job; returns the gas of each step. */
  async function check(n: number) {
    const request = {
      provider: provider.account.address,
      token: sim.usdc.address,
      price,
      model,
      inputHash: sha256(toHex(`overhead-${n}`)),
      deadline: Number((await now()) + HOUR),
      nonce: BigInt(n),
    };
    const { jobId, job } = await jobCreatedIn(connection, sim, await sim.market.write.createJob([request, "0x"], { account: client.account }));
    const out = sha256(toHex(`out-${jobId}`));
    const signature = await signAttestation(sim, signer, jobId, job, out, provider.account.address);
    await sim.market.write.acceptAndSubmit([job, out, signature], { account: provider.account });
    const epoch = BigInt((await sim.market.read.jobState([jobId])).timestamp) / EPOCH;
    await sim.rng.write.setSeed([epoch, seedDrawing(jobId, inputs.sampling.samplingRateBps, true)]);
    await networkHelpers.time.increaseTo((epoch + 1n) * EPOCH);
    const steps: Record<string, number> = {};
    steps.sample = await gas(await sim.sv.write.sample([job, out, signature], { account: keeper.account }));
    const seedEpoch = BigInt((await sim.sv.read.checkOf([jobId])).seedEpoch);
    await networkHelpers.time.increaseTo((seedEpoch + 1n) * EPOCH);
    await sim.rng.write.setSeed([seedEpoch, sha256(toHex(`assign-${n}`))]);
    steps.assign = await gas(await sim.sv.write.assign([job], { account: keeper.account }));
    const salt = sha256(toHex(`salt-${n}`));
    const commitment = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }],
        [jobId, 0n, verifier.account.address, out, salt],
      ),
    );
    steps.commit = await gas(await sim.sv.write.commit([job, commitment], { account: verifier.account }));
    steps.reveal = await gas(await sim.sv.write.reveal([job, out, salt], { account: verifier.account }));
    steps.resolve = await gas(await sim.sv.write.resolve([job], { account: keeper.account }));
    return steps;
  }

  await check(1); // warm-up: every balance the check touches exists afterwards
  const steps = await check(2);
  const total = Object.values(steps).reduce((s, x) => s + x, 0);
  const { gasPriceGwei, nativeTokenPriceT } = DEFAULT_ASSUMPTIONS;
  const checkCostT = total * gasPriceGwei * 1e-9 * nativeTokenPriceT; // T units per check
  const checkGasPct = (100 * (inputs.sampling.samplingRateBps / 10_000) * checkCostT) / Number(price);
  const feePct = inputs.market.verificationFeeBps / 100;
  return {
    verificationOverheadPct: +(feePct + checkGasPct).toFixed(4),
    feePct,
    checkGasPct: +checkGasPct.toFixed(4),
    checkGas: { ...steps, total },
    samplingRateBps: inputs.sampling.samplingRateBps,
    verificationFeeBps: inputs.market.verificationFeeBps,
    priceT: `${price} (2 USDC)`,
    assumptions: { gasPriceGwei, nativeTokenPriceUsd: nativeTokenPriceT / 1e6, paymentToken: "USDC (6 decimals)" },
  };
}
