// What every act of the demo after the main one is given (scripts/demo-main.ts runs them in turn).
import type { Account, Hex } from "viem";

import type { Connection, Protocol } from "../lib/harness.js";

export interface DemoActParameters {
  connection: Connection;
  p: Protocol;
  model: Hex;
  /** The account paying for set-up. */
  deployer: { account: Account };
  /** The client's account. */
  client: { account: Account };
  log: (line: string) => void;
}
