import type { Abi, Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import { prevrandaoRandomnessAbi } from "../../abis/prevrandaoRandomness.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface RevealRandomnessParameters {
  /** The `PrevrandaoRandomness` source (L1 only: on rollups the sequencer chooses prevrandao). */
  randomness: Address;
  epoch: bigint;
  account?: VerifierAccount;
}

/** `RandomnessEpochNotEnded`, `RandomnessSeedAlreadyRevealed` as `SamplingContractError`. */
export type RevealRandomnessErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Stores the seed of an ended epoch from this block's prevrandao. Anyone may call; the first call
 * counts. Checks wait for it: `sample` needs the seed of the job's submission epoch, `assign` the
 * seed of the epoch the draw was asked in. Reveal in the first blocks after the epoch ends.
 *
 * @example
 * await revealRandomness(wallet, { randomness, epoch: BigInt(Math.floor(now / 60)) - 1n });
 */
export async function revealRandomness<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { randomness, epoch, account }: RevealRandomnessParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: randomness, abi: prevrandaoRandomnessAbi as Abi, functionName: "reveal", args: [epoch], account, action: "revealRandomness" })).hash;
}
