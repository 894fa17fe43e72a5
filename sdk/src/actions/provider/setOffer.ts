import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  AmountZeroError,
  ModelNotRegisteredError,
  PaymentTokenNotAllowedError,
  ProviderNotRegisteredError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAddress, assertAmount } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface SetOfferParameters {
  market: Address;
  /** The registered model the offer is for. */
  model: Hex;
  /** The allow-listed ERC-20 the provider wants to be paid in. */
  token: Address;
  /** The lowest price it accepts an open job for, in `token` units: non-zero when active, at most 2^96 − 1 (a uint96). */
  price: bigint;
  /** The latency it promises, in seconds (a uint32). */
  maxLatency: number;
  /** `false` withdraws the offer (default `true`). */
  active?: boolean;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** The hash of the `setOffer` transaction. */
export type SetOfferReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type SetOfferErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | ProviderNotRegisteredError
  | ModelNotRegisteredError
  | PaymentTokenNotAllowedError
  | AmountZeroError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Sets (or, with `active: false`, withdraws) the client's offer for a model. Open jobs for the
 * model, in the offer's token and at no less than its price, may then be accepted by this provider.
 *
 * @example
 * const hash = await setOffer(providerClient, { market, model, token: usdc, price: 2_000_000n, maxLatency: 60 });
 */
export async function setOffer<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, model, token, price, maxLatency, active = true, account }: SetOfferParameters,
): Promise<SetOfferReturnType> {
  assertAddress("token", token, { allowZero: !active });
  assertAmount("price", price, { allowZero: true, bound: "uint96" }); // zero: the market's own AmountZero
  assertAmount("maxLatency", Number.isSafeInteger(maxLatency) ? BigInt(maxLatency) : maxLatency, { allowZero: true, bound: "uint32" });
  const signer = await prepareWrite(client, { market, account, action: "setOffer" });
  return (await writeMarket(client, market, "setOffer", [model, token, price, maxLatency, active], { account: signer })).hash;
}
