import { describe, expect, it } from "vitest";

import { runQuickstart } from "../../examples/run-quickstart.js";

describe("examples/quickstart.ts", () => {
  it("submits a job and gets the provider's verified answer on a local chain", async () => {
    expect(await runQuickstart()).toBe("HELLO DEPINFER");
  });
});
