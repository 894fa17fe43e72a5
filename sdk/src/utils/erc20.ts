import { maxUint256, parseAbi, type Account, type Address, type Chain, type Client, type Transport } from "viem";
import { readContract } from "viem/actions";

import { waitForSuccess } from "./transactions.js";
import { simulateAndWrite } from "./write.js";

export const erc20Abi = parseAbi([
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
  "function nonces(address owner) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
]);

/** Approves `spender` for an unlimited amount of `token` if the allowance is below `amount`; waits for it. */
export async function ensureAllowance(
  client: Client<Transport, Chain | undefined, Account>,
  token: Address,
  spender: Address,
  amount: bigint,
) {
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: "allowance",
    args: [client.account.address, spender],
  });
  if (allowance < amount) await approveMax(client, token, spender);
}

/** Approves `spender` for an unlimited amount of `token`; waits, and throws if the approval reverted. */
export async function approveMax(client: Client<Transport, Chain | undefined, Account>, token: Address, spender: Address) {
  return approve(client, token, spender, maxUint256);
}

/**
 * Approves `spender` for `amount` of `token`, waits for the receipt and throws
 * `TransactionRevertedError` (with the hash) if it reverted, so nothing proceeds on a failed approval.
 */
export async function approve(client: Client<Transport, Chain | undefined, Account>, token: Address, spender: Address, amount: bigint) {
  const { hash } = await simulateAndWrite(client, token, erc20Abi, "approve", [spender, amount]);
  await waitForSuccess(client, hash, "approve");
  return hash;
}
