import {
  encodeFunctionData,
  hexToBigInt,
  maxUint256,
  parseAbi,
  size,
  slice,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Transport,
} from "viem";
import { call, readContract, writeContract } from "viem/actions";

import { TokenRevertedError, tokenRevertOf } from "../errors/token.js";
import { mapWalletError, waitForSuccess } from "./transactions.js";
import { assertHasCode } from "./validate.js";

export const erc20Abi = parseAbi([
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address owner) view returns (uint256)",
  "function nonces(address owner) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
]);

/**
 * `approve` without a declared return value: USDT and other pre-final ERC-20s return nothing, and
 * decoding a `bool` from nothing fails. What a token does return is checked by hand (see `approve`).
 */
const approveAbi = parseAbi(["function approve(address spender, uint256 amount)"]);

type AnyAccountClient = Client<Transport, Chain | undefined, Account | undefined>;

export interface EnsureAllowanceOptions {
  /** Who signs (default: the client's account). */
  account?: Account | undefined;
  /** Approve exactly `amount` instead of an unlimited amount (for tokens that carry votes). */
  exact?: boolean | undefined;
}

/**
 * Makes sure `spender` may take `amount` of `token` from the account: when the allowance is short
 * it approves an unlimited amount (or exactly `amount`) and waits for it to be mined. A token that
 * refuses to change a non-zero allowance to another non-zero one (USDT) is first set to 0, only
 * when it refuses. A token revert throws `TokenRevertedError`, decoded. Returns the approval
 * transactions sent (none, one, or the reset and the approval).
 *
 * @example
 * await ensureAllowance(client, usdt, market, 5_000_000n, { account }); // [] if already approved
 */
export async function ensureAllowance(
  client: AnyAccountClient,
  token: Address,
  spender: Address,
  amount: bigint,
  { account = client.account, exact = false }: EnsureAllowanceOptions = {},
): Promise<Hash[]> {
  if (!account) throw new TypeError("ensureAllowance needs an account");
  await assertHasCode(client, token, "token");
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: "allowance",
    args: [account.address, spender],
  });
  if (allowance >= amount) return [];
  const target = exact ? amount : maxUint256;
  const hashes: Hash[] = [];
  if (allowance !== 0n) {
    // USDT-style: approve(non-zero) from a non-zero allowance reverts (or returns false). Reset first, then.
    const refused = await checkApprove(client, token, spender, target, account).then(
      () => false,
      (error: unknown) => {
        if (error instanceof TokenRevertedError) return true;
        throw error;
      },
    );
    if (refused) hashes.push(await approve(client, token, spender, 0n, { account }));
  }
  hashes.push(await approve(client, token, spender, target, { account }));
  return hashes;
}

/** Approves `spender` for an unlimited amount of `token` (resetting a USDT-style allowance first); see {@link ensureAllowance}. */
export async function approveMax(client: AnyAccountClient, token: Address, spender: Address, options: { account?: Account | undefined } = {}) {
  return ensureAllowance(client, token, spender, maxUint256, options);
}

/** Calls `approve` without sending it: throws `TokenRevertedError` if the token reverts or returns false. */
async function checkApprove(client: AnyAccountClient, token: Address, spender: Address, amount: bigint, account: Account) {
  const data = encodeFunctionData({ abi: approveAbi, functionName: "approve", args: [spender, amount] });
  let returned: `0x${string}` | undefined;
  try {
    returned = (await call(client, { account, to: token, data })).data;
  } catch (error) {
    throw mapWalletError(tokenRevertOf(error, { token, functionName: "approve" }), "approve");
  }
  // A token that returns a bool must return true; one that returns nothing (USDT) succeeded by not reverting.
  if (returned !== undefined && size(returned) >= 32 && hexToBigInt(slice(returned, 0, 32)) === 0n)
    throw new TokenRevertedError({ token, functionName: "approve", returnedFalse: true });
}

/**
 * Approves `spender` for `amount` of `token` as it is (no reset), waits for the receipt and throws
 * `TransactionRevertedError` (with the hash) if it reverted, so nothing proceeds on a failed
 * approval. Works with tokens whose `approve` returns nothing; a revert or a `false` is refused
 * before sending, as `TokenRevertedError`.
 *
 * @example
 * const hash = await approve(client, usdc, market, 2_000_000n);
 */
export async function approve(
  client: AnyAccountClient,
  token: Address,
  spender: Address,
  amount: bigint,
  { account = client.account }: { account?: Account | undefined } = {},
): Promise<Hash> {
  if (!account) throw new TypeError("approve needs an account");
  await checkApprove(client, token, spender, amount, account);
  let hash: Hash;
  try {
    hash = await writeContract(client, { address: token, abi: approveAbi, functionName: "approve", args: [spender, amount], account, chain: client.chain });
  } catch (error) {
    throw mapWalletError(tokenRevertOf(error, { token, functionName: "approve" }), "approve");
  }
  await waitForSuccess(client, hash, "approve");
  return hash;
}
