/** Small DOM helpers: escaping, formatting, links. */
import { formatUnits, type Address, type Hex } from "viem";

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export const short = (hex: string) => (hex.length > 14 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex);

export const providerLink = (a: Address) => `<a href="#/provider/${a}" class="mono" title="${esc(a)}">${esc(short(a))}</a>`;
export const jobLink = (id: Hex) => `<a href="#/job/${id}" class="mono" title="${esc(id)}">${esc(short(id))}</a>`;

export interface TokenInfo {
  symbol: string;
  decimals: number;
}

export function amount(value: bigint, token: TokenInfo | undefined) {
  if (!token) return esc(value.toString());
  const text = formatUnits(value, token.decimals);
  return `${esc(Number(text) >= 1e6 ? Number(text).toExponential(3) : text)} ${esc(token.symbol)}`;
}

export const when = (t: number) => (t ? new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "-");
export const pct = (x: number | undefined) => (x === undefined ? "-" : `${Math.round(x * 100)}%`);
export const seconds = (x: number | undefined) => (x === undefined ? "-" : `${x} s`);

export function statusBadge(status: string) {
  return `<span class="status status-${esc(status.toLowerCase())}" data-status="${esc(status)}">${esc(status)}</span>`;
}

/** Shows `message` instead of a view, as an error the reader can act on. */
export function problem(title: string, message: string) {
  return `<section class="problem" role="alert"><h2>${esc(title)}</h2><p>${esc(message)}</p><p><a href="#/providers">Back to the providers</a></p></section>`;
}
