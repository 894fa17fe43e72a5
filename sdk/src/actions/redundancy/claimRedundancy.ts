import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { RedundancyNothingToClaimError, RedundancyZeroAddressError } from "../../errors/redundancy.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress, resolveAccount } from "../../utils/validate.js";
import { writeModule } from "../writeModule.js";
import { redundancyModule } from "./write.js";

export interface ClaimRedundancyParameters {
  module: Address;
  token: Address;
  /** Recipient (default: the caller). */
  to?: Address | undefined;
  account?: Account | Address | undefined;
}

export type ClaimRedundancyErrorType =
  | RedundancyNothingToClaimError
  | RedundancyZeroAddressError
  | TokenRevertedError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Claims the caller's whole balance of `token` in the redundancy module (a provider's earnings, a
 * client's refunds). Stake-token slash shares are paid in the market: use `claim` there.
 *
 * @example
 * const { amount } = await claimRedundancy(wallet, { module, token: usdc });
 */
export async function claimRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: ClaimRedundancyParameters,
): Promise<{ hash: Hash; amount: bigint }> {
  const { module, token, to } = parameters;
  assertAddress("module", module);
  assertAddress("token", token);
  if (to !== undefined) assertAddress("to", to);
  const signer = resolveAccount(client, parameters.account, "claimRedundancy");
  const { hash, result } = await writeModule(client, { ...redundancyModule, address: module, functionName: "claim", args: [token, to ?? signer.address], account: signer, action: "claimRedundancy", token });
  return { hash, amount: result as bigint };
}
