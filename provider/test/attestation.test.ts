// The node's attestation signer (provider/src/attestation.ts) gives the very signature the SDK's
// signAttestation (viem's EIP-712 path) gives, for any job, key, market and chain: a different one
// would be rejected on-chain, or, worse, be a second attestation for the job.
import { createWalletClient, custom, getAddress, recoverTypedDataAddress, toHex, type Account, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, toAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";

import { attestationTypes, signAttestation } from "depinfer";
import { createAttestationSigner } from "../src/attestation.js";
import { nativeSecp256k1, withNativeSigning } from "../src/sessions/crypto.js";

const client = createWalletClient({ transport: custom({ request: async () => { throw new Error("no request expected"); } }) });
const word = () => toHex(crypto.getRandomValues(new Uint8Array(32)));
const address = () => getAddress(toHex(crypto.getRandomValues(new Uint8Array(20))));

function randomCase() {
  return { market: address(), chainId: 1 + Math.floor(Math.random() * 1e9), jobId: word(), job: { model: word(), inputHash: word() }, outputHash: word(), provider: address() };
}

describe("attestation signer", () => {
  it("test_attest_sameAsSignAttestation: byte for byte, over random keys, jobs, markets and chains", async () => {
    for (let i = 0; i < 20; i++) {
      const signer = privateKeyToAccount(generatePrivateKey());
      const c = randomCase();
      // Upper-case hex (as an RPC may give) hashes to the same bytes.
      const jobId = i % 2 ? (c.jobId.toUpperCase().replace("0X", "0x") as Hex) : c.jobId;
      const fast = await createAttestationSigner(client, { market: c.market, chainId: c.chainId, signer })({ jobId, job: c.job, outputHash: c.outputHash, provider: c.provider });
      const viemPath = await signAttestation(client, { market: c.market, chainId: c.chainId, signer, jobId: c.jobId, job: c.job as never, outputHash: c.outputHash, provider: c.provider });
      expect(fast).toBe(viemPath);
      const recovered = await recoverTypedDataAddress({
        domain: { name: "Depinfer", version: "1", chainId: c.chainId, verifyingContract: c.market },
        types: attestationTypes,
        primaryType: "Attestation",
        message: { jobId: c.jobId, model: c.job.model, inputHash: c.job.inputHash, outputHash: c.outputHash, provider: c.provider },
        signature: fast,
      });
      expect(recovered).toBe(signer.address);
    }
  });

  it("test_attest_changesWithEveryField: another market, chain or field is another signature", async () => {
    const signer = privateKeyToAccount(generatePrivateKey());
    const c = randomCase();
    const sign = (market: Address, chainId: number, x: Partial<typeof c>) =>
      createAttestationSigner(client, { market, chainId, signer })({ jobId: c.jobId, job: c.job, outputHash: c.outputHash, provider: c.provider, ...x });
    const base = await sign(c.market, c.chainId, {});
    const others = await Promise.all([
      sign(address(), c.chainId, {}),
      sign(c.market, c.chainId + 1, {}),
      sign(c.market, c.chainId, { jobId: word() }),
      sign(c.market, c.chainId, { job: { model: word(), inputHash: c.job.inputHash } }),
      sign(c.market, c.chainId, { job: { model: c.job.model, inputHash: word() } }),
      sign(c.market, c.chainId, { outputHash: word() }),
      sign(c.market, c.chainId, { provider: address() }),
    ]);
    expect(new Set([base, ...others]).size).toBe(8);
  });

  it("test_attest_typedDataOnlyAccount: an account that only signs typed data gets the same signature through it", async () => {
    const key = privateKeyToAccount(generatePrivateKey());
    let typedCalls = 0;
    const remote: Account = toAccount({
      address: key.address,
      signMessage: (x) => key.signMessage(x),
      signTransaction: (x) => key.signTransaction(x),
      signTypedData: (x) => {
        typedCalls++;
        return key.signTypedData(x as never);
      },
    });
    const c = randomCase();
    const input = { jobId: c.jobId, job: c.job, outputHash: c.outputHash, provider: c.provider };
    const viaTyped = await createAttestationSigner(client, { market: c.market, chainId: c.chainId, signer: remote })(input);
    expect(typedCalls).toBe(1);
    expect(viaTyped).toBe(await createAttestationSigner(client, { market: c.market, chainId: c.chainId, signer: key })(input));
  });

  it("test_attest_malformedField: a value that is not a 32-byte word goes through viem's checks and is refused", async () => {
    const signer = privateKeyToAccount(generatePrivateKey());
    const c = randomCase();
    const sign = createAttestationSigner(client, { market: c.market, chainId: c.chainId, signer });
    await expect(sign({ jobId: `${c.jobId}00` as Hex, job: c.job, outputHash: c.outputHash, provider: c.provider })).rejects.toThrow();
    await expect(sign({ jobId: c.jobId, job: c.job, outputHash: c.outputHash, provider: "0x1234" as Address })).rejects.toThrow();
  });
});

describe("attestation signer with libsecp256k1", () => {
  it.skipIf(!nativeSecp256k1)("test_attest_nativeSameAsViem: the config's signer (native signing attached) gives viem's signature", async () => {
    for (let i = 0; i < 5; i++) {
      const key = generatePrivateKey();
      const c = randomCase();
      const input = { jobId: c.jobId, job: c.job, outputHash: c.outputHash, provider: c.provider };
      const native = await createAttestationSigner(client, { market: c.market, chainId: c.chainId, signer: withNativeSigning(privateKeyToAccount(key), key) })(input);
      expect(native).toBe(await signAttestation(client, { market: c.market, chainId: c.chainId, signer: privateKeyToAccount(key), ...input, job: c.job as never }));
    }
  });
});
