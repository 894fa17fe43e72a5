import type { Account, Address, Chain, Client, Hex, ReadContractErrorType, Transport } from "viem";
import { readContract } from "viem/actions";

import { redundancyModuleAbi } from "../../abis/redundancyModule.js";
import { RedundancyUnknownRequestError, redundancySeatStatusNames, redundancyStatusNames } from "../../errors/redundancy.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress, assertHasCode } from "../../utils/validate.js";

export interface GetRedundancyRequestParameters {
  module: Address;
  id: bigint;
}

export type RedundancyStatusName = (typeof redundancyStatusNames)[number];
export type RedundancySeatStatusName = (typeof redundancySeatStatusNames)[number];

export interface RedundancySeatState {
  provider: Address;
  status: RedundancySeatStatusName;
  /** The provider's signer key when it committed (zero before). */
  signer: Address;
  /** The commitment before the reveal, the revealed output hash after it (zero while only named). */
  value: Hex;
}

export interface GetRedundancyRequestReturnType {
  id: bigint;
  client: Address;
  status: RedundancyStatusName;
  /** 0 EXACT, 1 TOLERANT. */
  mode: number;
  model: Hex;
  inputHash: Hex;
  token: Address;
  price: bigint;
  collateral: bigint;
  feeBps: number;
  commitDeadline: bigint;
  revealDeadline: bigint;
  /** Last second to appeal (Contested) or to rule (Arbitration). */
  phaseDeadline: bigint;
  /** The majority's output hash once contested. */
  majority: Hex;
  committed: number;
  revealed: number;
  seats: RedundancySeatState[];
}

export type GetRedundancyRequestErrorType = RedundancyUnknownRequestError | InvalidAddressError | NoContractError | ReadContractErrorType;

/**
 * Reads a redundancy request and every seat: who, in what state, what it committed or revealed.
 * Throws `RedundancyUnknownRequestError` for an id that was never requested.
 *
 * @example
 * const r = await getRedundancyRequest(publicClient, { module, id });
 * if (r.status === "Settled") console.log(r.seats.map((s) => s.status));
 */
export async function getRedundancyRequest<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { module, id }: GetRedundancyRequestParameters,
): Promise<GetRedundancyRequestReturnType> {
  assertAddress("module", module);
  await assertHasCode(client, module, "module");
  const r = await readContract(client, { address: module, abi: redundancyModuleAbi, functionName: "requestOf", args: [id] });
  if (r.status === 0) throw new RedundancyUnknownRequestError({ args: { id } });
  const seats = await Promise.all(
    Array.from({ length: r.k }, (_, i) =>
      readContract(client, { address: module, abi: redundancyModuleAbi, functionName: "seatOf", args: [id, BigInt(i)] }),
    ),
  );
  return {
    id,
    client: r.client,
    status: redundancyStatusNames[r.status],
    mode: r.mode,
    model: r.model,
    inputHash: r.inputHash,
    token: r.token,
    price: r.price,
    collateral: r.collateral,
    feeBps: r.feeBps,
    commitDeadline: BigInt(r.commitDeadline),
    revealDeadline: BigInt(r.revealDeadline),
    phaseDeadline: BigInt(r.phaseDeadline),
    majority: r.majority,
    committed: r.committed,
    revealed: r.revealed,
    seats: seats.map((s) => ({ provider: s.provider, status: redundancySeatStatusNames[s.status], signer: s.signer, value: s.value })),
  };
}
