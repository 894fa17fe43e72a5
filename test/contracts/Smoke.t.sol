// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId} from "../../contracts/types/Ids.sol";
import {Fixture} from "./utils/Fixture.sol";

contract SmokeTest is Fixture {
    function test_fullCycle_paysProviderAndTreasury() public {
        ProviderKey memory p = _provider("alice", 1_000 * TOKEN);
        (JobId id, Job memory job) = _submitted(p, keccak256("out"));
        vm.warp(block.timestamp + 4 hours + 1);
        market.finalizeJob(job);
        assertEq(uint256(_status(id)), uint256(JobStatus.Finalized), "finalized");
        assertEq(market.claimable(p.account, address(usdc)), PRICE - PRICE / 100, "payout");
        assertEq(market.feesOwed(p.account, address(usdc)), PRICE / 100, "fee owed");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "not yet collected");
        assertEq(market.provider(p.account).locked, 0, "unlocked");
    }
}
