import {
  encodeAbiParameters,
  keccak256,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type SimulateContractErrorType,
  type Transport,
  type WriteContractErrorType,
} from "viem";

import type { ModelAlreadyRegisteredError } from "../../errors/contract.js";
import { InvalidParameterError, type AccountNotFoundError, type InvalidAddressError, type NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { writeMarket } from "../../utils/write.js";

/** How reproducible a model's output is, as the market's `Determinism` enum: 0 EXACT, 1 TOLERANT, 2 NONE. */
export type ModelDeterminism = 0 | 1 | 2;

/** The names of the `Determinism` values, by value. */
export const MODEL_DETERMINISM = ["exact", "tolerant", "none"] as const;

export interface RegisterModelParameters {
  market: Address;
  /** A hash of the model's weights (bytes32), e.g. the sha256 of the weights file. */
  weightsHash: Hex;
  /** A hash of the runtime that runs it (bytes32), e.g. an OCI image digest's sha256. */
  runtimeDigest: Hex;
  /** 0 EXACT (output bytes reproducible), 1 TOLERANT, 2 NONE: it picks the dispute verifier. */
  determinism: ModelDeterminism;
  /** Where the model is described (card, license, how to run it). */
  metadataURI: string;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface RegisterModelReturnType {
  /** The `registerModel` transaction. */
  hash: Hash;
  /** The model id the market derives: {@link modelIdOf} of the commitment. */
  model: Hex;
}

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type RegisterModelErrorType =
  | InvalidParameterError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | ModelAlreadyRegisteredError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * The id the market gives a model: `keccak256(abi.encode(weightsHash, runtimeDigest, determinism))`.
 * Pure: no request is made.
 *
 * @example
 * const model = modelIdOf({ weightsHash, runtimeDigest, determinism: 0 });
 */
export function modelIdOf({ weightsHash, runtimeDigest, determinism }: Pick<RegisterModelParameters, "weightsHash" | "runtimeDigest" | "determinism">): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint8" }], [weightsHash, runtimeDigest, determinism]));
}

/**
 * Registers a model with the market: anyone may, and the id is derived from the commitment
 * (weights, runtime, determinism), so the same model always has the same id. Providers then offer
 * it ({@link setOffer}) and clients submit jobs for it. Registering a commitment again reverts with
 * `ModelAlreadyRegisteredError` (before anything is sent): read `model(id)` first to skip it.
 *
 * @example
 * const { hash, model } = await registerModel(walletClient, {
 *   market,
 *   weightsHash: "0x…", // sha256 of the weights
 *   runtimeDigest: "0x…", // sha256 of the runtime image
 *   determinism: 0, // EXACT
 *   metadataURI: "ipfs://bafy…/model.json",
 * });
 */
export async function registerModel<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, weightsHash, runtimeDigest, determinism, metadataURI, account }: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  for (const [name, value] of [["weightsHash", weightsHash], ["runtimeDigest", runtimeDigest]] as const)
    if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidParameterError({ name, value, expected: "a 32-byte hex hash (0x and 64 hex digits)" });
  if (determinism !== 0 && determinism !== 1 && determinism !== 2)
    throw new InvalidParameterError({ name: "determinism", value: determinism, expected: "0 (EXACT), 1 (TOLERANT) or 2 (NONE)" });
  const signer = await prepareWrite(client, { market, account, action: "registerModel" });
  const { hash, result } = await writeMarket(client, market, "registerModel", [weightsHash, runtimeDigest, determinism, metadataURI], { account: signer });
  return { hash, model: (result as Hex | undefined) ?? modelIdOf({ weightsHash, runtimeDigest, determinism }) };
}
