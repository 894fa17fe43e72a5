// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId} from "../../contracts/types/Ids.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice DESIGN.md invariant 10: the gas of every user-callable function is independent of the
///         number of providers, jobs and disputes. Each operation is measured once on a market with
///         1 registered provider and open job, and once with 1,000 of each; every storage slot is
///         made cold (`vm.cool`) before each measured call, so warm-versus-cold effects of the
///         set-up cannot hide or fake a difference. Gas is read with `vm.lastCallGas()` (the callee
///         only): the test's own memory grows with the set-up, which would otherwise leak into the
///         caller-side cost of encoding the call. The two measurements must be equal.
contract GasIndependenceTest is Fixture {
    string[10] internal names =
        ["stake", "createJob", "acceptJob", "submitResult", "finalizeJob", "expireJob", "openDispute", "resolveDispute", "claim", "withdrawStake"];

    uint256 internal constant T0 = 1_800_000_000;

    function _populate(uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            ProviderKey memory p = _provider(string.concat("filler", vm.toString(i)), 1_000 * TOKEN);
            (, Job memory job) = _create(p.account, PRICE);
            vm.prank(p.account);
            market.acceptJob(job);
        }
    }

    function _cool() internal {
        vm.cool(address(market));
        vm.cool(address(usdc));
        vm.cool(address(token));
        vm.cool(address(verifier));
        vm.cool(address(manager));
    }

    /// @dev Runs every measured operation on fresh jobs of a fresh provider; returns the gas of each.
    function _measure() internal returns (uint256[10] memory g) {
        vm.warp(T0);
        ProviderKey memory p = _provider("measured", 1_000 * TOKEN);
        token.transfer(p.account, 100 * TOKEN);

        _cool();
        vm.prank(p.account);
        market.stake(100 * TOKEN);
        g[0] = vm.lastCallGas().gasTotalUsed;

        JobRequest memory r = _request(p.account, PRICE);
        _cool();
        vm.prank(client);
        (JobId id, Job memory job) = market.createJob(r, "");
        g[1] = vm.lastCallGas().gasTotalUsed;

        _cool();
        vm.prank(p.account);
        market.acceptJob(job);
        g[2] = vm.lastCallGas().gasTotalUsed;

        bytes32 out = keccak256("out");
        bytes memory sig = _sign(p.signerKey, id, job, out, p.account);
        _cool();
        market.submitResult(job, out, sig);
        g[3] = vm.lastCallGas().gasTotalUsed;

        _cool();
        vm.prank(client);
        market.finalizeJob(job);
        g[4] = vm.lastCallGas().gasTotalUsed;

        (, Job memory late) = _create(p.account, PRICE);
        vm.prank(p.account);
        market.acceptJob(late);
        vm.warp(T0 + 2 hours);
        _cool();
        market.expireJob(late);
        g[5] = vm.lastCallGas().gasTotalUsed;

        (JobId did, Job memory disputed) = _create(p.account, PRICE);
        vm.prank(p.account);
        market.acceptJob(disputed);
        sig = _sign(p.signerKey, did, disputed, out, p.account);
        market.submitResult(disputed, out, sig);
        _cool();
        vm.prank(challenger);
        market.openDispute(disputed, "");
        g[6] = vm.lastCallGas().gasTotalUsed;

        _cool();
        vm.prank(arbitrator);
        verifier.rule(disputed, Outcome.Rejected, 0, "result stands");
        g[7] = vm.lastCallGas().gasTotalUsed;

        _cool();
        vm.prank(p.account);
        market.claim(address(usdc), p.account);
        g[8] = vm.lastCallGas().gasTotalUsed;

        vm.prank(p.account);
        market.requestUnstake(100 * TOKEN);
        vm.warp(T0 + 30 days);
        _cool();
        vm.prank(p.account);
        market.withdrawStake();
        g[9] = vm.lastCallGas().gasTotalUsed;
    }

    function test_gas_independentOfProvidersAndJobs() public {
        uint256 snapshot = vm.snapshotState();
        vm.warp(T0 - 1 days);
        _populate(1);
        uint256[10] memory one = _measure();

        vm.revertToState(snapshot);
        vm.warp(T0 - 1 days);
        _populate(1_000);
        uint256[10] memory thousand = _measure();

        for (uint256 i; i < names.length; ++i) {
            assertGe(one[i], 1, names[i]);
            assertEq(thousand[i], one[i], names[i]);
        }
    }
}
