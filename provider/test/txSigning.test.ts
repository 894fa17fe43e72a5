// The node's transaction signer (provider/src/txSigning.ts) gives the very bytes viem's
// account.signTransaction gives: a different signature would be a second transaction with the same
// nonce (a journaled hash that never mines), or one the chain refuses.
import { getAddress, parseTransaction, recoverTransactionAddress, toHex, type Account, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, toAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";

import { withNativeSigning } from "../src/sessions/crypto.js";
import { signTransactionFast } from "../src/txSigning.js";

const rand = (n: number) => toHex(crypto.getRandomValues(new Uint8Array(n)));
function randomTx() {
  return {
    type: "eip1559" as const,
    chainId: 1 + Math.floor(Math.random() * 1e6),
    nonce: Math.floor(Math.random() * 1e6),
    to: getAddress(rand(20)),
    data: rand(1 + Math.floor(Math.random() * 600)),
    value: BigInt(Math.floor(Math.random() * 1e9)),
    gas: 21_000n + BigInt(Math.floor(Math.random() * 1e6)),
    maxFeePerGas: 1_000_000_000n + BigInt(Math.floor(Math.random() * 1e10)),
    maxPriorityFeePerGas: BigInt(Math.floor(Math.random() * 1e9)),
  };
}

describe("transaction signer", () => {
  it("test_signTransactionFast_sameBytes: byte for byte viem's signTransaction, with and without libsecp256k1", async () => {
    for (let i = 0; i < 20; i++) {
      const key = generatePrivateKey();
      const viemAccount = privateKeyToAccount(key);
      const tx = { ...randomTx(), account: viemAccount, from: viemAccount.address };
      const expected = await viemAccount.signTransaction(tx as never);
      expect(await signTransactionFast(privateKeyToAccount(key), tx)).toBe(expected);
      expect(await signTransactionFast(withNativeSigning(privateKeyToAccount(key), key), tx)).toBe(expected);
      expect(await recoverTransactionAddress({ serializedTransaction: expected as never })).toBe(viemAccount.address);
      expect(parseTransaction(expected).nonce).toBe(tx.nonce);
    }
  });

  it("test_signTransactionFast_otherAccountsAndTypes: a legacy transaction, or an account that only signs transactions, go through signTransaction", async () => {
    const key = privateKeyToAccount(generatePrivateKey());
    let calls = 0;
    const remote: Account = toAccount({
      address: key.address,
      signMessage: (x) => key.signMessage(x),
      signTypedData: (x) => key.signTypedData(x as never),
      signTransaction: (x) => {
        calls++;
        return key.signTransaction(x);
      },
    });
    const tx = randomTx();
    expect(await signTransactionFast(remote, tx)).toBe(await key.signTransaction(tx));
    expect(calls).toBe(1);
    const { maxFeePerGas, maxPriorityFeePerGas: _tip, ...rest } = tx;
    const legacy = { ...rest, type: "legacy" as const, gasPrice: maxFeePerGas };
    expect(await signTransactionFast(key, legacy)).toBe(await key.signTransaction(legacy));
  });
});
