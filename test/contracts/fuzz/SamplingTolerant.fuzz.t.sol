// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISampledVerifierErrors, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice Property fuzz test of the arbiter's two value-moving calls on a TOLERANT check, `rejectVote` and
///         `rule`, over random `verifierStake`, reward rate, vote output (equal to the provider's, close, junk),
///         exposure, rejection and ruling. The verifier's stake and the fund move by exactly the stated amounts:
///         - `rejectVote`: the verifier loses exactly `verifierStake` (its lock spent), nothing is paid, the fund
///           and its reserve do not move;
///         - `rule`: a vote equal to an upheld provider's output loses exactly `verifierStake` and is unpaid;
///           any other vote not rejected is released whole and paid exactly `reward`; the reserve falls by the
///           check's whole reserve and the fund gains it back less what was paid, plus the bond it advanced.
contract SamplingTolerantFuzzTest is SamplingFixture, ISampledVerifierErrors {
    bytes32 internal constant CLOSE = keccak256("close but not equal");
    bytes32 internal constant JUNK = keccak256("not a re-run");
    address internal planter = makeAddr("planter");
    ModelId internal tolerant;

    function setUp() public override {
        super.setUp();
        tolerant = _routeTolerant();
        _grantPlanter(planter);
        vm.warp(block.timestamp + 1);
    }

    /// @dev A TOLERANT job of alice with OUT, sampled, its one round-0 seat filled.
    function _tolerantSampled() internal returns (JobId id, Job memory job) {
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (id, job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, sv.params().samplingRateBps, true);
        vm.warp(_epochEnd(e));
        bytes memory sig = _sig(alice, id, job, OUT);
        sv.sample(job, OUT, sig);
        for (uint256 salt;; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(id).assigned == 1) return (id, job);
            vm.revertToState(snap);
        }
    }

    struct Before {
        uint256 staked;
        uint256 owed;
        uint256 available;
        uint256 reserved;
    }

    function _before(address v) internal view returns (Before memory b) {
        b.staked = market.provider(v).staked;
        b.owed = sv.owed(v, address(usdc));
        (b.available, b.reserved) = sv.fundOf(address(usdc));
    }

    function testFuzz_ruleAndRejectVote_moveExactAmounts(
        uint96 verifierStake,
        uint16 rewardBps,
        uint8 kind,
        bool exposed,
        bool reject,
        bool stands
    ) public {
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.verifierStake = uint96(bound(verifierStake, 1, VSTAKE * 4)); // within every verifier's allowance
        p.verifierRewardBps = uint16(bound(rewardBps, 0, 50_000));
        sv.setParams(p);
        (JobId id, Job memory job) = _tolerantSampled();
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(c.verifierStake, p.verifierStake, "the check's stake");
        assertEq(c.reward, uint256(PRICE) * p.verifierRewardBps / 10_000, "the check's reward");
        address v = _assignedAt(id, 0);
        // 0: a copy of the provider's output; 1: a close re-run; 2: junk.
        kind %= 3;
        bytes32 output = kind == 0 ? OUT : kind == 1 ? CLOSE : JUNK;
        bool equal = kind == 0;
        Before memory b0 = _before(v);
        assertEq(_moduleLocked(v), c.verifierStake, "locked");

        _commit(job, 0, output);
        if (exposed) {
            vm.prank(planter);
            sv.expose(job);
        }
        _reveal(job, 0, output);
        sv.resolve(job);
        if (equal && !exposed) {
            // Nothing for the arbiter: the hashes match, the check passes, the verifier is paid and released.
            _assertStatus(id, JobStatus.Finalized, "passed");
            _assertMoved(v, b0, 0, c.reward, c.reward * 3, c.reward * 3 - c.reward + BOND);
            return;
        }
        assertEq(
            uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.AwaitingArbitration), "awaits the arbiter"
        );

        bool rejected = reject && !equal;
        if (reject) {
            if (equal) {
                // A copy stands or falls with the provider: not rejectable.
                vm.expectRevert(
                    abi.encodeWithSelector(
                        SamplingVoteNotRejectable.selector, id, 0, ISampledVerifierTypes.VoteStatus.Revealed, OUT
                    )
                );
                sv.rejectVote(job, 0);
            } else {
                Before memory b1 = _before(v);
                sv.rejectVote(job, 0);
                // Slashed exactly its stake, unpaid, the fund and its reserve untouched.
                _assertMoved(v, b1, c.verifierStake, 0, 0, 0);
                assertEq(_moduleLocked(v), 0, "its lock spent");
            }
        }

        Before memory b2 = _before(v);
        sv.rule(job, stands);
        _assertStatus(id, stands ? JobStatus.Finalized : JobStatus.Slashed, "ruled");
        bool slashedByRule = !rejected && !stands && equal;
        uint256 paid = (rejected || slashedByRule) ? 0 : c.reward;
        uint256 reserve = uint256(c.reward) * (1 + uint256(c.escalationVerifiers));
        _assertMoved(v, b2, slashedByRule ? c.verifierStake : 0, paid, reserve, reserve - paid + BOND);
        assertEq(_moduleLocked(v), 0, "nothing left locked");
        // Over the whole check: slashed once at most, never both slashed and paid.
        uint256 lost = b0.staked - market.provider(v).staked;
        uint256 earned = sv.owed(v, address(usdc)) - b0.owed;
        assertEq(lost, (rejected || slashedByRule) ? c.verifierStake : 0, "lost exactly its stake, once");
        assertTrue(lost == 0 || earned == 0, "slashed and paid");
    }

    /// @dev Since `b`: the verifier's stake fell by `slashed`, it is owed `paid` more, the reserve fell by `freed`,
    ///      and the fund's available balance rose by `gained`.
    function _assertMoved(address v, Before memory b, uint256 slashed, uint256 paid, uint256 freed, uint256 gained)
        internal
        view
    {
        Before memory a = _before(v);
        assertEq(b.staked - a.staked, slashed, "stake moved");
        assertEq(a.owed - b.owed, paid, "paid");
        assertEq(b.reserved - a.reserved, freed, "reserve freed");
        assertEq(a.available - b.available, gained, "fund moved");
    }
}
