import { createRequire } from "node:module";

import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { configVariable, defineConfig, task } from "hardhat/config";
import { ArgumentType } from "hardhat/types/arguments";

const require = createRequire(import.meta.url);

/** solc-js (wasm) from the npm `solc` package: no compiler download is possible here. */
const SOLC_VERSION = "0.8.37";
const solcPath = require.resolve("solc/soljson.js");

/**
 * `hardhat test vitest`: Hardhat 3 has no vitest runner, so this subtask spawns vitest on the
 * same Node binary and reports its summary, which lets `hardhat test` run both suites and
 * fail if either fails.
 */
const vitestTask = task(["test", "vitest"], "Run the vitest suites (TypeScript integration tests)")
  .addVariadicArgument({ name: "testFiles", description: "Optional test files", defaultValue: [] })
  .addFlag({ name: "noCompile", description: "Don't compile before running" })
  .addOption({
    name: "testSummaryIndex",
    description: "Index for the combined summary",
    type: ArgumentType.INT,
    defaultValue: 0,
    hidden: true,
  })
  .setAction(() => import("./test/utils/vitest-task.js"))
  .build();

export default defineConfig({
  // typechain emits ethers-v6 bindings (types/ethers-contracts) for dApps that use ethers: the SDK's /ethers subpath.
  plugins: [
    hardhatViem,
    hardhatNetworkHelpers,
    hardhatIgnitionViem,
    hardhatEthers,
    hardhatTypechain,
    // A line before the first (minute-long) build, and no warnings from OpenZeppelin's own files.
    { id: "depinfer-build-output", hookHandlers: { solidity: () => import("./scripts/lib/buildHooks.js") } },
  ],
  tasks: [vitestTask],
  solidity: {
    // OpenZeppelin contracts deployed as they are (by Ignition and the SDK tests) need artifacts.
    npmFilesToBuild: [
      "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol",
      "@openzeppelin/contracts/access/manager/AccessManager.sol",
    ],
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: {
          evmVersion: "prague",
          optimizer: { enabled: true, runs: 200 },
          // Storage layouts let @openzeppelin/upgrades-core check upgrades for compatibility.
          outputSelection: { "*": { "*": ["storageLayout"] } },
        },
      },
      production: {
        version: SOLC_VERSION,
        path: solcPath,
        settings: {
          evmVersion: "prague",
          optimizer: { enabled: true, runs: 200 },
          // Storage layouts let @openzeppelin/upgrades-core check upgrades for compatibility.
          outputSelection: { "*": { "*": ["storageLayout"] } },
        },
      },
    },
  },
  // Generated at build time (not committed): the SDK's "/ethers" subpath re-exports them.
  typechain: { outDir: "sdk/src/ethers-contracts" },
  paths: {
    tests: {
      solidity: "test/contracts",
    },
  },
  test: {
    solidity: {
      profiles: {
        // CI depth: >= 256 fuzz runs, invariants >= 64 runs x depth 64.
        default: {
          fuzz: { runs: 256 },
          invariant: { runs: 64, depth: 64, failOnRevert: false },
        },
        // `npm run test:deep`: ten times the CI depth.
        deep: {
          fuzz: { runs: 2560 },
          invariant: { runs: 640, depth: 64, failOnRevert: false },
        },
      },
    },
  },
  networks: {
    // A separate node process for the SDK's HTTP suite (the test starts and stops anvil on this port).
    anvilTest: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18545",
    },
    // The governance suite's own node process (started and stopped by the test).
    anvilGov: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18546",
    },
    anvilDeploy: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18548",
    },
    // The deploy-defaults suite's node, started with a public chain id (11155111) so that the deploy
    // script treats it as non-local (test/integration/deploy-nonlocal.test.ts).
    anvilPublic: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18560",
    },
    anvilUpgrade: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18547",
    },
    // The provider node's crash-restart suite (the test starts and stops anvil on this port).
    anvilNode: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18549",
    },
    // The provider node's payment-session suite (the test starts and stops anvil on this port).
    anvilSessions: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18900",
    },
    // The verifier node's crash-restart suite (test/integration/verifierNode.crash.test.ts starts and stops anvil on this port).
    anvilVerifier: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18940",
    },
    // The redundancy role of the provider node (test/integration/redundancy.node.test.ts starts and stops anvil on this port).
    anvilRedundancy: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:20000",
    },
    // The provider node's output-release suite (mempool races; the test starts and stops anvil on this port).
    anvilOutputs: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18550",
    },
    // The governor rehearsal suite's node (test/integration/rehearsal.test.ts starts and stops anvil on this port).
    anvilRehearsal: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18600",
    },
    // A node with a public chain id (11155111), on which `npm run advance` must refuse (same suite).
    anvilRehearsalPublic: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18601",
    },
    // The provider set-up suite's node (examples/provider.example.json against a fresh deploy; the
    // test starts and stops anvil on this port).
    anvilSetup: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18640",
    },
    // The indexer's restart and reorg suite (test/integration/indexer.test.ts starts and stops anvil on this port).
    anvilIndexer: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:18960",
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // Testnets: RPC URL and deployer key come from configuration variables (environment or the
    // Hardhat keystore), never from committed files.
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    baseSepolia: {
      type: "http",
      chainType: "op",
      url: configVariable("BASE_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
    arbitrumSepolia: {
      type: "http",
      chainType: "generic",
      url: configVariable("ARBITRUM_SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
