// "depinfer/ethers": typechain's ethers-v6 bindings, for dApps that use ethers rather than viem.
// Generated at build time from the compiled contracts (hardhat-typechain).
export {
  IJobMarket__factory,
  ArbitratedVerifier__factory,
  DepinferToken__factory,
  DepinferGovernor__factory,
  DepinferTimelock__factory,
} from "./ethers-contracts/index.js";
export type { IJobMarket, ArbitratedVerifier, DepinferToken, DepinferGovernor, DepinferTimelock } from "./ethers-contracts/index.js";
