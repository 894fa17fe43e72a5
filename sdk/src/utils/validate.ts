import { getAddress, isAddress, zeroAddress, type Account, type Address, type Chain, type Client, type Hex, type Transport } from "viem";
import { parseAccount } from "viem/accounts";
import { getChainId, getCode, readContract } from "viem/actions";

import { jobMarketAbi } from "../abis/jobMarket.js";
import {
  AccountNotFoundError,
  WrongChainError,
  DeadlineExpiredError,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidAddressError,
  InvalidAmountError,
  NoContractError,
  PriceBelowOfferError,
} from "../errors/validation.js";
import { erc20Abi } from "./erc20.js";

// Checks an action runs before it simulates or sends anything. The pure ones (addresses, amounts,
// deadlines) catch mistakes in the caller's code with a message naming the parameter; the
// chain-aware ones read the chain to turn what would be an opaque revert (or a transaction sent to
// an empty address, which "succeeds") into an error that says what is missing and how much.

type AnyClient = Client<Transport, Chain | undefined>;

// ---------------------------------------------------------------------------------------------
// Pure
// ---------------------------------------------------------------------------------------------

/**
 * Asserts that `value` is an address. All-lower-case hex is accepted as is; any other case
 * must match its EIP-55 checksum (a mismatch is almost always a typo). The zero address is
 * refused unless `allowZero` (it burns tokens or means "none").
 *
 * @example
 * assertAddress("token", parameters.token); // throws InvalidAddressError naming "token"
 */
export function assertAddress(
  field: string,
  value: unknown,
  { allowZero = false }: { allowZero?: boolean } = {},
): asserts value is Address {
  if (typeof value !== "string" || !isAddress(value, { strict: false }))
    throw new InvalidAddressError({ field, value, reason: "not an address" });
  if (!isAddress(value, { strict: true })) throw new InvalidAddressError({ field, value, reason: "bad checksum" });
  if (!allowZero && value.toLowerCase() === zeroAddress) throw new InvalidAddressError({ field, value, reason: "zero address" });
}

/** The unsigned integer types the market stores amounts and times in. */
export type UintBound = "uint32" | "uint40" | "uint64" | "uint96" | "uint128" | "uint256";

/** The largest value of each {@link UintBound}. */
export const uintMax: Record<UintBound, bigint> = {
  uint32: 2n ** 32n - 1n,
  uint40: 2n ** 40n - 1n,
  uint64: 2n ** 64n - 1n,
  uint96: 2n ** 96n - 1n,
  uint128: 2n ** 128n - 1n,
  uint256: 2n ** 256n - 1n,
};

/**
 * Asserts that `value` is a token amount: a bigint (a `number` is refused, since it silently loses
 * precision above 2^53), not negative, not zero unless `allowZero`, and at most what the
 * contract's field holds (`bound`, default `uint256`): an amount the market could never store is
 * refused here, naming the bound, before any request is made.
 *
 * @example
 * assertAmount("price", parameters.price, { bound: "uint96" }); // 2_000_000n passes; 2, -1n, 0n and 2n ** 96n throw InvalidAmountError
 */
export function assertAmount(
  field: string,
  value: unknown,
  { allowZero = false, bound = "uint256" }: { allowZero?: boolean; bound?: UintBound } = {},
): asserts value is bigint {
  if (typeof value !== "bigint") throw new InvalidAmountError({ field, value, reason: "not a bigint" });
  if (value < 0n) throw new InvalidAmountError({ field, value, reason: "negative" });
  if (value === 0n && !allowZero) throw new InvalidAmountError({ field, value, reason: "zero" });
  if (value > uintMax[bound]) throw new InvalidAmountError({ field, value, reason: "above bound", bound, max: uintMax[bound] });
}

/**
 * Asserts that `job` has the shape of the market's `Job` struct: addresses, and each number within
 * its field's type (`price` and `collateral` uint96, `deadline` uint40, `paramsVersion` uint32,
 * `nonce` uint64). Terms that do not fit could name no job; they are refused before any request.
 *
 * @example
 * assertJob(parameters.job); // throws InvalidAddressError or InvalidAmountError naming e.g. "job.price"
 */
export function assertJob(job: unknown): void {
  const j = (typeof job === "object" && job !== null ? job : {}) as Record<string, unknown>;
  assertAddress("job.client", j.client);
  assertAddress("job.provider", j.provider, { allowZero: true });
  assertAddress("job.token", j.token);
  assertAmount("job.price", j.price, { bound: "uint96" });
  assertAmount("job.collateral", j.collateral, { allowZero: true, bound: "uint96" });
  assertAmount("job.deadline", typeof j.deadline === "number" ? BigInt(j.deadline) : j.deadline, { bound: "uint40" });
  assertAmount("job.paramsVersion", typeof j.paramsVersion === "number" ? BigInt(j.paramsVersion) : j.paramsVersion, {
    allowZero: true,
    bound: "uint32",
  });
  assertAmount("job.nonce", j.nonce, { allowZero: true, bound: "uint64" });
}

/**
 * The account a write signs with: the call's `account` (an `Account`, or an address for a JSON-RPC
 * account such as a browser wallet's), else the client's. Throws {@link AccountNotFoundError},
 * before any request, when there is neither.
 *
 * @example
 * const account = resolveAccount(client, parameters.account, "submitJob");
 */
export function resolveAccount(client: Client<Transport, Chain | undefined, Account | undefined>, account: Account | Address | undefined, action: string): Account {
  if (account !== undefined) {
    if (typeof account === "string") assertAddress("account", account);
    return parseAccount(account);
  }
  if (client.account) return client.account;
  throw new AccountNotFoundError({ action });
}

/**
 * Parses a decimal string (`"2.5"`) into the token's smallest unit (`2_500_000n` for 6 decimals).
 * Unlike viem's `parseUnits`, which rounds, it refuses a value with more significant decimals than
 * the token has (trailing zeros are fine: `"1.50000000"` is exact for USDC). Refuses signs,
 * exponents, separators and, unless `allowZero`, zero.
 *
 * @example
 * parseAmount("price", "2", 6)      // 2_000_000n
 * parseAmount("price", "0.0000001", 6) // throws InvalidAmountError, reason "too many decimals"
 */
export function parseAmount(field: string, value: string, decimals: number, { allowZero = false }: { allowZero?: boolean } = {}): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255)
    throw new RangeError(`decimals must be an integer from 0 to 255, got ${decimals}`);
  if (typeof value !== "string") throw new InvalidAmountError({ field, value, reason: "not a decimal number" });
  const text = value.trim();
  if (/^-\s*(\d+\.?\d*|\.\d+)$/.test(text)) throw new InvalidAmountError({ field, value, reason: "negative" });
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || !/\d/.test(text)) throw new InvalidAmountError({ field, value, reason: "not a decimal number" });
  const whole = match[1] ?? "";
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) throw new InvalidAmountError({ field, value, reason: "too many decimals", decimals });
  const amount = BigInt((whole || "0") + fraction.padEnd(decimals, "0"));
  if (amount === 0n && !allowZero) throw new InvalidAmountError({ field, value, reason: "zero" });
  return amount;
}

/**
 * Asserts that `deadline` (unix seconds) is after `now`. Pass the chain's time
 * (`(await getBlock(client)).timestamp`), not `Date.now()`: the contract compares with block time.
 *
 * @example
 * assertDeadline(request.deadline, (await getBlock(client)).timestamp);
 */
export function assertDeadline(deadline: bigint | number, now: bigint | number): void {
  const d = BigInt(deadline);
  const n = BigInt(now);
  if (d <= n) throw new DeadlineExpiredError({ deadline: d, now: n });
}

// ---------------------------------------------------------------------------------------------
// Chain-aware (reads only)
// ---------------------------------------------------------------------------------------------

/**
 * Asserts that the node is on the expected chain: `expectedChainId` if given, else the client's
 * configured `chain`. Also asserts that the client's `chain` (which signs into the transaction
 * as its chain id) agrees with the node. Returns the node's chain id.
 *
 * @example
 * await assertChain(walletClient, base.id); // throws WrongChainError if the wallet is on another chain
 */
export async function assertChain(client: AnyClient, expectedChainId?: number): Promise<number> {
  const actualChainId = await getChainId(client);
  const expected = expectedChainId ?? client.chain?.id;
  if (expected !== undefined && expected !== actualChainId) throw new WrongChainError({ expectedChainId: expected, actualChainId });
  if (client.chain && client.chain.id !== actualChainId)
    throw new WrongChainError({ expectedChainId: client.chain.id, actualChainId });
  return actualChainId;
}

/** An EIP-7702 delegation designator (`0xef0100 || address`): the code of an EOA, not of a contract. */
const isDelegation = (code: Hex) => code.length === 2 + 23 * 2 && code.toLowerCase().startsWith("0xef0100");

/**
 * Asserts that a contract is deployed at `address` (its code is not empty). A call to an address
 * without code succeeds and does nothing, so a wrong market or token address would otherwise
 * "work". An EOA with an EIP-7702 delegation is not counted as a contract.
 *
 * @example
 * await assertContract(client, market, "market");
 */
export async function assertContract(client: AnyClient, address: Address, field: string): Promise<void> {
  assertAddress(field, address);
  const code = await getCode(client, { address });
  if (!code || code === "0x" || isDelegation(code)) throw new NoContractError({ address, field });
}

/** Addresses already seen to hold code, by client and chain: code does not go away, so it is read once. */
const withCode = new Set<string>();

/**
 * {@link assertContract}, remembered: once an address is seen to hold code, later checks on the
 * same client and chain make no request. A missing contract is never remembered (it may be
 * deployed later), so every action on it throws `NoContractError`, reads included.
 *
 * @example
 * await assertHasCode(client, market, "market"); // NoContractError if the market address is wrong for this chain
 */
export async function assertHasCode(client: AnyClient, address: Address, field: string): Promise<void> {
  assertAddress(field, address);
  const key = `${client.uid}:${client.chain?.id ?? "?"}:${address.toLowerCase()}`;
  if (withCode.has(key)) return;
  await assertContract(client, address, field);
  withCode.add(key);
}

export interface AssertFundsParameters {
  /** The ERC-20. */
  token: Address;
  /** The account that pays. */
  account: Address;
  /** Who will `transferFrom` (the market); needed to check the allowance. */
  spender?: Address | undefined;
  /** How much the call takes. */
  amount: bigint;
  /**
   * Also check `allowance(account, spender) >= amount` (default: when `spender` is given). Pass
   * `false` when the action approves or signs a permit itself when the allowance is short.
   */
  checkAllowance?: boolean | undefined;
}

export interface AssertFundsReturnType {
  balance: bigint;
  /** Undefined when the allowance was not checked. */
  allowance: bigint | undefined;
}

/**
 * Asserts that `account` holds at least `amount` of `token` and, if `checkAllowance`, has
 * approved `spender` for at least that much. The error says exactly how much is missing. The
 * balance is checked first: with both short, approving alone would not help.
 *
 * @example
 * await assertFunds(client, { token: usdc, account: client.account.address, spender: market, amount: price });
 */
export async function assertFunds(client: AnyClient, parameters: AssertFundsParameters): Promise<AssertFundsReturnType> {
  const { token, account, spender, amount } = parameters;
  const checkAllowance = parameters.checkAllowance ?? spender !== undefined;
  if (checkAllowance && spender === undefined) throw new InvalidAddressError({ field: "spender", value: spender });
  const [balance, allowance] = await Promise.all([
    readContract(client, { address: token, abi: erc20Abi, functionName: "balanceOf", args: [account] }),
    checkAllowance
      ? readContract(client, { address: token, abi: erc20Abi, functionName: "allowance", args: [account, spender!] })
      : undefined,
  ]);
  if (balance < amount) throw new InsufficientBalanceError({ token, account, needed: amount, available: balance });
  if (allowance !== undefined && allowance < amount)
    throw new InsufficientAllowanceError({ token, account, spender: spender!, needed: amount, available: allowance });
  return { balance, allowance };
}

export interface AssertPriceMeetsOfferParameters {
  market: Address;
  /** The designated provider; an open job (no provider, or the zero address) is not checked. */
  provider?: Address | undefined;
  model: Hex;
  /** The job's price. */
  price: bigint;
}

/**
 * Asserts that `price` meets `provider`'s offer for `model` (`offer(provider, model)` on the
 * market). Only an active offer is binding: without one the provider may still accept at its
 * discretion, so nothing is thrown. Returns the offer read (undefined for an open job).
 *
 * @example
 * await assertPriceMeetsOffer(client, { market, provider, model, price: 1_000_000n });
 */
export async function assertPriceMeetsOffer(client: AnyClient, parameters: AssertPriceMeetsOfferParameters) {
  const { market, provider, model, price } = parameters;
  if (provider === undefined || provider.toLowerCase() === zeroAddress) return undefined;
  const offer = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [provider, model] });
  if (offer.active && price < offer.price)
    throw new PriceBelowOfferError({ provider: getAddress(provider), model, price, offerPrice: offer.price });
  return offer;
}
