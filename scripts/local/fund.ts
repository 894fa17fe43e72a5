/**
 * `npx tsx scripts/local/fund.ts --network localhost --to 0x… [--dpi 1000] [--usdc 100] [--eth 10]`
 *
 * Local chains only (chain id 31337): gives an operator's account what a provider needs to start,
 * from the deployer (account #0 of `npx hardhat node` or anvil), which holds the whole DPI supply
 * after a local deploy: DPI (the stake token) by transfer, gas money, and test USDC (minted: the
 * local mock lets anyone mint). Addresses come from deployments/<network>/deployment.json. On a
 * testnet the DPI comes from whoever holds the supply there (docs/provider-node.md).
 */
import { network } from "hardhat";
import { erc20Abi, formatEther, formatUnits, getAddress, isAddress, parseAbi, parseEther, parseUnits, type Address } from "viem";

import { LOCAL_CHAIN_ID } from "../deploy/config.js";
import { isMain, loadDeployment, parseCli, runCli, type CliSpec } from "../lib/cli.js";

const mintAbi = parseAbi(["function mint(address to, uint256 amount)"]);

export const cli = {
  command: "npx tsx scripts/local/fund.ts",
  summary: `local chains only (chain id ${LOCAL_CHAIN_ID}): give a provider account DPI to stake, gas money and test USDC, from the deployer.`,
  usage: ["--to <address> [--dpi <amount>] [--eth <amount>] [--usdc <amount>] [--network <name>]"],
  options: {
    to: { type: "string", value: "<address>", help: "the provider account to fund" },
    dpi: { type: "string", value: "<amount>", help: "DPI to send, in whole tokens (default 1000)" },
    eth: { type: "string", value: "<amount>", help: "ETH to send for gas (default 10)" },
    usdc: { type: "string", value: "<amount>", help: "test USDC to mint (default 0)" },
  },
  sends: false,
  examples: ["npx tsx scripts/local/fund.ts --network localhost --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --dpi 1000"],
} as const satisfies CliSpec;

export async function fund(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const args = parseCli(cli, argv);
  if (!args.to || !isAddress(args.to, { strict: false })) throw new Error(`--to is ${JSON.stringify(args.to ?? null)}: expected the provider account's address.`);
  const to = getAddress(args.to) as Address;
  const record = loadDeployment(args.network);
  const connection = await network.connect({ network: args.network });
  try {
    const publicClient = await connection.viem.getPublicClient();
    const chainId = await publicClient.getChainId();
    if (chainId !== LOCAL_CHAIN_ID) throw new Error(`${args.network} is chain ${chainId}: this script only funds accounts on a local chain (${LOCAL_CHAIN_ID}).`);
    const [deployer] = await connection.viem.getWalletClients();
    const mined = async (hash: `0x${string}`) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    };
    const dpi = parseUnits(args.dpi ?? "1000", 18);
    if (dpi > 0n) {
      await mined(await deployer.writeContract({ address: record.contracts.token, abi: erc20Abi, functionName: "transfer", args: [to, dpi] }));
      log(`sent ${formatUnits(dpi, 18)} DPI to ${to}`);
    }
    const eth = parseEther(args.eth ?? "10");
    if (eth > 0n) {
      await mined(await deployer.sendTransaction({ to, value: eth }));
      log(`sent ${formatEther(eth)} ETH to ${to}`);
    }
    const [usdc] = record.contracts.paymentTokens;
    const usdcAmount = parseUnits(args.usdc ?? "0", 6);
    if (usdc && usdcAmount > 0n) {
      await mined(await deployer.writeContract({ address: usdc, abi: mintAbi, functionName: "mint", args: [to, usdcAmount] }));
      log(`minted ${formatUnits(usdcAmount, 6)} test USDC to ${to}`);
    }
  } finally {
    await connection.close();
  }
}

if (isMain(import.meta.filename)) runCli("fund", () => fund());
