import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  RawContractError,
  decodeErrorResult,
  parseAbi,
  type Address,
  type Hex,
} from "viem";

import { DepinferError } from "./base.js";

// A payment token is someone else's contract: the SDK cannot know every token's ABI, but it knows
// the errors ERC-20 tokens in the wild revert with. A revert from a token reaches the caller as a
// TokenRevertedError naming the token, the call, and the decoded error, never as a bare selector.

/**
 * Errors that ERC-20 tokens revert with: OpenZeppelin 5 (ERC-6093, ERC-2612), and the test tokens
 * that model USDT (approve from a non-zero allowance) and USDC (the issuer blocklist).
 */
export const tokenErrorsAbi = parseAbi([
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidApprover(address approver)",
  "error ERC20InvalidSpender(address spender)",
  "error ERC2612ExpiredSignature(uint256 deadline)",
  "error ERC2612InvalidSigner(address signer, address owner)",
  "error NoReturnTokenApproveFromNonZero(address owner, address spender, uint256 currentAllowance)",
  "error MockUSDCBlocked(address account)",
]);

/** One sentence per known token error: what happened and what to do. */
const tokenErrorHints: Record<string, (args: Record<string, unknown>) => string> = {
  ERC20InsufficientBalance: (a) => `the account ${a.sender} holds ${a.balance} but ${a.needed} is needed: fund it first.`,
  ERC20InsufficientAllowance: (a) =>
    `the allowance of ${a.spender} is ${a.allowance} but ${a.needed} is needed: approve more (the SDK approves when it sends the transfer itself).`,
  ERC20InvalidSender: (a) => `the token refuses ${a.sender} as a sender.`,
  ERC20InvalidReceiver: (a) => `the token refuses ${a.receiver} as a receiver.`,
  ERC20InvalidApprover: (a) => `the token refuses ${a.approver} as an approver.`,
  ERC20InvalidSpender: (a) => `the token refuses ${a.spender} as a spender.`,
  ERC2612ExpiredSignature: (a) => `the permit expired at ${a.deadline}: sign a new one.`,
  ERC2612InvalidSigner: (a) => `the permit was signed by ${a.signer}, not the owner ${a.owner}.`,
  NoReturnTokenApproveFromNonZero: (a) =>
    `the token refuses to change a non-zero allowance (${a.currentAllowance}) to another non-zero value, as USDT does: set it to 0 first.`,
  MockUSDCBlocked: (a) => `the token's issuer has blocklisted ${a.account}: use another account or token.`,
};

export type TokenRevertedErrorType = TokenRevertedError & { name: "TokenRevertedError" };

/**
 * A payment token (not the market) refused a call: an `approve` the SDK sent, or a transfer the
 * market made on the caller's behalf. `errorName` and `args` are the decoded custom error,
 * `reason` a revert string, `returnedFalse` a token that reported failure by returning `false`.
 */
export class TokenRevertedError extends DepinferError {
  /** The token, when known. */
  readonly token: Address | undefined;
  /** The call that reverted, e.g. `"approve"` or `"createJob"`. */
  readonly functionName: string;
  /** The token's custom error, e.g. `"NoReturnTokenApproveFromNonZero"`. */
  readonly errorName: string | undefined;
  /** The custom error's arguments, by ABI parameter name. */
  readonly args: Record<string, unknown> | undefined;
  /** The revert string of a `require(cond, "...")` token. */
  readonly reason: string | undefined;
  /** True when the token returned `false` instead of reverting. */
  readonly returnedFalse: boolean;
  /** The raw revert data, when it matched no known error (`"0x"` for a revert without a reason). */
  readonly data: Hex | undefined;

  constructor({
    token,
    functionName,
    errorName,
    args,
    reason,
    returnedFalse = false,
    data,
    cause,
  }: {
    data?: Hex | undefined;
    token?: Address | undefined;
    functionName: string;
    errorName?: string | undefined;
    args?: Record<string, unknown> | undefined;
    reason?: string | undefined;
    returnedFalse?: boolean | undefined;
    cause?: BaseError | Error | undefined;
  }) {
    const what = returnedFalse
      ? `returned false from ${functionName} (it refused without reverting).`
      : errorName
        ? `reverted with ${errorName}: ${tokenErrorHints[errorName]?.(args ?? {}) ?? "see the token's documentation."}`
        : reason !== undefined
          ? `reverted with "${reason}".`
          : data === undefined || data === "0x"
            ? `reverted ${functionName} without a reason (as USDT does for a refused approve or transfer).`
            : `reverted ${functionName} with an error this SDK does not know (selector ${data.slice(0, 10)}): decode it with the token's ABI.`;
    const formatted = args ? Object.entries(args).map(([k, v]) => `${k}: ${String(v)}`).join(", ") : "";
    super(`The token${token ? ` ${token}` : ""} ${what}`, {
      cause,
      docsPath: "/docs/errors/token",
      docsSlug: "tokenreverted",
      metaMessages: [
        `call:  ${functionName}`,
        ...(token ? [`token: ${token}`] : []),
        ...(errorName ? [`Error: ${errorName}(${formatted})`] : []),
        ...(reason !== undefined ? [`reason: ${reason}`] : []),
      ],
      name: "TokenRevertedError",
    });
    this.token = token;
    this.functionName = functionName;
    this.errorName = errorName;
    this.args = args;
    this.reason = reason;
    this.returnedFalse = returnedFalse;
    this.data = data;
  }
}

const isHex = (value: unknown): value is Hex => typeof value === "string" && /^0x[0-9a-fA-F]{8,}$/.test(value);

/** The revert data anywhere in a viem error's chain. */
function revertData(error: BaseError): Hex | undefined {
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted && isHex(reverted.raw)) return reverted.raw;
  const withData = error.walk((e) => {
    const data = (e as { data?: unknown } | null)?.data;
    return isHex(data) || isHex((data as { data?: unknown } | null | undefined)?.data);
  }) as { data?: Hex | { data?: Hex } } | null;
  const data = withData?.data;
  return isHex(data) ? data : isHex(data?.data) ? data.data : undefined;
}

/** True when the error (or a cause) is an execution revert, as opposed to a network or wallet error. */
export function isRevertError(error: unknown): boolean {
  return (
    error instanceof BaseError &&
    error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ExecutionRevertedError || e instanceof RawContractError) !== null
  );
}

/**
 * Like {@link decodeTokenError}, but any revert becomes a `TokenRevertedError` (an unknown error
 * keeps its raw `data`): for calls made to the token itself, such as `approve`.
 */
export function tokenRevertOf(error: unknown, context: { token: Address; functionName: string }): unknown {
  const known = decodeTokenError(error, context);
  if (known) return known;
  if (!isRevertError(error)) return error;
  return new TokenRevertedError({ ...context, data: revertData(error as BaseError) ?? "0x", cause: error as BaseError });
}

/**
 * Turns the revert of a call that reached a token (an `approve`, or a market call whose transfer
 * the token refused) into a {@link TokenRevertedError}, if the revert is a known token error or a
 * revert string. Returns `undefined` for anything else (a protocol error, a network error).
 *
 * @example
 * try { await writeContract(client, { address: usdt, abi, functionName: "approve", args }) }
 * catch (e) { throw decodeTokenError(e, { token: usdt, functionName: "approve" }) ?? e }
 */
export function decodeTokenError(
  error: unknown,
  { token, functionName }: { token?: Address | undefined; functionName: string },
): TokenRevertedError | undefined {
  if (error instanceof TokenRevertedError) return error;
  if (!(error instanceof BaseError)) return undefined;
  const data = revertData(error);
  if (data) {
    try {
      const decoded = decodeErrorResult({ abi: tokenErrorsAbi, data }) as { errorName: string; args?: readonly unknown[] | undefined };
      const values = decoded.args ?? [];
      if (decoded.errorName === "Error") return new TokenRevertedError({ token, functionName, reason: String(values[0]), cause: error });
      // A panic may be the caller's own (the market's arithmetic), so it is not blamed on the token.
      if (decoded.errorName === "Panic") return undefined;
      const item = tokenErrorsAbi.find((i) => i.name === decoded.errorName)!;
      const args = Object.fromEntries(item.inputs.map((input, i) => [input.name ?? String(i), values[i]]));
      return new TokenRevertedError({ token, functionName, errorName: decoded.errorName, args, cause: error });
    } catch {
      // not a known token error
    }
  }
  // `require(cond, "reason")`: viem decodes Error(string) itself.
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted?.data?.errorName === "Error" && typeof reverted.reason === "string")
    return new TokenRevertedError({ token, functionName, reason: reverted.reason, cause: error });
  return undefined;
}
