/**
 * Differential test: the SDK signs what the contract verifies. For random attestations, viem's
 * EIP-712 hash (with the SDK's types) must equal the market's `attestationDigest`.
 */
import fc from "fast-check";
import { network } from "hardhat";
import { bytesToHex, getAddress, hashTypedData, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { attestationTypes } from "../src/index.js";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b) as Hex);
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(bytesToHex(b)));

describe("EIP-712 attestation: SDK hash == contract digest", () => {
  let p: Protocol;
  let chainId: number;

  beforeAll(async () => {
    const connection = (await network.create()) as Connection;
    p = await deployProtocol(connection);
    chainId = await (await connection.viem.getPublicClient()).getChainId();
  });

  it("agrees for 100 random attestations", async () => {
    await fc.assert(
      fc.asyncProperty(bytes32, bytes32, bytes32, bytes32, address, async (jobId, model, inputHash, outputHash, provider) => {
        const sdk = hashTypedData({
          domain: { name: "Depinfer", version: "1", chainId, verifyingContract: p.market.address },
          types: attestationTypes,
          primaryType: "Attestation",
          message: { jobId, model, inputHash, outputHash, provider },
        });
        const onChain = await p.market.read.attestationDigest([jobId, model, inputHash, outputHash, provider]);
        expect(onChain).toBe(sdk);
      }),
      { numRuns: 100 },
    );
  });

  it("differs when any field differs (the digest binds every field)", async () => {
    const base = { jobId: `0x${"11".repeat(32)}`, model: `0x${"22".repeat(32)}`, inputHash: `0x${"33".repeat(32)}`, outputHash: `0x${"44".repeat(32)}` } as const;
    const provider = getAddress(`0x${"55".repeat(20)}`);
    const digest = (m: typeof base, prov: `0x${string}`) =>
      p.market.read.attestationDigest([m.jobId, m.model, m.inputHash, m.outputHash, prov]);
    const original = await digest(base, provider);
    for (const key of Object.keys(base) as (keyof typeof base)[]) {
      expect(await digest({ ...base, [key]: `0x${"99".repeat(32)}` }, provider)).not.toBe(original);
    }
    expect(await digest(base, getAddress(`0x${"66".repeat(20)}`))).not.toBe(original);
  });
});
