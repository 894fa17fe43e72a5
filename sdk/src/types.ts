import type { Address, Hex } from "viem";

/** The immutable terms of a job. Its id is `keccak256(abi.encode(job))`; keep it to act on the job. */
export interface Job {
  client: Address;
  provider: Address;
  token: Address;
  price: bigint;
  collateral: bigint;
  model: Hex;
  inputHash: Hex;
  deadline: number;
  paramsVersion: number;
  nonce: bigint;
}

/** Job statuses, as `IJobMarketTypes.JobStatus`. */
export const JobStatus = {
  None: 0,
  Created: 1,
  Accepted: 2,
  Submitted: 3,
  Disputed: 4,
  Finalized: 5,
  Expired: 6,
  Cancelled: 7,
  Slashed: 8,
} as const;
export type JobStatusName = keyof typeof JobStatus;

const JOB_STATUS_NAMES = Object.keys(JobStatus) as JobStatusName[];

/** The name of an on-chain status number (`jobState(id).status`), e.g. `jobStatusName(5) === "Finalized"`. */
export function jobStatusName(status: number): JobStatusName {
  const name = JOB_STATUS_NAMES[status];
  if (name === undefined) throw new RangeError(`Unknown job status ${status}: expected 0 to ${JOB_STATUS_NAMES.length - 1}.`);
  return name;
}

/** Addresses of a deployment. `market` is the job market (one address, no proxy). */
export interface DepinferAddresses {
  market: Address;
  verifier?: Address;
  token?: Address;
  /** The payment-session module (`PaymentSessions`). */
  sessions?: Address;
  /** The redundancy (k of n) module (`RedundancyModule`), from the deployment record's `redundancyModule`. */
  redundancyModule?: Address;
}

/** The EIP-712 types of a result attestation (contracts/libraries/AttestationLib.sol). */
export const attestationTypes = {
  Attestation: [
    { name: "jobId", type: "bytes32" },
    { name: "model", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
    { name: "provider", type: "address" },
  ],
} as const;
