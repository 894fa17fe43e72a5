// Node-only. The provider node's attestation signer: the same EIP-712 signature as the SDK's
// `signAttestation`, with the parts that never change between jobs (the domain separator and the
// struct's type hash) computed once. viem's typed-data path validates the types, encodes the type
// string and hashes it, and hashes the domain again for every signature: four of its six keccaks
// and its type walk were the same work each job. With a local key (a private key, a keystore) the
// digest is hashed here and signed with the key (RFC 6979: the very bytes signTypedData gives), by
// libsecp256k1 when the config's signer has it attached (`withNativeSigning`, where the `secp256k1`
// package's binding loads), else by noble; any other account (one that only signs typed data) goes
// through `signAttestation`.
import { concat, domainSeparator, keccak256, toHex, type Account, type Address, type Chain, type Client, type Hex, type LocalAccount, type Transport } from "viem";

import { attestationTypes, signAttestation, type Job } from "depinfer";
import { signDigest } from "./sessions/crypto.js";

export interface AttestationSignerParameters {
  market: Address;
  chainId: number;
  /** The provider's signer key. */
  signer: Account;
}

export interface AttestationInput {
  jobId: Hex;
  job: Pick<Job, "model" | "inputHash">;
  outputHash: Hex;
  /** The provider's registered account, which the attestation names. */
  provider: Address;
}

const WORD = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** `Attestation(bytes32 jobId,…,address provider)`, from the SDK's types (one source for both paths). */
const ATTESTATION_TYPEHASH = keccak256(toHex(`Attestation(${attestationTypes.Attestation.map((f) => `${f.type} ${f.name}`).join(",")})`));

/**
 * Signs attestations for one market and chain: `sign({ jobId, job, outputHash, provider })` resolves
 * to the signature `signAttestation` would give for them, with the same signer.
 */
export function createAttestationSigner<chain extends Chain | undefined>(client: Client<Transport, chain, Account | undefined>, { market, chainId, signer }: AttestationSignerParameters) {
  const domain = { name: "Depinfer", version: "1", chainId, verifyingContract: market } as const;
  const prefix = concat(["0x1901", domainSeparator({ domain })]);
  const local = signer.type === "local" && typeof signer.sign === "function" ? (signer as LocalAccount) : undefined;
  return async ({ jobId, job, outputHash, provider }: AttestationInput): Promise<Hex> => {
    const words = [jobId, job.model, job.inputHash, outputHash];
    // Anything not a plain word or address (never the node's own values) takes viem's checked path.
    if (!local || !words.every((w) => WORD.test(w)) || !ADDRESS.test(provider)) {
      return signAttestation(client, { market, jobId, job: job as Job, outputHash, provider, signer, chainId });
    }
    // abi.encode of five static fields: each a 32-byte word, the address left-padded.
    const struct = keccak256(`${ATTESTATION_TYPEHASH}${words.map((w) => w.slice(2)).join("")}${"0".repeat(24)}${provider.slice(2)}` as Hex);
    return signDigest(local, keccak256(`${prefix}${struct.slice(2)}` as Hex, "bytes"));
  };
}
