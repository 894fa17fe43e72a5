// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Roles} from "../../../contracts/governance/Roles.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";
import {SamplingHandler} from "./SamplingHandler.sol";

/// @dev Declared here, in the test file, like JobMarketHandler: the runner finds a handler's artifact among
///      the test files' contracts.
contract SamplingInvariantHandler is SamplingHandler {
    constructor(Config memory c) SamplingHandler(c) {}
}

/// @notice Invariants of the sampled re-execution verifier under random interleavings (SamplingHandler):
///         1. the module is solvent: what it holds here and in the market covers the reserved rewards and
///            every tip and reward it owes;
///         2. what it has locked of each verifier is exactly `verifierStake` per seat still open;
///         3. a verifier's stake fell by exactly `verifierStake` per seat it was slashed in, never more;
///         4. the reserve equals the rewards of the checks still open;
///         5. a job settles once: the first terminal status seen never changes;
///         6. the module never pays out more than was funded or locked: a funder is never owed or paid more
///            USDC than it paid in; the provider's sampling bond is exactly the module's lock on it, and what
///            stands plus what was withdrawn never exceeds what was posted; the stake won for funders is held;
///         7. a verifier was paid (owed plus claimed) exactly one reward per vote still revealed in a closed
///            check: a slashed vote, a vote rejected as junk among them, is never paid;
///         8. a vote rejected as junk (`rejectVote`) stays slashed: slashed once (3), never released or paid;
///         9. a vote equal to an upheld provider's output (a TOLERANT copier, or EXACT's outvoted side) is never
///            paid: no closed check whose job was slashed keeps such a vote revealed;
///         and, at the end of every run, exit liveness: past every deadline every check closes, every
///         lock is released, every verifier can leave and claim, and nothing stays reserved; then 7 and 8 again
///         (checks closed unruled pay every revealed vote).
contract SamplingInvariantTest is SamplingFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    SamplingHandler internal handler;
    ModelId internal tolerant;

    function setUp() public override {
        super.setUp();
        address[] memory vAddrs = new address[](vs.length);
        for (uint256 i; i < vs.length; ++i) {
            vAddrs[i] = vs[i].account;
        }
        tolerant = _routeTolerant();
        address joiner = makeAddr("joiner");
        _fundClient(joiner, 1_000_000 * USDC);
        handler = new SamplingInvariantHandler(
            SamplingHandler.Config({
                market: market,
                sv: sv,
                rng: rng,
                usdc: usdc,
                model: modelId,
                tolerantModel: tolerant,
                client: client,
                provider: alice.account,
                providerKey: alice.signerKey,
                joiner: joiner,
                keeper: keeper,
                verifiers: vAddrs
            })
        );
        // The handler also plays the PLANTER (planted checks, `expose`).
        _grantPlanter(address(handler));
        // And the ARBITRATOR (TOLERANT checks: `rule`, `rejectVote`).
        bytes4[] memory arbiterSel = new bytes4[](2);
        arbiterSel[0] = sv.rule.selector;
        arbiterSel[1] = sv.rejectVote.selector;
        manager.setTargetFunctionRole(address(sv), arbiterSel, Roles.ARBITRATOR);
        manager.grantRole(Roles.ARBITRATOR, address(handler), 0);
        // Alice can take many jobs.
        token.transfer(alice.account, 100_000 * TOKEN);
        vm.prank(alice.account);
        market.stake(100_000 * TOKEN);
        // Alice may bond up to 1,000 tokens with the module; the handler funds checks.
        vm.prank(alice.account);
        market.setModuleAllowance(address(sv), uint96(1_000 * TOKEN));
        usdc.mint(address(handler), 1_000_000 * USDC);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](28);
        uint256 i;
        s[i++] = SamplingHandler.sampleNewJob.selector;
        s[i++] = SamplingHandler.sampleNewJob.selector;
        s[i++] = SamplingHandler.assign.selector;
        s[i++] = SamplingHandler.assign.selector;
        s[i++] = SamplingHandler.commit.selector;
        s[i++] = SamplingHandler.commit.selector;
        s[i++] = SamplingHandler.reveal.selector;
        s[i++] = SamplingHandler.reveal.selector;
        s[i++] = SamplingHandler.resolve.selector;
        s[i++] = SamplingHandler.resolve.selector;
        s[i++] = SamplingHandler.join.selector;
        s[i++] = SamplingHandler.expose.selector;
        s[i++] = SamplingHandler.cancelDispute.selector;
        s[i++] = SamplingHandler.toggleEnrolment.selector;
        s[i++] = SamplingHandler.setAllowance.selector;
        s[i++] = SamplingHandler.claimRewards.selector;
        s[i++] = SamplingHandler.warp.selector;
        s[i++] = SamplingHandler.fundNewJob.selector;
        s[i++] = SamplingHandler.fundNewJob.selector;
        s[i++] = SamplingHandler.postBond.selector;
        s[i++] = SamplingHandler.requestBondRelease.selector;
        s[i++] = SamplingHandler.withdrawBond.selector;
        s[i++] = SamplingHandler.claimFunder.selector;
        s[i++] = SamplingHandler.rule.selector;
        s[i++] = SamplingHandler.rule.selector;
        s[i++] = SamplingHandler.expose.selector;
        s[i++] = SamplingHandler.rejectVote.selector;
        s[i++] = SamplingHandler.rejectVote.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    /// @dev Per verifier: seats still holding stake, and seats slashed, over every sampled job.
    function _seats(address v) internal view returns (uint256 open, uint256 slashed) {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            JobId id = _id(handler.jobAt(j));
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            for (uint256 i; i < c.assigned; ++i) {
                ISampledVerifierTypes.Vote memory vote = sv.voteOf(id, i);
                if (vote.verifier != v) continue;
                if (vote.status == ISampledVerifierTypes.VoteStatus.Slashed) ++slashed;
                else if (c.status != ISampledVerifierTypes.CheckStatus.Closed) ++open;
            }
        }
    }

    function invariant_moduleSolvent() public view {
        uint256 owedSum = sv.owed(keeper, address(usdc)) + sv.owed(address(handler), address(usdc));
        for (uint256 k; k < vs.length; ++k) {
            owedSum += sv.owed(vs[k].account, address(usdc));
        }
        (, uint256 reserved) = sv.fundOf(address(usdc));
        uint256 have = usdc.balanceOf(address(sv)) + market.claimable(address(sv), address(usdc));
        assertGe(have, reserved + owedSum, "module insolvent");
    }

    function invariant_fundersAndBondsWithinWhatWasPaidIn() public view {
        // A funder is never owed or paid more USDC than it paid for its checks.
        assertLe(sv.owed(address(handler), address(usdc)) + handler.funderClaimed(), handler.funded(), "funder over-refunded");
        // The module's only lock on the provider is its bond; it never releases more than was posted.
        uint256 amount = sv.bondOf(alice.account).amount;
        assertEq(_moduleLocked(alice.account), amount, "module lock != bond");
        assertLe(amount + handler.bondWithdrawn(), handler.bondPosted(), "bond out of thin air");
        // The stake won for funders is held (here or claimable in the market).
        uint256 held = token.balanceOf(address(sv)) + market.claimable(address(sv), address(token))
            + market.claimable(sv.secondChallenger(), address(token));
        assertGe(held, sv.owed(address(handler), address(token)), "stake winnings not held");
    }

    function invariant_locksMatchOpenSeats() public view {
        for (uint256 k; k < vs.length; ++k) {
            (uint256 open,) = _seats(vs[k].account);
            assertEq(_moduleLocked(vs[k].account), open * VSTAKE, "module lock != open seats");
        }
    }

    function invariant_slashesWithinLocks() public view {
        for (uint256 k; k < vs.length; ++k) {
            (, uint256 slashed) = _seats(vs[k].account);
            assertEq(STAKE - market.provider(vs[k].account).staked, slashed * VSTAKE, "slashed != seats lost");
        }
    }

    function invariant_reserveMatchesOpenChecks() public view {
        uint256 n = handler.jobCount();
        uint256 open;
        for (uint256 j; j < n; ++j) {
            ISampledVerifierTypes.Check memory c = sv.checkOf(_id(handler.jobAt(j)));
            // A TOLERANT check awaiting the arbiter still holds its reserve (a rejected vote's reward too).
            if (c.status != ISampledVerifierTypes.CheckStatus.Closed) {
                open += uint256(c.reward) * (1 + uint256(c.escalationVerifiers));
            }
        }
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, open, "reserve != open checks");
    }

    /// @dev Every reward a verifier was paid, owed or claimed, is one per vote of it still revealed in a closed
    ///      check (closing pays every revealed vote it does not slash; nothing else pays a verifier).
    function invariant_paidExactlyTheRevealedVotesOfClosedChecks() public view {
        _assertPaidExactlyTheRevealedVotes();
    }

    /// @dev Also checked after `exitAll`, when every check is closed (some unruled: they pay every revealed vote).
    function _assertPaidExactlyTheRevealedVotes() internal view {
        uint256 n = handler.jobCount();
        for (uint256 k; k < vs.length; ++k) {
            address v = vs[k].account;
            uint256 earned;
            for (uint256 j; j < n; ++j) {
                JobId id = _id(handler.jobAt(j));
                ISampledVerifierTypes.Check memory c = sv.checkOf(id);
                if (c.status != ISampledVerifierTypes.CheckStatus.Closed) continue;
                for (uint256 i; i < c.assigned; ++i) {
                    ISampledVerifierTypes.Vote memory vote = sv.voteOf(id, i);
                    if (vote.verifier == v && vote.status == ISampledVerifierTypes.VoteStatus.Revealed) earned += c.reward;
                }
            }
            assertEq(sv.owed(v, address(usdc)) + handler.claimedBy(v), earned, "paid != revealed votes of closed checks");
        }
    }

    function invariant_rejectedVotesStaySlashed() public view {
        uint256 n = handler.rejectedCount();
        for (uint256 k; k < n; ++k) {
            (JobId id, uint256 index) = handler.rejectedAt(k);
            ISampledVerifierTypes.Vote memory vote = sv.voteOf(id, index);
            assertEq(uint256(vote.status), uint256(ISampledVerifierTypes.VoteStatus.Slashed), "rejected vote not slashed");
            assertTrue(sv.checkOf(id).tolerant, "rejected a vote of an EXACT check");
        }
    }

    function invariant_upheldOutputsVotesNeverPaid() public view {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            JobId id = _id(handler.jobAt(j));
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            if (c.status != ISampledVerifierTypes.CheckStatus.Closed || _status(id) != JobStatus.Slashed) continue;
            for (uint256 i; i < c.assigned; ++i) {
                ISampledVerifierTypes.Vote memory vote = sv.voteOf(id, i);
                assertFalse(
                    vote.status == ISampledVerifierTypes.VoteStatus.Revealed && vote.output == c.output,
                    "a vote equal to the upheld output kept (paid)"
                );
            }
        }
    }

    function invariant_settlesOnce() public view {
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            JobId id = _id(handler.jobAt(j));
            JobStatus seen = handler.terminalSeen(id);
            if (seen != JobStatus.None) assertEq(uint256(_status(id)), uint256(seen), "terminal status changed");
        }
    }

    /// @notice Exit liveness, at the end of every run.
    function afterInvariant() public {
        // DEPINFER_SAMPLING_STATS=1: fails once a run closed a check by `resolve`, to show runs reach it;
        // =2 (=3): once a run funded a check (posted a bond).
        uint256 stats = vm.envOr("DEPINFER_SAMPLING_STATS", uint256(0));
        if (stats == 1 && handler.rulings() != 0) {
            revert AssertEqUint(handler.reveals(), handler.rulings(), "reached (reveals, rulings)");
        }
        if ((stats == 2 && handler.fundedChecks() != 0) || (stats == 3 && handler.bondPosted() != 0)) {
            revert AssertEqUint(handler.fundedChecks(), handler.bondPosted(), "reached (funded checks, bond posted)");
        }
        // =4: once the arbiter ruled on a TOLERANT check; =5: once it rejected a vote; =6: once it upheld a
        // provider's output that a revealed vote copied (an exposed TOLERANT canary).
        if (stats == 4 && handler.arbitrations() != 0) {
            revert AssertEqUint(handler.arbitrations(), handler.awaitings(), "reached (arbitrations, awaitings)");
        }
        if (stats == 5 && handler.rejections() != 0) {
            revert AssertEqUint(handler.rejections(), handler.awaitings(), "reached (rejections, awaitings)");
        }
        if (stats == 6 && handler.copiersUpheld() != 0) {
            revert AssertEqUint(handler.copiersUpheld(), handler.exposures(), "reached (copiers upheld, exposures)");
        }
        handler.exitAll();
        uint256 n = handler.jobCount();
        for (uint256 j; j < n; ++j) {
            JobId id = _id(handler.jobAt(j));
            assertEq(uint256(sv.checkOf(id).status), uint256(ISampledVerifierTypes.CheckStatus.Closed), "check open");
            JobStatus s = _status(id);
            assertTrue(s == JobStatus.Finalized || s == JobStatus.Slashed || s == JobStatus.Cancelled, "job open");
        }
        for (uint256 k; k < vs.length; ++k) {
            assertEq(_moduleLocked(vs[k].account), 0, "stake still locked");
            assertEq(sv.owed(vs[k].account, address(usdc)), 0, "unclaimed");
        }
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve left");
        _assertPaidExactlyTheRevealedVotes();
        uint256 r = handler.rejectedCount();
        for (uint256 k; k < r; ++k) {
            (JobId id, uint256 index) = handler.rejectedAt(k);
            assertEq(uint256(sv.voteOf(id, index).status), uint256(ISampledVerifierTypes.VoteStatus.Slashed), "rejected vote revived");
        }
        assertEq(sv.verifierCount(modelId), 0, "everyone left");
        assertEq(sv.verifierCount(tolerant), 0, "everyone left the TOLERANT model");
        assertEq(_moduleLocked(alice.account), 0, "bond still locked");
        assertEq(sv.owed(address(handler), address(usdc)), 0, "funder unpaid");
        assertEq(sv.owed(address(handler), address(token)), 0, "funder winnings unpaid");
    }
}
