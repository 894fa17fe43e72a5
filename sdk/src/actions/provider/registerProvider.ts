import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { ProviderAlreadyRegisteredError, ZeroAddressError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAddress } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface RegisterProviderParameters {
  market: Address;
  /** The key that signs the provider's result attestations (may differ from the account that sends). */
  signer: Address;
  /** Where the provider describes itself (endpoint, hardware, terms). */
  metadataURI: string;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** The hash of the `registerProvider` transaction. */
export type RegisterProviderReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type RegisterProviderErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
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
  client: Client<Transport, chain, Account | undefined>,
  { market, signer, metadataURI, account }: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  assertAddress("signer", signer);
  const from = await prepareWrite(client, { market, account, action: "registerProvider" });
  return (await writeMarket(client, market, "registerProvider", [signer, metadataURI], { account: from })).hash;
}
