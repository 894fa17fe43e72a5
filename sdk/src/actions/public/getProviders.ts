import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareRead } from "../../utils/action.js";
import { assertAddress, assertAmount } from "../../utils/validate.js";

export interface GetProvidersParameters {
  market: Address;
  /** Only providers with an active offer for this model; their offer's price, token and latency are returned. */
  model?: Hex | undefined;
  /** Only offers at or below this price (needs `model`), at most 2^96 − 1 as offer prices are. Compare like with like: also pass `token`. */
  maxPrice?: bigint | undefined;
  /** Only offers in this payment token (needs `model`). */
  token?: Address | undefined;
  /** Only providers with at least this much bonded stake (the protocol minimum always applies), at most 2^96 − 1 as stakes are. */
  minStake?: bigint | undefined;
  /** Where to start looking for `ProviderRegistered` events (default 0). */
  fromBlock?: bigint | undefined;
}

export interface ProviderListing {
  provider: Address;
  /** The key that signs its attestations. */
  signer: Address;
  /** The offer's price for `model`, in `token` units (undefined without `model`). */
  price: bigint | undefined;
  /** The offer's payment token (undefined without `model`). */
  token: Address | undefined;
  /** The offer's promised latency in seconds (undefined without `model`). */
  maxLatency: number | undefined;
  /** Bonded stake (free + locked, excluding thawing), in stake-token units. */
  staked: bigint;
  /** Stake not locked as collateral of open jobs: the collateral it can still take on. */
  free: bigint;
}

/** A listing for a `model`: its offer's price, token and latency are always there. */
export interface ProviderOffer extends ProviderListing {
  /** The offer's price for `model`, in `token` units. */
  price: bigint;
  /** The offer's payment token. */
  token: Address;
  /** The offer's promised latency in seconds. */
  maxLatency: number;
}

/** {@link ProviderOffer}s when `model` is given (its type is `Hex`, not `Hex | undefined`), else {@link ProviderListing}s. */
export type GetProvidersReturnType<parameters extends { model?: Hex | undefined } = GetProvidersParameters> = parameters extends {
  model: Hex;
}
  ? ProviderOffer[]
  : ProviderListing[];

/** A bad address or an amount above its bound before any request, a market address without code (`NoContractError`), else viem's errors. */
export type GetProvidersErrorType = InvalidAddressError | InvalidAmountError | NoContractError | ReadContractErrorType | Error;

/**
 * Lists the providers that can take jobs now: discovered from `ProviderRegistered` events, then
 * read with `provider()` (and `offer()` for `model`). A provider is listed if it is registered, not
 * jailed (at the latest block's time), has not paused its offers, has at least the protocol's
 * minimum stake and `minStake`, and, for `model`, has an active offer in `token` at or below
 * `maxPrice`. Sorted by price ascending (then by free stake, descending); without `model`, by free
 * stake descending.
 *
 * @example
 * const [cheapest] = await getProviders(publicClient, { market, model, token: usdc, maxPrice: 2_000_000n });
 * if (cheapest) await submitJob(walletClient, { market, model, input, price: cheapest.price, token: usdc, provider: cheapest.provider });
 */
export async function getProviders<const parameters extends GetProvidersParameters>(
  client: Client,
  parameters: parameters,
): Promise<GetProvidersReturnType<parameters>> {
  const { market, model, maxPrice, token, minStake = 0n, fromBlock = 0n } = parameters;
  if (model === undefined && (maxPrice !== undefined || token !== undefined))
    throw new Error("getProviders: maxPrice and token filter a model's offers; pass model as well.");
  if (token !== undefined) assertAddress("token", token, { allowZero: true });
  if (maxPrice !== undefined) assertAmount("maxPrice", maxPrice, { allowZero: true, bound: "uint96" });
  assertAmount("minStake", minStake, { allowZero: true, bound: "uint96" });
  await prepareRead(client, market);

  // Reads at one block, so that the events, the states and "now" agree.
  const block = await getBlock(client, { blockTag: "latest" });
  const at = { blockNumber: block.number };
  const [registered, settings] = await Promise.all([
    getContractEvents(client, {
      address: market,
      abi: jobMarketAbi,
      eventName: "ProviderRegistered",
      fromBlock,
      toBlock: block.number,
      strict: true,
    }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings", ...at }),
  ]);
  const protocolMinStake = settings[3];
  const providers = [...new Map(registered.map((log) => [log.args.provider.toLowerCase(), log.args.provider])).values()];

  const listings = await Promise.all(
    providers.map(async (provider): Promise<ProviderListing | undefined> => {
      const [info, offer] = await Promise.all([
        readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [provider], ...at }),
        model === undefined
          ? undefined
          : readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [provider, model], ...at }),
      ]);
      if (!info.registered || info.offersPaused) return undefined;
      if (BigInt(info.jailedUntil) > block.timestamp) return undefined;
      if (info.staked < protocolMinStake || info.staked < minStake) return undefined;
      if (offer) {
        if (!offer.active) return undefined;
        if (maxPrice !== undefined && offer.price > maxPrice) return undefined;
        if (token !== undefined && offer.token.toLowerCase() !== token.toLowerCase()) return undefined;
      }
      return {
        provider,
        signer: info.signer,
        price: offer?.price,
        token: offer?.token,
        maxLatency: offer?.maxLatency,
        staked: info.staked,
        free: info.staked - info.locked,
      };
    }),
  );

  return listings
    .filter((listing): listing is ProviderListing => listing !== undefined)
    .sort((a, b) => compare(a.price ?? 0n, b.price ?? 0n) || compare(b.free, a.free)) as GetProvidersReturnType<parameters>;
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
