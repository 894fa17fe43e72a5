import { network } from "hardhat";
import { createWalletClient, custom, type Address, type Chain, type EIP1193RequestFn } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { setUpSessionProvider } from "../../scripts/lib/sessionsHarness.js";
import { AccountNotFoundError, lockSessionCollateral, NoContractError, postSamplingBond, settleRedundancy, UserRejectedError } from "../src/index.js";

// The module write actions share one path (sdk/src/actions/writeModule.ts): signer, code check, simulate,
// send, typed error. One action per module family, through the public SDK, checks each step.
describe("module write actions: the shared signer, code and wallet checks", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let deployer: Wallet, provider: Wallet;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider] = await connection.viem.getWalletClients();
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    p = await deployProtocol(connection);
    const model = await registerModel(p, deployer, "write-module-model");
    await setUpSessionProvider(p, deployer, provider, deployer.account.address, model);
  });

  const noCode = "0x000000000000000000000000000000000000dEaD" as Address;

  it("names each module's own parameter when its address holds no code, before anything is signed", async () => {
    const cases: [string, Promise<unknown>][] = [
      ["sampledVerifier", postSamplingBond(provider, { sampledVerifier: noCode, amount: DPI })],
      ["module", settleRedundancy(provider, { module: noCode, id: 1n })],
      ["sessions", lockSessionCollateral(provider, { sessions: noCode, amount: DPI })],
    ];
    for (const [field, call] of cases) {
      const error = await call.then(() => undefined, (e: unknown) => e);
      expect(error, field).toBeInstanceOf(NoContractError);
      expect((error as NoContractError).field).toBe(field);
    }
  });

  it("without an account, says which action needs one", async () => {
    const anonymous = createWalletClient({ chain, transport: custom(connection.provider) });
    const cases: [string, Promise<unknown>][] = [
      ["postSamplingBond", postSamplingBond(anonymous, { sampledVerifier: p.sessions.address, amount: DPI })],
      ["settleRedundancy", settleRedundancy(anonymous, { module: p.sessions.address, id: 1n })],
      ["lockSessionCollateral", lockSessionCollateral(anonymous, { sessions: p.sessions.address, amount: DPI })],
    ];
    for (const [action, call] of cases) {
      const error = await call.then(() => undefined, (e: unknown) => e);
      expect(error, action).toBeInstanceOf(AccountNotFoundError);
      expect((error as AccountNotFoundError).action).toBe(action);
    }
  });

  it("a request declined in the wallet is UserRejectedError naming the SDK action, and nothing is sent", async () => {
    const request = connection.provider.request.bind(connection.provider) as EIP1193RequestFn;
    const declining = createWalletClient({
      chain,
      account: provider.account,
      transport: custom({
        request: (async (args: { method: string }) => {
          if (args.method === "eth_sendTransaction") throw Object.assign(new Error("User rejected the request."), { code: 4001 });
          return request(args as never);
        }) as EIP1193RequestFn,
      }),
    });
    const publicClient = await connection.viem.getPublicClient();
    const nonce = await publicClient.getTransactionCount({ address: provider.account.address });
    const error = await lockSessionCollateral(declining, { sessions: p.sessions.address, amount: DPI }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserRejectedError);
    expect((error as UserRejectedError).action).toBe("lockSessionCollateral");
    expect(await publicClient.getTransactionCount({ address: provider.account.address })).toBe(nonce);
    expect((await p.sessions.read.collateralPool([provider.account.address])).locked).toBe(0n);
    // The same call from the wallet that signs goes through: the simulation above was not what refused.
    await lockSessionCollateral(provider, { sessions: p.sessions.address, amount: DPI });
    expect((await p.sessions.read.collateralPool([provider.account.address])).locked).toBe(DPI);
  });
});
