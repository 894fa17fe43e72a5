import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { NothingToClaimError, ZeroAddressError } from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAddress } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface ClaimParameters {
  market: Address;
  token: Address;
  /** Recipient (default: the caller). */
  to?: Address;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface ClaimReturnType {
  hash: Hash;
  /** What the claim pays out. */
  amount: bigint;
}

/** Refused before any request: bad addresses, no account; then `NoContractError`, the market's typed reverts, or the token's. */
export type ClaimErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | NothingToClaimError
  | ZeroAddressError
  | TokenRevertedError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Claims the caller's whole balance of `token` (earnings, refunds, rewards, bond returns).
 *
 * @example
 * const { amount } = await claim(walletClient, { market, token: usdc });
 */
export async function claim<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, token, to, account }: ClaimParameters,
): Promise<ClaimReturnType> {
  assertAddress("token", token);
  if (to !== undefined) assertAddress("to", to);
  const signer = await prepareWrite(client, { market, account, action: "claim" });
  const { hash, result } = await writeMarket(client, market, "claim", [token, to ?? signer.address], { account: signer, token });
  return { hash, amount: result as bigint };
}
