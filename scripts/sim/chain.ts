/**
 * The simulation's chain: the protocol deployed with the production Ignition module, plus a
 * SampledVerifier (docs/protocol.md 7.7) registered by the deployment's own calls
 * (`samplingRegistrationCalls`: EXACT and TOLERANT routed to it, `rule` and `rejectVote` to the
 * ARBITRATOR role, `expose` to the PLANTER role, the verification-fee module), on a Hardhat network
 * connection. `readInputs` reads every parameter the model uses from the deployed
 * contracts: the market's `params()`, `settings()` and `paymentToken(token)`, and the module's
 * `params()`. Nothing is copied from the docs.
 */
import { encodeAbiParameters, keccak256, parseEther, type Address, type Hex } from "viem";

import { deployProtocol, plainTokenModule, type Connection, type Protocol } from "../lib/harness.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS, SAMPLING_PLANTING } from "../deploy/samplingParams.js";
import { samplingRegistrationCalls } from "../deploy/SampledVerifier.js";
import { DEFAULT_ASSUMPTIONS, type JobTerms, type MarketParams, type SamplingParams } from "./model.js";

export { SAMPLED_VERIFIER_DEPLOY_PARAMS, SAMPLING_PLANTING };

/** The model's assumptions for the deployment above: the defaults, with the planting commitment. */
export const DEPLOYED_ASSUMPTIONS = { ...DEFAULT_ASSUMPTIONS, plantedRate: SAMPLING_PLANTING.plantedShareBps / 10_000 };

/** `deterrenceBps` as economics.md 6.6 decides it, used only while the deployed module has no such parameter. */
export const DETERRENCE_INPUT_BPS = 20_000;

/** The randomness epoch of the sim's test source (seconds). */
export const EPOCH = 600n;

export async function deploySimulation(connection: Connection, { fund = 1_000_000n * 1_000_000n } = {}) {
  const { viem } = connection;
  const [deployer] = await viem.getWalletClients();
  const p = await deployProtocol(connection, plainTokenModule);
  const rng = await viem.deployContract("MockRandomness", [EPOCH]);
  const ext = await viem.deployContract("SampledVerifierExtension", [p.market.address, rng.address]);
  const svCore = await viem.deployContract("SampledVerifier", [
    p.manager.address,
    p.market.address,
    rng.address,
    ext.address,
    SAMPLED_VERIFIER_DEPLOY_PARAMS,
  ]);
  const sv = await viem.getContractAt("ISampledVerifier", svCore.address);
  // Governance registers the module with the deployment's own calls (EXACT and TOLERANT routed to it, the
  // verification-fee module, the ARBITRATOR's `rule` and `rejectVote`, the PLANTER's `expose`): done here as
  // the Timelock (ADMIN).
  await asAccount(connection, p.timelock.address, async (account) => {
    const asTimelock = await viem.getWalletClient(account);
    const publicClient = await viem.getPublicClient();
    for (const call of samplingRegistrationCalls({ manager: p.manager.address, market: p.market.address, sampledVerifier: sv.address })) {
      const hash = await asTimelock.writeContract({ address: call.to, abi: call.abi, functionName: call.functionName, args: call.args, account } as never);
      await publicClient.waitForTransactionReceipt({ hash });
    }
  });
  await p.usdc.write.mint([deployer.account.address, fund]);
  await p.usdc.write.approve([sv.address, fund]);
  await sv.write.fund([p.usdc.address, fund]);
  return { ...p, sv, rng };
}

export type Simulation = Awaited<ReturnType<typeof deploySimulation>>;

/** Runs `fn` with `address` impersonated (and given gas money). */
export async function asAccount(connection: Connection, address: Address, fn: (account: Address) => Promise<void>) {
  const { networkHelpers } = connection;
  await networkHelpers.impersonateAccount(address);
  await networkHelpers.setBalance(address, parseEther("10"));
  try {
    await fn(address);
  } finally {
    await networkHelpers.stopImpersonatingAccount(address);
  }
}

/** Every parameter the model needs, read from the deployed contracts. */
export async function readInputs(p: Protocol & { sv: Simulation["sv"] }, price: bigint) {
  const [current, version] = await p.market.read.params();
  const [stakeToken, treasury, thawingPeriod, minStake, paused] = await p.market.read.settings();
  const token = await p.market.read.paymentToken([p.usdc.address]);
  const sp = await p.sv.read.params();
  const market: MarketParams = {
    challengeWindow: current.challengeWindow,
    disputeResolutionPeriod: current.disputeResolutionPeriod,
    collateralRatioBps: current.collateralRatioBps,
    protocolFeeBps: current.protocolFeeBps,
    challengerShareBps: current.challengerShareBps,
    livenessSlashBps: current.livenessSlashBps,
    bondRatioBps: current.bondRatioBps,
    disputeFeeBps: current.disputeFeeBps,
    verificationFeeBps: current.verificationFeeBps,
  };
  const sampling: SamplingParams = {
    samplingRateBps: sp.samplingRateBps,
    newProviderRateBps: sp.newProviderRateBps,
    newProviderChecks: sp.newProviderChecks,
    verifierRewardBps: sp.verifierRewardBps,
    keeperTipBps: sp.keeperTipBps,
    commitPeriod: sp.commitPeriod,
    revealPeriod: sp.revealPeriod,
    escalationVerifiers: sp.escalationVerifiers,
    verifierStake: sp.verifierStake,
    // δ: the module's own once it has one (the `bond` change); until then the decided default.
    deterrenceBps: "deterrenceBps" in sp ? Number((sp as { deterrenceBps: number }).deterrenceBps) : DETERRENCE_INPUT_BPS,
  };
  const terms: JobTerms = { price, stakeRate: token.stakeRate, bondFloor: token.bondFloor };
  return {
    market,
    sampling,
    terms,
    read: {
      marketParamsVersion: version,
      settings: { stakeToken, treasury, thawingPeriod, minStake, paused },
      paymentToken: { address: p.usdc.address, ...token },
      sampledVerifier: sp,
    },
  };
}

/** keccak256(abi.encode(seed, jobId)) mod 10,000: the module's draw. */
export function drawOf(seed: Hex, jobId: Hex): number {
  return Number(BigInt(keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }], [seed, jobId]))) % 10_000n);
}

/** A seed under which `jobId` is drawn (or not) at `rateBps`. */
export function seedDrawing(jobId: Hex, rateBps: number, sampled: boolean): Hex {
  for (let i = 1; ; i++) {
    const seed = keccak256(encodeAbiParameters([{ type: "string" }, { type: "uint256" }], ["draw", BigInt(i)]));
    if (drawOf(seed, jobId) < rateBps === sampled) return seed;
  }
}
