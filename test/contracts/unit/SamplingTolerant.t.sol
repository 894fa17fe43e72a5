// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice TOLERANT jobs through the sampled re-execution verifier: a hash match passes the check, a
///         mismatch goes to the arbiter (no escalation: equal hashes are not the test of a tolerant output).
/// @dev Tree (when ..., given ..., it should ...):
///  the verifier's hash equals the provider's -> Draw, passed + 1 (as EXACT)
///  it differs -> AwaitingArbitration, ArbitrationRequested(id, provider's, verifier's); resolve refuses
///   (SamplingCheckWrongStatus) until the dispute's deadline
///  rule: by anyone but the role -> AccessManagedUnauthorized; not awaiting -> SamplingCheckWrongStatus;
///   providerStands -> Draw (sampled) / Rejected (someone else's dispute); else Upheld; the verifier is paid
///   and released either way; after the deadline -> the check closes unruled and the market cancels
contract SamplingTolerantTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    bytes32 internal constant CLOSE = keccak256("close but not equal");
    ModelId internal tolerant;

    function setUp() public override {
        super.setUp();
        tolerant = _registerModel("tolerant weights", Determinism.TOLERANT);
        market.setVerifier(Determinism.TOLERANT, address(sv));
        vm.prank(alice.account);
        market.setOffer(tolerant, address(usdc), PRICE, 60, true);
        for (uint256 i; i < vs.length; ++i) {
            vm.startPrank(vs[i].account);
            market.setOffer(tolerant, address(usdc), PRICE, 60, true);
            sv.enrol(tolerant);
            vm.stopPrank();
        }
        vm.warp(block.timestamp + 1);
    }

    function _tolerantSubmitted(bytes32 output) internal returns (JobId id, Job memory job) {
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (id, job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, output);
    }

    function _tolerantSampled(bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _tolerantSubmitted(output);
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, sv.params().samplingRateBps, true);
        vm.warp(_epochEnd(e));
        bytes memory sig = _sig(alice, id, job, output);
        sv.sample(job, output, sig);
        _assignSeated(job);
    }

    function _assignSeated(Job memory job) internal {
        for (uint256 salt;; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(_id(job)).assigned == 1) return;
            vm.revertToState(snap);
        }
    }

    function test_tolerant_matchPasses() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        assertTrue(sv.checkOf(id).tolerant, "tolerant");
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "passed");
        assertEq(sv.passedChecks(alice.account), 1, "counted");
    }

    function test_tolerant_mismatchGoesToTheArbiter() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        vm.expectEmit(address(sv));
        emit ArbitrationRequested(id, OUT, CLOSE);
        sv.resolve(job);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.AwaitingArbitration), "awaits");
        assertEq(c.round, 0, "no escalation");
        vm.expectRevert(
            abi.encodeWithSelector(
                SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingArbitration
            )
        );
        sv.resolve(job);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        sv.rule(job, true);
    }

    function test_rule_providerStandsIsDraw() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        address v = _assignedAt(id, 0);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        vm.expectEmit(address(sv));
        emit ArbitrationRuled(id, true, address(this));
        sv.rule(job, true);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(sv.owed(v, address(usdc)), REWARD, "verifier paid");
        assertEq(market.provider(v).staked, STAKE, "not slashed: a different hash is no lie under TOLERANT");
        assertEq(_moduleLocked(v), 0, "released");
        assertEq(sv.passedChecks(alice.account), 1, "a pass");
    }

    function test_rule_providerOutOfToleranceIsUpheld() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        sv.rule(job, false);
        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(address(sv), address(token)), CHALLENGER_SHARE + UPHELD_FEE, "module won");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
    }

    function test_expose_tolerantReverts() public {
        // Under TOLERANT a verifier is never slashed for its answer: a planted check could not punish it.
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _commit(job, 0, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingClassNotSupported.selector, id, Determinism.TOLERANT));
        sv.expose(job);
    }

    function test_rule_wrongStatusReverts() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.Running)
        );
        sv.rule(job, true);
    }

    function test_rule_afterDeadlineClosesUnruled() public {
        (JobId id, Job memory job) = _tolerantSampled(OUT);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        uint256 deadline = market.dispute(id).deadline;
        vm.warp(deadline + 1);
        sv.resolve(job); // anyone may close it once the arbiter let the deadline pass
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        market.cancelDispute(job);
        _assertStatus(id, JobStatus.Cancelled, "client refunded");
    }

    function test_humanTolerantDispute_providerStandsIsRejected() public {
        (JobId id, Job memory job) = _tolerantSubmitted(OUT);
        vm.prank(challenger);
        market.openDispute(job, "");
        sv.attest(job, OUT, _sig(alice, id, job, OUT));
        _assignSeated(job);
        _vote(job, 0, _one(CLOSE));
        sv.resolve(job);
        sv.rule(job, true);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT + BOND - DISPUTE_FEE, "the challenger paid");
        assertEq(sv.passedChecks(alice.account), 0, "human disputes do not count toward graduation");
    }
}
