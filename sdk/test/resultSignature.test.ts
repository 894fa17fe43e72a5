/**
 * `ResultSubmitted` carries the attestation in EIP-2098 compact form (`r`, `vs`); `resultSignature`
 * rebuilds the 65-byte signature. Property: for random keys and digests (both recovery parities), the
 * contract's packing `vs = s | (v − 27) << 255` followed by `resultSignature` gives back the signature
 * exactly. On a real chain, sdk/test/waitForResult.test.ts checks that the signature rebuilt from the event
 * recovers to the provider's signer key.
 */
import fc from "fast-check";
import { bytesToHex, toHex, type Hex } from "viem";
import { sign } from "viem/accounts";
import { describe, expect, it } from "vitest";

import { resultSignature } from "../src/index.js";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b) as Hex);
const key = bytes32.filter((k) => BigInt(k) > 0n && BigInt(k) < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n);

/** What the market emits for a 65-byte signature (JobMarketBase._recoverCompact). */
function contractCompact(signature: Hex): { r: Hex; vs: Hex } {
  const r = `0x${signature.slice(2, 66)}` as Hex;
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = BigInt(`0x${signature.slice(130, 132)}`);
  return { r, vs: toHex(s | ((v - 27n) << 255n), { size: 32 }) };
}

describe("resultSignature", () => {
  it("test_resultSignature_roundTripsTheContractsPacking_bothParities", async () => {
    const parities = new Set<number>();
    await fc.assert(
      fc.asyncProperty(key, bytes32, async (privateKey, hash) => {
        const signature = await sign({ hash, privateKey, to: "hex" });
        parities.add(Number.parseInt(signature.slice(130, 132), 16));
        expect(resultSignature(contractCompact(signature))).toBe(signature);
      }),
      { numRuns: 64 },
    );
    expect([...parities].sort()).toEqual([27, 28]);
  });
});
