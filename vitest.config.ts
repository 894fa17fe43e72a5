import path from "node:path";

import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig({
  resolve: {
    // The workspace packages from source, as the `depinfer-source` export condition does for tsc
    // and tsx (the published packages resolve to their built `dist`).
    alias: [
      { find: /^depinfer$/, replacement: path.join(root, "sdk/src/index.ts") },
      { find: /^depinfer\/node$/, replacement: path.join(root, "sdk/src/node/index.ts") },
      { find: /^depinfer\/ethers$/, replacement: path.join(root, "sdk/src/ethers.ts") },
      { find: /^depinfer\/abis$/, replacement: path.join(root, "sdk/src/abis/index.ts") },
      { find: /^depinfer-provider$/, replacement: path.join(root, "provider/src/index.ts") },
    ],
  },
  test: {
    include: ["test/integration/**/*.test.ts", "sdk/test/**/*.test.ts", "provider/test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
