import type { Account, Chain, Client, Hash, Transport } from "viem";

import type { EnrolVerifierErrorType, EnrolVerifierParameters } from "./enrolVerifier.js";
import { writeSampling } from "./write.js";

export type UnenrolVerifierParameters = EnrolVerifierParameters;
/** `SamplingNotEnrolled` as `SamplingContractError`, and the write errors. */
export type UnenrolVerifierErrorType = EnrolVerifierErrorType;

/**
 * Removes the caller from `model`'s verifiers. Seats it already holds must still be served.
 *
 * @example
 * await unenrolVerifier(providerWallet, { sampledVerifier, model });
 */
export async function unenrolVerifier<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, model, account }: EnrolVerifierParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: sampledVerifier, functionName: "unenrol", args: [model], account, action: "unenrolVerifier" })).hash;
}
