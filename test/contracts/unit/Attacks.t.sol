// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {
    IJobMarket,
    IJobMarketCore,
    IJobMarketExtension,
    IJobMarketTypes
} from "../../../contracts/interfaces/IJobMarket.sol";
import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {HookToken, ITokenHook} from "../../../contracts/mocks/HookToken.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {NoReturnToken} from "../../../contracts/mocks/NoReturnToken.sol";
import {ReturnsFalseToken} from "../../../contracts/mocks/ReturnsFalseToken.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {SigUtils} from "../utils/SigUtils.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice A client/claimant contract that, from HookToken's transfer hook, tries once to re-enter the
///         market and records what happened.
contract Reenterer is ITokenHook, IJobMarketTypes {
    enum Mode {
        None,
        CreateJob,
        Claim,
        Withdraw,
        SubmitBatch
    }

    IJobMarket public immutable market;
    HookToken public immutable hookToken;
    Mode public mode;
    bool public entered;
    bool public reentrySucceeded;
    bytes public reentryError;
    uint256 public withdrawAmount;
    JobRequest internal inner;

    constructor(IJobMarket market_, HookToken hookToken_) {
        market = market_;
        hookToken = hookToken_;
        hookToken_.approve(address(market_), type(uint256).max);
    }

    function arm(Mode mode_, JobRequest calldata inner_, uint256 withdrawAmount_) external {
        mode = mode_;
        inner = inner_;
        withdrawAmount = withdrawAmount_;
    }

    function createJob(JobRequest calldata r) external returns (JobId id) {
        (id,) = market.createJob(r, "");
    }

    function deposit(uint256 amount) external {
        market.deposit(address(hookToken), amount);
    }

    function claim() external returns (uint256) {
        return market.claim(address(hookToken), address(this));
    }

    function withdraw(uint256 amount) external {
        market.withdraw(address(hookToken), amount, address(this));
    }

    function onTokenTransfer(address, uint256) external {
        if (mode == Mode.None || entered) return;
        entered = true;
        bytes memory data;
        if (mode == Mode.CreateJob) {
            data = abi.encodeCall(IJobMarketCore.createJob, (inner, bytes("")));
        } else if (mode == Mode.Claim) {
            data = abi.encodeCall(IJobMarketExtension.claim, (address(hookToken), address(this)));
        } else if (mode == Mode.Withdraw) {
            data = abi.encodeCall(IJobMarketExtension.withdraw, (address(hookToken), withdrawAmount, address(this)));
        } else {
            // Any batch: the guard stops it before its arguments are looked at.
            data = abi.encodeCall(
                IJobMarketCore.acceptAndSubmitBatch, (address(this), new Job[](0), new bytes32[](0), new bytes[](0))
            );
        }
        (bool ok, bytes memory ret) = address(market).call(data);
        reentrySucceeded = ok;
        reentryError = ret;
    }
}

/// @notice One test per attack; each fails if the protection it targets is removed.
/// @dev Attack / error checklist (attack -> protection -> test):
///  zero address: provider signer        -> ZeroAddress                     -> test_registerProvider_rejectsZeroSigner
///  zero address: treasury               -> ZeroAddress                     -> test_setTreasury_rejectsZeroAddress
///  zero address: claim recipient        -> ZeroAddress                     -> test_claim_rejectsZeroRecipient
///  signature recovering to 0 (r = 0)    -> AttestationInvalidSignature     -> test_submitResult_rejectsZeroRSignature
///  signature recovering to 0 (v = 0/29) -> AttestationInvalidSignature     -> test_submitResult_rejectsInvalidV
///  malleable high-s signature           -> AttestationInvalidSignature     -> test_submitResult_rejectsHighS
///  replay on another chain              -> AttestationWrongSigner          -> test_submitResult_rejectsReplayOnOtherChain
///  replay on another deployment         -> AttestationWrongSigner          -> test_submitResult_rejectsReplayOnOtherDeployment
///  result after the deadline            -> JobDeadlinePassed               -> test_submitResult_rejectsAfterDeadline
///  double finalize (also in a batch)    -> JobWrongStatus(Finalized); a batch
///                                          skips it (JobFinalizeSkipped)   -> test_finalizeJob_rejectsDoubleFinalize
///  refund after payout, same block      -> JobWrongStatus(Finalized)       -> test_expireJob_rejectsRefundAfterPayoutSameBlock,
///                                                                             test_cancelJob_rejectsRefundAfterPayoutSameBlock
///  payout after refund, same block      -> JobWrongStatus(Expired)         -> test_finalizeJob_rejectsPayoutAfterRefundSameBlock
///  reentrancy createJob (token hook)    -> ReentrancyGuardReentrantCall    -> test_createJob_blocksReentrancyFromTokenHook
///  reentrancy claim (token hook)        -> ReentrancyGuardReentrantCall    -> test_claim_blocksReentrancyFromTokenHook
///  reentrancy withdraw (token hook)     -> ReentrancyGuardReentrantCall    -> test_withdraw_blocksReentrancyFromTokenHook
///  reentrancy acceptAndSubmitBatch from a
///  createJob token hook                 -> ReentrancyGuardReentrantCall    -> test_acceptAndSubmitBatch_blocksReentrancyFromTokenHook
///  token returning false                -> SafeERC20FailedOperation        -> test_createJob_rejectsTokenReturningFalse,
///                                                                             test_claim_rejectsTokenReturningFalse
///  token returning no data              -> (works through SafeERC20)       -> test_noReturnToken_fullCycleWorks
///  blocklisted recipient                -> pull payments + claim to any `to` -> test_claim_blocklistedRecipientBlocksNoOne,
///                                                                             test_rule_blocklistedChallengerBlocksNoOne
///  excess msg.value                     -> non-payable entry points        -> test_createJob_rejectsMsgValue,
///                                                                             test_finalizeJob_rejectsMsgValue, test_claim_rejectsMsgValue
///  fee-on-transfer escrow               -> FeeOnTransferToken              -> test_createJob_rejectsFeeOnTransferToken
///  permit (EIP-2612)                    -> try/catch + allowance           -> test_createJobWithPermit_usesPermit,
///        front-run permit                                                  -> test_createJobWithPermit_frontRunPermitStillSucceeds,
///        used permit, no allowance      -> ERC20InsufficientAllowance      -> test_createJobWithPermit_usedPermitWithoutAllowanceFails
contract AttacksTest is UnitFixture {
    // ================================================================== zero addresses

    function test_registerProvider_rejectsZeroSigner() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(stranger);
        market.registerProvider(address(0), "");
        assertEq(market.provider(stranger).registered, false, "not registered");
    }

    function test_setTreasury_rejectsZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        market.setTreasury(address(0));
        (, address treasury_,,,) = market.settings();
        assertEq(treasury_, treasury, "unchanged");
    }

    function test_claim_rejectsZeroRecipient() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(client);
        market.claim(address(usdc), address(0));
        assertEq(market.claimable(client, address(usdc)), 1 * USDC, "balance kept, nothing burned");
    }

    // ================================================================== signatures

    function test_submitResult_rejectsZeroRSignature() public {
        (JobId id, Job memory job) = _accepted(alice);
        (, bytes32 s, uint8 v) = _split(_sign(alice.signerKey, id, job, OUT, alice.account));
        bytes memory sig = abi.encodePacked(bytes32(0), s, v); // ecrecover returns address(0)
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.submitResult(job, OUT, sig);
        _assertStatus(id, JobStatus.Accepted, "not submitted");
    }

    function test_submitResult_rejectsInvalidV() public {
        (JobId id, Job memory job) = _accepted(alice);
        (bytes32 r, bytes32 s,) = _split(_sign(alice.signerKey, id, job, OUT, alice.account));
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.submitResult(job, OUT, abi.encodePacked(r, s, uint8(0)));
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.submitResult(job, OUT, abi.encodePacked(r, s, uint8(29)));
        _assertStatus(id, JobStatus.Accepted, "not submitted");
    }

    function test_submitResult_rejectsHighS() public {
        (JobId id, Job memory job) = _accepted(alice);
        (bytes32 r, bytes32 s, uint8 v) = _split(_sign(alice.signerKey, id, job, OUT, alice.account));
        bytes32 highS = bytes32(SECP256K1_N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        // The malleated twin still recovers the signer with a bare ecrecover...
        assertEq(ecrecover(_digest(id, job, OUT, alice.account), flippedV, r, highS), alice.signer, "twin is valid");
        // ...but the market accepts only the canonical (low-s) form.
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.submitResult(job, OUT, abi.encodePacked(r, highS, flippedV));
        _assertStatus(id, JobStatus.Accepted, "not submitted");
    }

    function test_submitResult_rejectsReplayOnOtherChain() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        uint256 home = block.chainid;
        vm.chainId(home + 1); // a fork, or another chain where the same job exists
        address recovered = _recovered(id, job, OUT, alice.account, sig);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, recovered, alice.signer));
        market.submitResult(job, OUT, sig);

        vm.chainId(home); // control: the very same signature is valid on its own chain
        market.submitResult(job, OUT, sig);
        _assertStatus(id, JobStatus.Submitted, "valid at home");
    }

    function test_submitResult_rejectsReplayOnOtherDeployment() public {
        IJobMarket m2 = _deployMarket(address(manager), address(token));
        m2.configurePaymentToken(address(usdc), true, BOND_FLOOR, STAKE_RATE);
        m2.registerModel(keccak256("weights"), keccak256("runtime"), Determinism.EXACT, "ipfs://model");
        token.transfer(alice.account, STAKE);
        vm.startPrank(alice.account);
        m2.registerProvider(alice.signer, "");
        token.approve(address(m2), type(uint256).max);
        m2.stake(STAKE);
        vm.stopPrank();
        vm.prank(client);
        usdc.approve(address(m2), type(uint256).max);

        JobRequest memory r = _request(alice.account, PRICE);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(client);
        (JobId id2, Job memory job2) = m2.createJob(r, "");
        assertEq(JobId.unwrap(id2), JobId.unwrap(id), "identical terms, identical job id in both markets");
        vm.prank(alice.account);
        market.acceptJob(job);
        vm.prank(alice.account);
        m2.acceptJob(job2);

        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account); // for `market`
        (bytes32 rr, bytes32 ss, uint8 vv) = _split(sig);
        address recovered = ecrecover(m2.attestationDigest(id, job.model, job.inputHash, OUT, alice.account), vv, rr, ss);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, recovered, alice.signer));
        m2.submitResult(job2, OUT, sig);

        market.submitResult(job, OUT, sig); // control: valid where it was signed for
        _assertStatus(id, JobStatus.Submitted, "valid on its own deployment");
    }

    // ================================================================== timing

    function test_submitResult_rejectsAfterDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account); // signed in time, relayed late
        vm.warp(uint256(job.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, id, job.deadline, block.timestamp));
        market.submitResult(job, OUT, sig);

        (JobId id2, Job memory job2) = _create(alice.account, PRICE);
        bytes memory sig2 = _sign(alice.signerKey, id2, job2, OUT, alice.account);
        vm.warp(uint256(job2.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, id2, job2.deadline, block.timestamp));
        market.acceptAndSubmit(job2, OUT, sig2);
    }

    // ================================================================== settle once

    function test_finalizeJob_rejectsDoubleFinalize() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        market.finalizeJob(job);
        Job[] memory batch = new Job[](1);
        batch[0] = job;
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(id, JobStatus.Finalized);
        assertEq(market.finalizeJobs(batch), 0, "a batch skips it rather than paying again");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "paid once");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee once");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_expireJob_rejectsRefundAfterPayoutSameBlock() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(uint256(job.deadline) + 1); // past the deadline: an expiry would be tempting
        vm.prank(client);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        market.expireJob(job);
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        assertEq(market.claimable(client, address(token)), 0, "no liveness slash");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout kept");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(usdc.balanceOf(address(market)), PRICE, "escrow counted once");
    }

    function test_cancelJob_rejectsRefundAfterPayoutSameBlock() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.startPrank(client);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        market.cancelJob(job);
        vm.stopPrank();
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "payout kept");
    }

    function test_finalizeJob_rejectsPayoutAfterRefundSameBlock() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.warp(uint256(job.deadline) + 1);
        market.expireJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Expired));
        market.submitResult(job, OUT, sig);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Expired));
        vm.prank(client);
        market.finalizeJob(job);
        assertEq(market.claimable(client, address(usdc)), PRICE, "refund once");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "no payout");
    }

    // ================================================================== reentrancy through a token hook

    function _hookSetup() internal returns (HookToken hook, Reenterer attacker) {
        hook = new HookToken();
        market.configurePaymentToken(address(hook), true, 0, STAKE_RATE);
        attacker = new Reenterer(market, hook);
        hook.mint(address(attacker), 100 * PRICE);
        hook.setHook(address(attacker), true);
    }

    function _assertReentrancyBlocked(Reenterer attacker) internal view {
        assertTrue(attacker.entered(), "the hook ran");
        assertFalse(attacker.reentrySucceeded(), "re-entry failed");
        assertEq(
            keccak256(attacker.reentryError()),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "stopped by the reentrancy guard"
        );
    }

    function test_createJob_blocksReentrancyFromTokenHook() public {
        (HookToken hook, Reenterer attacker) = _hookSetup();
        JobRequest memory outer = _requestWith(alice.account, address(hook), PRICE, modelId);
        JobRequest memory inner = _requestWith(alice.account, address(hook), PRICE, modelId);
        attacker.arm(Reenterer.Mode.CreateJob, inner, 0);

        JobId outerId = attacker.createJob(outer); // the hook re-enters during transferFrom

        _assertReentrancyBlocked(attacker);
        _assertStatus(outerId, JobStatus.Created, "outer job");
        _assertStatus(_id(_expectedJob(address(attacker), inner)), JobStatus.None, "no inner job");
        assertEq(hook.balanceOf(address(market)), PRICE, "one escrow in");
        assertEq(hook.balanceOf(address(attacker)), 99 * PRICE, "paid once");
        assertEq(market.claimable(address(attacker), address(hook)), 0, "no phantom balance");
    }

    function test_acceptAndSubmitBatch_blocksReentrancyFromTokenHook() public {
        (HookToken hook, Reenterer attacker) = _hookSetup();
        JobRequest memory outer = _requestWith(alice.account, address(hook), PRICE, modelId);
        attacker.arm(Reenterer.Mode.SubmitBatch, outer, 0);

        JobId outerId = attacker.createJob(outer); // the hook tries to submit while the job is being paid for

        _assertReentrancyBlocked(attacker);
        _assertStatus(outerId, JobStatus.Created, "not submitted during its own payment");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_claim_blocksReentrancyFromTokenHook() public {
        (HookToken hook, Reenterer attacker) = _hookSetup();
        attacker.deposit(10 * PRICE); // hook disarmed
        attacker.arm(Reenterer.Mode.Claim, _request(address(0), PRICE), 0);

        assertEq(attacker.claim(), 10 * PRICE, "claimed once"); // the hook re-enters during transfer

        _assertReentrancyBlocked(attacker);
        assertEq(market.claimable(address(attacker), address(hook)), 0, "balance zero");
        assertEq(hook.balanceOf(address(market)), 0, "market paid exactly the balance");
        assertEq(hook.balanceOf(address(attacker)), 100 * PRICE, "no more than deposited");
    }

    function test_withdraw_blocksReentrancyFromTokenHook() public {
        (HookToken hook, Reenterer attacker) = _hookSetup();
        attacker.deposit(10 * PRICE);
        attacker.arm(Reenterer.Mode.Withdraw, _request(address(0), PRICE), 4 * PRICE);

        attacker.withdraw(4 * PRICE); // the hook tries a second withdraw during transfer

        _assertReentrancyBlocked(attacker);
        assertEq(market.claimable(address(attacker), address(hook)), 6 * PRICE, "debited once");
        assertEq(hook.balanceOf(address(market)), 6 * PRICE, "held == owed");
        assertEq(hook.balanceOf(address(attacker)), 94 * PRICE, "received once");
    }

    // ================================================================== odd tokens

    function test_createJob_rejectsTokenReturningFalse() public {
        ReturnsFalseToken rft = new ReturnsFalseToken();
        market.configurePaymentToken(address(rft), true, 0, STAKE_RATE);
        rft.mint(client, 100 * PRICE);
        vm.prank(client);
        rft.approve(address(market), type(uint256).max);
        rft.setFailTransfers(true);
        JobRequest memory r = _requestWith(alice.account, address(rft), PRICE, modelId);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rft)));
        vm.prank(client);
        market.createJob(r, "");
        _assertStatus(_id(_expectedJob(client, r)), JobStatus.None, "no job without escrow");
    }

    function test_claim_rejectsTokenReturningFalse() public {
        ReturnsFalseToken rft = new ReturnsFalseToken();
        market.configurePaymentToken(address(rft), true, 0, STAKE_RATE);
        rft.mint(client, 100 * PRICE);
        vm.startPrank(client);
        rft.approve(address(market), type(uint256).max);
        market.deposit(address(rft), 5 * PRICE);
        vm.stopPrank();
        rft.setFailTransfers(true);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rft)));
        vm.prank(client);
        market.claim(address(rft), client);
        assertEq(market.claimable(client, address(rft)), 5 * PRICE, "balance not lost");
    }

    function test_noReturnToken_fullCycleWorks() public {
        NoReturnToken nrt = new NoReturnToken();
        market.configurePaymentToken(address(nrt), true, 0, STAKE_RATE);
        nrt.mint(client, 100 * PRICE);
        vm.prank(client);
        nrt.approve(address(market), type(uint256).max);
        JobRequest memory r = _requestWith(alice.account, address(nrt), PRICE, modelId);
        (JobId id, Job memory job) = _createFrom(client, r);
        assertEq(nrt.balanceOf(address(market)), PRICE, "escrowed");
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.prank(alice.account);
        market.claim(address(nrt), alice.account);
        assertEq(nrt.balanceOf(alice.account), PAYOUT, "paid out");
        assertEq(nrt.balanceOf(address(market)), FEE, "fee stays for the treasury");
    }

    function test_createJob_rejectsFeeOnTransferToken() public {
        FotToken fot = new FotToken();
        market.configurePaymentToken(address(fot), true, 0, STAKE_RATE);
        fot.mint(client, 100 * PRICE);
        vm.prank(client);
        fot.approve(address(market), type(uint256).max);
        JobRequest memory r = _requestWith(alice.account, address(fot), PRICE, modelId);
        vm.expectRevert(
            abi.encodeWithSelector(FeeOnTransferToken.selector, address(fot), uint256(PRICE), PRICE - PRICE / 100)
        );
        vm.prank(client);
        market.createJob(r, "");
    }

    // ================================================================== blocklists

    function test_claim_blocklistedRecipientBlocksNoOne() public {
        (, Job memory paid) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(paid);
        (, Job memory refunded) = _create(alice.account, PRICE);
        vm.prank(client);
        market.cancelJob(refunded);
        usdc.blocklist(alice.account);

        vm.expectRevert(abi.encodeWithSelector(MockUSDC.MockUSDCBlocked.selector, alice.account));
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account);
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "its balance waits");

        vm.prank(client); // other parties are unaffected
        assertEq(market.claim(address(usdc), client), PRICE, "client refund");
        market.collectFees(alice.account, address(usdc)); // the treasury's fee does not wait on alice
        market.sweepToTreasury(address(usdc));
        vm.prank(treasury);
        assertEq(market.claim(address(usdc), treasury), FEE, "treasury fee");

        address cold = makeAddr("alice cold wallet"); // the token lets the market pay another address
        vm.prank(alice.account);
        market.claim(address(usdc), cold);
        assertEq(usdc.balanceOf(cold), PAYOUT, "alice's payout to a clean address");
        assertEq(usdc.balanceOf(address(market)), 0, "everything paid");
    }

    function test_rule_blocklistedChallengerBlocksNoOne() public {
        (JobId id, Job memory job) = _disputed(alice);
        usdc.blocklist(challenger);
        _rule(job, Outcome.Draw); // credits the bond (less the arbitration fee) instead of pushing it
        _assertStatus(id, JobStatus.Finalized, "settled");
        assertEq(market.claimable(challenger, address(usdc)), BOND - DISPUTE_FEE, "bond credited");
        assertEq(market.claimable(address(verifier), address(usdc)), DISPUTE_FEE, "module fee credited");
        vm.prank(alice.account);
        assertEq(market.claim(address(usdc), alice.account), PAYOUT, "provider paid");
    }

    // ================================================================== msg.value

    function test_createJob_rejectsMsgValue() public {
        usdc.mint(address(this), 100 * USDC);
        usdc.approve(address(market), type(uint256).max);
        vm.deal(address(this), 1 ether);
        JobRequest memory r = _request(alice.account, PRICE);
        JobId expectedId = _id(_expectedJob(address(this), r));
        uint256 before = usdc.balanceOf(address(this));

        (bool ok, bytes memory ret) =
            address(market).call{value: 1}(abi.encodeCall(IJobMarketCore.createJob, (r, bytes(""))));
        assertFalse(ok, "value refused");
        assertEq(ret.length, 0, "by the non-payable check");
        _assertStatus(expectedId, JobStatus.None, "no job");
        assertEq(usdc.balanceOf(address(this)), before, "no token moved");
        assertEq(address(market).balance, 0, "no ether kept");
        assertEq(address(this).balance, 1 ether, "ether back");

        (ok,) = address(market).call(abi.encodeCall(IJobMarketCore.createJob, (r, bytes(""))));
        assertTrue(ok, "control: the same call without value works");
    }

    function test_finalizeJob_rejectsMsgValue() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.deal(client, 1 ether);
        vm.prank(client);
        (bool ok, bytes memory ret) = address(market).call{value: 1}(abi.encodeCall(IJobMarketCore.finalizeJob, (job)));
        assertFalse(ok, "value refused");
        assertEq(ret.length, 0, "by the non-payable check");
        _assertStatus(id, JobStatus.Submitted, "not settled");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "no payout");
        assertEq(address(market).balance, 0, "no ether kept");

        vm.prank(client);
        (ok,) = address(market).call(abi.encodeCall(IJobMarketCore.finalizeJob, (job)));
        assertTrue(ok, "control: the same call without value works");
    }

    function test_claim_rejectsMsgValue() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.deal(client, 1 ether);
        vm.prank(client);
        (bool ok,) =
            address(market).call{value: 1}(abi.encodeCall(IJobMarketExtension.claim, (address(usdc), client)));
        assertFalse(ok, "the fallback to the extension refuses value");
        assertEq(market.claimable(client, address(usdc)), 1 * USDC, "balance kept");
        vm.prank(client);
        (ok,) = address(market).call{value: 1}("");
        assertFalse(ok, "plain ether refused");
        assertEq(address(market).balance, 0, "no ether kept");
    }

    // ================================================================== permits

    uint256 internal constant PERMIT_KEY = 0xC11E47;

    function _permitClient() internal returns (address owner) {
        owner = vm.addr(PERMIT_KEY);
        usdc.mint(owner, 100 * USDC); // no approval
    }

    function _permit(address owner, uint256 deadline) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 digest = SigUtils.permitDigest(IERC20Permit(address(usdc)), owner, address(market), PRICE, deadline);
        (v, r, s) = vm.sign(PERMIT_KEY, digest);
    }

    function test_createJobWithPermit_usesPermit() public {
        address owner = _permitClient();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(owner, deadline);
        JobRequest memory req = _request(alice.account, PRICE);
        vm.prank(owner);
        (JobId id,) = market.createJobWithPermit(req, "", deadline, v, r, s);
        _assertStatus(id, JobStatus.Created, "created");
        assertEq(usdc.nonces(owner), 1, "permit used");
        assertEq(usdc.allowance(owner, address(market)), 0, "allowance spent");
        assertEq(usdc.balanceOf(owner), 100 * USDC - PRICE, "escrowed");
    }

    function test_createJobWithPermit_frontRunPermitStillSucceeds() public {
        address owner = _permitClient();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(owner, deadline);
        vm.prank(stranger); // a griefer submits the permit from the mempool first
        usdc.permit(owner, address(market), PRICE, deadline, v, r, s);
        JobRequest memory req = _request(alice.account, PRICE);
        vm.prank(owner);
        (JobId id,) = market.createJobWithPermit(req, "", deadline, v, r, s);
        _assertStatus(id, JobStatus.Created, "the failed permit was ignored and the allowance used");
        assertEq(usdc.balanceOf(owner), 100 * USDC - PRICE, "escrowed once");
    }

    function test_createJobWithPermit_usedPermitWithoutAllowanceFails() public {
        address owner = _permitClient();
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(owner, deadline);
        JobRequest memory first = _request(alice.account, PRICE);
        vm.prank(owner);
        market.createJobWithPermit(first, "", deadline, v, r, s); // uses the permit and its allowance
        JobRequest memory second = _request(alice.account, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, PRICE)
        );
        vm.prank(owner);
        market.createJobWithPermit(second, "", deadline, v, r, s); // replaying it pulls nothing more
        assertEq(usdc.balanceOf(owner), 100 * USDC - PRICE, "charged once");
    }
}
