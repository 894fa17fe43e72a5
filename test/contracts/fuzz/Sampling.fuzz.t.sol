// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice Property fuzz tests of the sampled re-execution verifier, over every way the drawn verifiers can
///         behave (silent, commit-only, agree, disagree, in any seat and round) and every seed:
///         - a sampled job settles exactly once, and the check always closes (well before the dispute deadline);
///         - a verifier loses at most its `verifierStake` per seat it held, and nothing of its stake stays locked;
///         - the module ends holding exactly what it was funded with (every bond comes back), and what it owes
///           is exactly the tip plus one reward per paid verifier;
///         - no verifier ever re-runs its own job, a job of a key it shares, its client's, or its own dispute.
contract SamplingFuzzTest is SamplingFixture {
    bytes32 internal constant WRONG = keccak256("wrong");

    /// @dev Behaviour of vote `i`: 0 silent, 1 commits but never reveals, 2 reveals OUT, 3 reveals WRONG.
    function _behaviour(uint256 pattern, uint256 i) internal pure returns (uint256) {
        return (pattern >> (2 * (i % 128))) & 3;
    }

    /// @dev Plays the check to its end; returns how many `resolve`/`assign` steps it took.
    function _drive(Job memory job, uint256 pattern, uint256 salt) internal returns (uint256 steps) {
        JobId id = _id(job);
        for (; steps < 30; ++steps) {
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            if (c.status == ISampledVerifierTypes.CheckStatus.Closed) return steps;
            if (c.status == ISampledVerifierTypes.CheckStatus.AwaitingSeed) {
                _assign(job, salt + steps);
                continue;
            }
            bool allCommitted = true;
            for (uint256 i = c.roundFirst; i < c.assigned; ++i) {
                ISampledVerifierTypes.Vote memory v = sv.voteOf(id, i);
                if (v.status == ISampledVerifierTypes.VoteStatus.Assigned) {
                    uint256 b = _behaviour(pattern, i);
                    if (b == 0) allCommitted = false;
                    else _commit(job, i, b == 3 ? WRONG : OUT);
                }
            }
            if (allCommitted) {
                for (uint256 i = c.roundFirst; i < c.assigned; ++i) {
                    uint256 b = _behaviour(pattern, i);
                    if (sv.voteOf(id, i).status == ISampledVerifierTypes.VoteStatus.Committed && b >= 2) {
                        _reveal(job, i, b == 3 ? WRONG : OUT);
                    }
                }
            }
            c = sv.checkOf(id);
            // Anyone may try to move it on early; it refuses while the round runs.
            (bool ok,) = address(sv).call(abi.encodeCall(sv.resolve, (job)));
            if (!ok) {
                vm.warp((allCommitted ? c.revealDeadline : c.commitDeadline) + 1);
                sv.resolve(job);
            }
        }
    }

    function testFuzz_sample_settlesOnceAndSlashesWithinLocks(uint256 pattern, uint256 salt, bool honest) public {
        salt = bound(salt, 0, 1e9);
        (JobId id, Job memory job) = _sampled(alice, honest ? OUT : WRONG);
        uint256 deadline = market.dispute(id).deadline;
        uint256 aliceStake = market.provider(alice.account).staked;

        _drive(job, pattern, salt);

        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.Closed), "check closed");
        assertLe(block.timestamp, deadline, "before the dispute deadline");
        JobStatus st = _status(id);
        assertTrue(st == JobStatus.Finalized || st == JobStatus.Slashed, "job settled");
        // Settled once: nothing can move it again.
        vm.expectRevert();
        sv.resolve(job);
        vm.expectRevert();
        market.finalizeJob(job);

        // The provider loses its collateral only when slashed, and only that.
        uint256 aliceLoss = aliceStake - market.provider(alice.account).staked;
        assertEq(aliceLoss, st == JobStatus.Slashed ? COLLATERAL : 0, "provider loss");
        // An honest provider is never slashed by fewer than two verifiers against it... and here the
        // only outputs are OUT and WRONG, so it is never slashed unless a majority of >= 2 said WRONG.
        uint256 paid;
        uint256 seats = c.assigned;
        for (uint256 k; k < vs.length; ++k) {
            address v = vs[k].account;
            uint256 held;
            for (uint256 i; i < seats; ++i) {
                if (sv.voteOf(id, i).verifier == v) ++held;
            }
            uint256 loss = STAKE - market.provider(v).staked;
            assertLe(loss, held * VSTAKE, "a verifier loses at most its stake per seat");
            assertEq(loss % VSTAKE, 0, "whole stakes only");
            assertEq(_moduleLocked(v), 0, "nothing left locked");
            uint256 o = sv.owed(v, address(usdc));
            assertTrue(o == 0 || o == REWARD, "one reward at most");
            if (o != 0) ++paid;
        }
        assertLe(paid, 1 + 2, "at most one paid per seat");
        (uint256 available, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(
            usdc.balanceOf(address(sv)) + market.claimable(address(sv), address(usdc)), FUND, "every bond came back"
        );
        assertEq(available, FUND - TIP - paid * REWARD, "spent: the tip and the rewards");
    }

    function testFuzz_assign_neverOwnSignerClientOrChallenger(uint256 salt, uint8 who) public {
        salt = bound(salt, 0, 1e9);
        // Alice, a sybil sharing her key, and her client enrol as verifiers too.
        vm.startPrank(alice.account);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        address sybil = makeAddr("sybil");
        token.transfer(sybil, STAKE);
        vm.startPrank(sybil);
        market.registerProvider(alice.signer, "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        token.transfer(client, STAKE);
        vm.startPrank(client);
        market.registerProvider(makeAddr("client key"), "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);

        // A dispute opened by one of the verifiers (it must never judge it), or a sampled one.
        JobId id;
        Job memory job;
        address opener;
        if (who % 5 < 4) {
            opener = vs[who % 5].account;
            (id, job) = _submitted(alice, OUT);
            _fundClient(opener, 1_000 * USDC);
            vm.prank(opener);
            market.openDispute(job, "");
            sv.attest(job, OUT, _sig(alice, id, job, OUT));
        } else {
            (id, job) = _sampled(alice, OUT);
        }
        _assign(job, salt);
        uint256 n = sv.checkOf(id).assigned;
        for (uint256 i; i < n; ++i) {
            address v = _assignedAt(id, i);
            assertTrue(v != alice.account && v != sybil && v != client && v != opener, "an excluded verifier");
        }
    }
}
