import { compactSignatureToSignature, serializeSignature, type Hex } from "viem";

/**
 * The 65-byte attestation (`r ‖ s ‖ v`) that a `ResultSubmitted` event carries in EIP-2098 compact
 * form (`r`, `vs`, where `vs = s | (v − 27) << 255`): what `signAttestation` returned to the provider,
 * and what `reportEquivocation` and `recoverAddress` take. The market accepts only low-s signatures,
 * so the compact form loses nothing.
 *
 * @example
 * const [log] = await client.getContractEvents({ address: market, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId } });
 * const signature = resultSignature(log.args); // 0x… (65 bytes)
 */
export function resultSignature({ r, vs }: { r: Hex; vs: Hex }): Hex {
  return serializeSignature(compactSignatureToSignature({ r, yParityAndS: vs }));
}
