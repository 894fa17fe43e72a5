// Node-only. `depinfer-provider setup`: brings the provider's on-chain standing in line with its
// config (registered with the node's signer, at least the stake asked for, an active offer per
// served model at the configured price), sending only what is missing, so it is safe to run again.
import { erc20Abi, formatUnits, type Account, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "depinfer";
import { registerProvider } from "depinfer";
import { setOffer } from "depinfer";
import { stake } from "depinfer";
import { waitForSuccess } from "depinfer";
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
  /** Print the plan only. */
  dryRun?: boolean | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface SetUpProviderStep {
  what: string;
  hash?: Hash;
}

/**
 * Registers, stakes and offers as the config says, skipping whatever is already so. Returns the
 * steps taken (or, with `dryRun`, planned). Every transaction is simulated first (a revert throws
 * its typed error) and waited for.
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
  const steps: SetUpProviderStep[] = [];
  const send = async (what: string, functionName: string, write: () => Promise<Hash>) => {
    log(`${dryRun ? "would " : ""}${what}`);
    if (dryRun) return void steps.push({ what });
    const hash = await write();
    await waitForSuccess(client, hash, functionName);
    steps.push({ what, hash });
  };

  const info = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [account] });
  if (!info.registered) {
    await send(`register ${account} with signer ${signer}`, "registerProvider", () => registerProvider(client, { market, signer, metadataURI: parameters.metadataURI ?? "" }));
  } else if (info.signer.toLowerCase() !== signer.toLowerCase()) {
    log(`note: ${account} is registered with signer ${info.signer}, not ${signer}: the node will refuse to start until the signer is rotated (updateProvider)`);
  }

  if (parameters.stake !== undefined && parameters.stake > BigInt(info.staked)) {
    const [stakeToken] = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" });
    const decimals = await readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "decimals" });
    const missing = parameters.stake - BigInt(info.staked);
    await send(`stake ${formatUnits(missing, decimals)} more (to ${formatUnits(parameters.stake, decimals)})`, "stake", async () => (await stake(client, { market, amount: missing, stakeToken })).hash);
  }

  for (const m of models) {
    const offer = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [account, m.model as Hex] });
    const price = BigInt(m.price);
    const current = offer.active && offer.token.toLowerCase() === m.token.toLowerCase() && BigInt(offer.price) === price;
    if (current) continue;
    await send(`offer model ${m.model} at ${price} of ${m.token}`, "setOffer", () => setOffer(client, { market, model: m.model, token: m.token, price, maxLatency, active: true }));
  }
  if (steps.length === 0) log("nothing to do: registered, staked and offering as configured");
  return steps;
}
