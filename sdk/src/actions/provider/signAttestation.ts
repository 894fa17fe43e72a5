import type { Account, Address, Chain, Client, Hex, SignTypedDataErrorType, Transport } from "viem";
import { getChainId, signTypedData } from "viem/actions";

import { attestationTypes, type Job } from "../../types.js";

export interface SignAttestationParameters {
  market: Address;
  jobId: Hex;
  job: Job;
  /** The sha2-256 digest of the output (see `contentHash`). */
  outputHash: Hex;
  /** The provider's registered account, which the attestation names. */
  provider: Address;
  /** The provider's signer key, if it is not the client's account. */
  signer?: Account;
  /** The chain id, when the caller knows it (saves one request per attestation). */
  chainId?: number;
}

export type SignAttestationErrorType = SignTypedDataErrorType;

/**
 * Signs the EIP-712 attestation of `outputHash` for a job, under the market's domain (name
 * "Depinfer", version "1", this chain, the market's address). `submitResult` posts it; a client
 * can also keep one it was given off-chain as evidence for `reportEquivocation`.
 *
 * @example
 * const signature = await signAttestation(providerClient, { market, jobId, job, outputHash, provider, signer });
 */
export async function signAttestation<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, jobId, job, outputHash, provider, signer, chainId }: SignAttestationParameters,
): Promise<Hex> {
  const account = signer ?? client.account;
  if (!account) throw new Error("signAttestation needs a signer: pass { signer } or use a client with an account.");
  return signTypedData(client, {
    account,
    domain: { name: "Depinfer", version: "1", chainId: chainId ?? (await getChainId(client)), verifyingContract: market },
    types: attestationTypes,
    primaryType: "Attestation",
    message: { jobId, model: job.model, inputHash: job.inputHash, outputHash, provider },
  });
}
