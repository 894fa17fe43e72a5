import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { DepinferContractError } from "../../errors/contract.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface PostSamplingBondParameters {
  sampledVerifier: Address;
  /** Stake to lock as the bond (added to a standing one), in stake-token units. */
  amount: bigint;
  account?: VerifierAccount;
}

/**
 * `SamplingBondAmountInvalid` (zero, or over 96 bits), `SamplingBondReleasing` (a release is pending) as
 * `SamplingContractError`; the market's `moduleLock` refusals (`ModuleAllowanceExceeded`: raise the
 * allowance with `setModuleAllowance`; jail, minimum stake, free stake, pause) as its typed errors.
 */
export type PostSamplingBondErrorType = SamplingContractError | DepinferContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Posts or tops up the provider's standing sampling bond (docs/protocol.md 7.7): locks `amount` of its
 * free stake with the module, within the allowance it gave the module. Jobs it submits from then on are
 * drawn at `max(base rate, ⌈deterrenceBps × P_S / (C + B)⌉)`, so a bond of 90 × a job's price brings that
 * job to the base rate; an upheld check of a covered job takes all of the bond to the treasury.
 *
 * @example
 * await setModuleAllowance(providerWallet, { module: sampledVerifier, allowance: parseEther("500") }); // once
 * const hash = await postSamplingBond(providerWallet, { sampledVerifier, amount: parseEther("180") });
 */
export async function postSamplingBond<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, amount, account }: PostSamplingBondParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: sampledVerifier, functionName: "postBond", args: [amount], account, action: "postSamplingBond" })).hash;
}
