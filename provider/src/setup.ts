// Node-only. `depinfer-provider setup`: brings the provider's on-chain standing in line with its
// config (registered with the node's signer, at least the stake asked for, an active offer per
// served model at the configured price), sending only what is missing, so it is safe to run again.
//
// Before it sends anything it checks everything the run needs, and reports every gap at once: the
// stake-token balance, gas money, the market's minimum stake, and for each model whether it is
// registered and its payment token allowed. `dryRun` stops there.
import { erc20Abi, formatEther, formatUnits, type Account, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from "viem";
import { estimateFeesPerGas, getBalance, getGasPrice, readContract } from "viem/actions";

import { jobMarketAbi, registerProvider, setOffer, stake, waitForSuccess } from "depinfer";
import type { ServedModel } from "./config.js";

export interface SetUpProviderParameters {
  market: Address;
  /** The attestation signer's address (registered when the provider is new). */
  signer: Address;
  models: readonly ServedModel[];
  /** Stake to hold at least, in stake-token units: the difference is staked. */
  stake?: bigint | undefined;
  /** Registration metadata (e.g. the output server's public URL). */
  metadataURI?: string | undefined;
  /** The offers' maxLatency in seconds (default 60). */
  maxLatency?: number | undefined;
  /** Check and print the plan only. */
  dryRun?: boolean | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface SetUpProviderStep {
  what: string;
  hash?: Hash;
}

/**
 * Gas each step may use, with a margin (measured on a local deploy: registerProvider ~120k,
 * approve ~47k, stake ~80k, setOffer ~75k). Only for the gas-money check.
 */
const GAS = { register: 200_000n, approve: 80_000n, stake: 150_000n, offer: 120_000n } as const;

/** What setup would do and what stands in its way. */
export interface SetUpPlan {
  account: Address;
  /** The transactions it would send, in order. */
  steps: string[];
  /** Everything that would make the run (or the node after it) fail, one line each. */
  gaps: string[];
  /** Things worth knowing that do not stop it. */
  notes: string[];
  stakeToken: { address: Address; symbol: string; decimals: number };
}

/** Thrown by `setUpProvider` when the check finds gaps: nothing was sent. */
export class SetUpGapsError extends Error {
  override name = "SetUpGapsError";
  constructor(readonly gaps: readonly string[]) {
    super(`setup cannot run: ${gaps.length} problem${gaps.length === 1 ? "" : "s"} (nothing sent):\n${gaps.map((g) => `  ${g}`).join("\n")}`);
  }
}

/**
 * Reads everything setup needs and returns the plan and its gaps, without sending anything.
 *
 * @example
 * const { steps, gaps } = await planSetUp(walletClient, { market, signer: signer.address, models: config.models, stake: 1_000n * 10n ** 18n });
 */
export async function planSetUp<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  parameters: Omit<SetUpProviderParameters, "dryRun" | "log">,
): Promise<SetUpPlan> {
  const { market, signer, models } = parameters;
  const account = client.account.address;
  const steps: string[] = [];
  const gaps: string[] = [];
  const notes: string[] = [];
  let gas = 0n;

  const [stakeToken, , , minStake, paused] = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" });
  const [decimals, symbol, balance, allowance] = await Promise.all([
    readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "decimals" }),
    readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "symbol" }).catch(() => "stake tokens"),
    readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
    readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "allowance", args: [account, market] }),
  ]);
  const amount = (n: bigint) => `${formatUnits(n, decimals)} ${symbol}`;
  if (paused) gaps.push(`market: ${market} is paused by governance: setup can register and stake, but the node cannot take jobs until it is unpaused`);

  const info = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [account] });
  if (!info.registered) {
    steps.push(`register ${account} with signer ${signer}`);
    gas += GAS.register;
  } else if (info.signer.toLowerCase() !== signer.toLowerCase()) {
    gaps.push(`signer: ${account} is registered with signer ${info.signer}, not ${signer}: the node will refuse to start until the signer is rotated (updateProvider), or configure that signer`);
  }

  const staked = BigInt(info.staked);
  const target = parameters.stake !== undefined && parameters.stake > staked ? parameters.stake : staked;
  const missing = target - staked;
  if (missing > 0n) {
    if (allowance < missing) {
      steps.push(`approve ${amount(missing)} for the market (allowance now ${amount(allowance)})`);
      gas += GAS.approve;
    } else notes.push(`approval: the market may already take ${amount(allowance)} (enough)`);
    steps.push(`stake ${amount(missing)} more (to ${amount(target)})`);
    gas += GAS.stake;
    if (balance < missing) {
      gaps.push(`${symbol} balance: ${account} holds ${amount(balance)}, ${amount(missing - balance)} short of the ${amount(missing)} to stake (stake token ${stakeToken}; on a local chain see docs/provider-node.md, "Stake tokens on a local chain")`);
    }
  }
  if (target < BigInt(minStake)) {
    gaps.push(`stake: ${amount(target)} is below the market's minimum stake of ${amount(BigInt(minStake))}: pass --stake ${formatUnits(BigInt(minStake), decimals)} or more (the node cannot take jobs below it)`);
  }

  const maxLatency = parameters.maxLatency ?? 60;
  const allowed = new Map<string, boolean>();
  for (const [i, m] of models.entries()) {
    const registered = (await readContract(client, { address: market, abi: jobMarketAbi, functionName: "model", args: [m.model as Hex] })).registered;
    if (!registered) {
      gaps.push(`models[${i}].model: ${m.model} is not registered on market ${market}: register it with \`depinfer-provider register-model --weights-hash … --runtime-digest … --determinism … --metadata-uri …\` (or fix the id)`);
    }
    const key = m.token.toLowerCase();
    if (!allowed.has(key)) {
      allowed.set(key, (await readContract(client, { address: market, abi: jobMarketAbi, functionName: "paymentToken", args: [m.token] })).allowed);
      if (!allowed.get(key)) gaps.push(`models[${i}].token: ${m.token} is not a payment token this market allows (governance allow-lists them)`);
    }
    const offer = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [account, m.model as Hex] });
    const price = BigInt(m.price);
    const current = offer.active && offer.token.toLowerCase() === key && BigInt(offer.price) === price && offer.maxLatency === maxLatency;
    if (current) continue;
    steps.push(`offer model ${m.model} at ${price} of ${m.token} (maxLatency ${maxLatency} s)`);
    gas += GAS.offer;
  }

  if (gas > 0n) {
    let feePerGas: bigint;
    try {
      feePerGas = (await estimateFeesPerGas(client)).maxFeePerGas;
    } catch {
      feePerGas = await getGasPrice(client);
    }
    const need = gas * feePerGas;
    const eth = await getBalance(client, { address: account });
    if (eth < need) {
      gaps.push(`gas: ${account} holds ${formatEther(eth)} ETH, about ${formatEther(need - eth)} short of the ~${formatEther(need)} ETH its ${steps.length} transaction${steps.length === 1 ? "" : "s"} may cost at the current fee`);
    }
  }
  return { account, steps, gaps, notes, stakeToken: { address: stakeToken, symbol, decimals } };
}

/**
 * Registers, stakes and offers as the config says, skipping whatever is already so. It first checks
 * everything (see {@link planSetUp}) and sends nothing if anything is missing. Returns the steps
 * taken (or, with `dryRun`, planned). Every transaction is simulated first (a revert throws its
 * typed error) and waited for.
 *
 * @throws SetUpGapsError listing every gap, before anything is sent (also with `dryRun`).
 *
 * @example
 * const steps = await setUpProvider(walletClient, { market, signer: signer.address, models: config.models, stake: 1_000n * 10n ** 18n });
 */
export async function setUpProvider<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  parameters: SetUpProviderParameters,
): Promise<SetUpProviderStep[]> {
  const { market, signer, models, dryRun = false, log = () => {} } = parameters;
  const maxLatency = parameters.maxLatency ?? 60;
  const account = client.account.address;
  const plan = await planSetUp(client, parameters);
  if (dryRun) {
    for (const step of plan.steps) log(`would ${step}`);
    for (const note of plan.notes) log(`note: ${note}`);
  }
  if (plan.gaps.length > 0) throw new SetUpGapsError(plan.gaps);
  if (dryRun) {
    log(plan.steps.length === 0 ? "nothing to do: registered, staked and offering as configured" : `ready: ${plan.steps.length} transaction${plan.steps.length === 1 ? "" : "s"} to send, nothing missing`);
    return plan.steps.map((what) => ({ what }));
  }

  const steps: SetUpProviderStep[] = [];
  const send = async (what: string, functionName: string, write: () => Promise<Hash>) => {
    log(what);
    const hash = await write();
    await waitForSuccess(client, hash, functionName);
    steps.push({ what, hash });
  };

  const info = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [account] });
  if (!info.registered) {
    await send(`register ${account} with signer ${signer}`, "registerProvider", () => registerProvider(client, { market, signer, metadataURI: parameters.metadataURI ?? "" }));
  }

  if (parameters.stake !== undefined && parameters.stake > BigInt(info.staked)) {
    const { address: stakeToken, decimals, symbol } = plan.stakeToken;
    const missing = parameters.stake - BigInt(info.staked);
    await send(`stake ${formatUnits(missing, decimals)} more (to ${formatUnits(parameters.stake, decimals)})`, "stake", async () => {
      const { hash, approvalHash } = await stake(client, { market, amount: missing, stakeToken });
      if (approvalHash) steps.push({ what: `approve ${formatUnits(missing, decimals)} ${symbol} for the market`, hash: approvalHash });
      return hash;
    });
  }

  for (const m of models) {
    const offer = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [account, m.model as Hex] });
    const price = BigInt(m.price);
    const current = offer.active && offer.token.toLowerCase() === m.token.toLowerCase() && BigInt(offer.price) === price && offer.maxLatency === maxLatency;
    if (current) continue;
    await send(`offer model ${m.model} at ${price} of ${m.token}`, "setOffer", () => setOffer(client, { market, model: m.model, token: m.token, price, maxLatency, active: true }));
  }
  if (steps.length === 0) log("nothing to do: registered, staked and offering as configured");
  return steps;
}
