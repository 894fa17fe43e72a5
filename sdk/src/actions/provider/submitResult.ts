import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { JobStatus, type Job } from "../../types.js";
import { contentHash } from "../../utils/content.js";
import type {
  AttestationInvalidSignatureError,
  AttestationWrongSignerError,
  JobDeadlinePassedError,
  JobUnknownError,
  JobWrongStatusError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAddress, assertJob } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";
import { signAttestation } from "./signAttestation.js";

export interface SubmitResultParameters {
  market: Address;
  jobId: Hex;
  job: Job;
  /** The output bytes (or text); its sha2-256 digest is attested. */
  output: Uint8Array | Hex | string;
  /** The provider's registered account (default: the client's account). */
  provider?: Address;
  /** The provider's signer key, if it is not the sending account. */
  signer?: Account;
  /** Who sends (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** Refused before any request: bad terms or addresses, no account; then `NoContractError`, then the market's typed reverts. */
export type SubmitResultErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | JobUnknownError
  | JobWrongStatusError
  | JobDeadlinePassedError
  | AttestationInvalidSignatureError
  | AttestationWrongSignerError
  | SimulateContractErrorType
  | WriteContractErrorType;

export interface SubmitResultReturnType {
  hash: Hash;
  outputHash: Hex;
  signature: Hex;
}

/**
 * Signs the EIP-712 attestation of the output with the provider's signer key and posts it. A
 * direct job still waiting for acceptance is accepted and submitted in one call.
 *
 * @example
 * const { hash, outputHash } = await submitResult(providerClient, { market, jobId, job, output: "4", signer });
 */
export async function submitResult<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: SubmitResultParameters,
): Promise<SubmitResultReturnType> {
  const { market, jobId, job, output } = parameters;
  assertJob(job);
  if (parameters.provider !== undefined) assertAddress("provider", parameters.provider);
  const sender = await prepareWrite(client, { market, account: parameters.account, action: "submitResult" });
  const provider = parameters.provider ?? sender.address;
  const outputHash = contentHash(output);
  const signature = await signAttestation(client, { market, jobId, job, outputHash, provider, signer: parameters.signer ?? sender });
  const state = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
  const oneCall = state.status === JobStatus.Created && job.provider !== "0x0000000000000000000000000000000000000000";
  const { hash } = await writeMarket(client, market, oneCall ? "acceptAndSubmit" : "submitResult", [job, outputHash, signature], { account: sender });
  return { hash, outputHash, signature };
}
