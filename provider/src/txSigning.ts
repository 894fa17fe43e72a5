// Node-only. Signs the node's transactions: an EIP-1559 transaction from a local key is serialized,
// hashed and its digest signed by `signDigest` (libsecp256k1 when the config's signer has it attached,
// see sessions/crypto.ts; else the key's own `sign`), then serialized with the signature: the very
// bytes `account.signTransaction` gives (RFC 6979 is deterministic; tested), without noble's
// signature on the hot path (one per batch). Any other account or transaction type: the account's
// own signTransaction.
import { keccak256, parseSignature, serializeTransaction, type Account, type Hex, type LocalAccount, type TransactionSerializableEIP1559 } from "viem";

import { signDigest } from "./sessions/crypto.js";

/** The signed bytes of `request` (a prepared transaction request) by `account`. */
export async function signTransactionFast(account: Account, request: object): Promise<Hex> {
  const tx = request as TransactionSerializableEIP1559 & { type?: string };
  if (account.type !== "local" || typeof account.sign !== "function" || tx.type !== "eip1559") {
    return (account as LocalAccount).signTransaction(request as never);
  }
  const signature = await signDigest(account as LocalAccount, keccak256(serializeTransaction(tx), "bytes"));
  const { r, s, yParity } = parseSignature(signature);
  return serializeTransaction(tx, { r, s, yParity });
}
