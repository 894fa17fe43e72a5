import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { resolveAccount } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface ClaimVerifierRewardsParameters {
  sampledVerifier: Address;
  /** The token the rewards are in (the jobs' payment token). */
  token: Address;
  /** Where to send them (default: the signer). */
  to?: Address | undefined;
  account?: VerifierAccount;
}

export interface ClaimVerifierRewardsReturnType {
  hash: Hash;
  /** What was owed and sent. */
  amount: bigint;
}

/** `SamplingNothingOwed` (check `owed()` first), `SamplingZeroAddress` as `SamplingContractError`. */
export type ClaimVerifierRewardsErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Sends the caller's verifier rewards and keeper tips owed by the module in `token`.
 *
 * @example
 * const { amount } = await claimVerifierRewards(verifierWallet, { sampledVerifier, token: usdc });
 */
export async function claimVerifierRewards<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, token, to, account }: ClaimVerifierRewardsParameters,
): Promise<ClaimVerifierRewardsReturnType> {
  const signer = resolveAccount(client, account, "claimVerifierRewards");
  const { hash, result } = await writeSampling(client, { address: sampledVerifier, functionName: "claimRewards", args: [token, to ?? signer.address], account: signer, action: "claimVerifierRewards" });
  return { hash, amount: result as bigint };
}
