import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { ProviderAlreadyRegisteredError, ZeroAddressError } from "../../errors/contract.js";
import { writeMarket } from "../../utils/write.js";

export interface RegisterProviderParameters {
  market: Address;
  /** The key that signs the provider's result attestations (may differ from the account that sends). */
  signer: Address;
  /** Where the provider describes itself (endpoint, hardware, terms). */
  metadataURI: string;
}

/** The hash of the `registerProvider` transaction. */
export type RegisterProviderReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type RegisterProviderErrorType =
  | ZeroAddressError
  | ProviderAlreadyRegisteredError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Registers the client's account as a provider, with the key that will sign its attestations.
 * A provider then sets offers ({@link setOffer}) and stakes ({@link stake}) before it can accept jobs.
 *
 * @example
 * const hash = await registerProvider(providerClient, {
 *   market, signer: signerAccount.address, metadataURI: "https://gpu-1.example/depinfer.json",
 * });
 */
export async function registerProvider<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, signer, metadataURI }: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  return (await writeMarket(client, market, "registerProvider", [signer, metadataURI])).hash;
}
