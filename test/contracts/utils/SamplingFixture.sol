// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ISampledVerifier, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {MockRandomness} from "../../../contracts/mocks/MockRandomness.sol";
import {Roles} from "../../../contracts/governance/Roles.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {SampledVerifier} from "../../../contracts/verifiers/SampledVerifier.sol";
import {SampledVerifierExtension} from "../../../contracts/verifiers/SampledVerifierExtension.sol";
import {UnitFixture} from "./UnitFixture.sol";

/// @notice The unit fixture plus a SampledVerifier serving EXACT (the fixture's `modelId`), a test-set
///         randomness source, a funded module, and four enrolled verifiers. Helpers drive a job through the
///         draw, the assignment and the votes; a test then asks who was drawn (`_assignedAt`).
/// @dev Amounts at the defaults: PRICE 2 USDC, bond 10 USDC, reward 1.25 × P = 2.5 USDC per verifier, tip
///      1 % × P = 0.02 USDC, verifierStake 50 tokens.
abstract contract SamplingFixture is UnitFixture {
    uint256 internal constant EPOCH = 600;
    uint96 internal constant VSTAKE = uint96(50 * TOKEN);
    uint256 internal constant REWARD = PRICE * 12_500 / 10_000;
    uint256 internal constant TIP = PRICE / 100;
    uint256 internal constant RESERVE = 3 * REWARD;
    uint256 internal constant FUND = 10_000 * USDC;

    MockRandomness internal rng;
    SampledVerifier internal svCore;
    ISampledVerifier internal sv;
    address internal keeper = makeAddr("keeper");
    ProviderKey[] internal vs;

    function _defaultParams() internal pure returns (ISampledVerifierTypes.Params memory) {
        return ISampledVerifierTypes.Params({
            samplingRateBps: 200,
            newProviderRateBps: 1_000,
            newProviderChecks: 100,
            verifierRewardBps: 12_500,
            keeperTipBps: 100,
            commitPeriod: 1 hours,
            revealPeriod: 1 hours,
            escalationVerifiers: 2,
            verifierStake: VSTAKE,
            deterrenceBps: 20_000,
            bondReleaseDelay: 72 hours + 14 days
        });
    }

    function setUp() public virtual override {
        super.setUp();
        rng = new MockRandomness(EPOCH);
        SampledVerifierExtension ext = new SampledVerifierExtension(market, rng);
        svCore = new SampledVerifier(address(manager), market, rng, ext, _defaultParams());
        sv = ISampledVerifier(address(svCore));
        market.setModule(address(sv), true);
        market.setVerifier(Determinism.EXACT, address(sv));
        usdc.mint(address(this), FUND);
        usdc.approve(address(sv), type(uint256).max);
        sv.fund(address(usdc), FUND);
        for (uint256 i; i < 4; ++i) {
            vs.push(_verifier(string.concat("verifier", vm.toString(i))));
        }
        vm.warp(block.timestamp + 1);
    }

    /// @dev A staked provider with an offer for `modelId`, an allowance for the module, enrolled.
    function _verifier(string memory name) internal returns (ProviderKey memory p) {
        p = _provider(name, STAKE);
        vm.startPrank(p.account);
        market.setModuleAllowance(address(sv), VSTAKE * 4);
        sv.enrol(modelId);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ time and seeds

    function _epochOf(uint256 t) internal pure returns (uint64) {
        return uint64(t / EPOCH);
    }

    function _epochEnd(uint64 e) internal pure returns (uint256) {
        return (uint256(e) + 1) * EPOCH;
    }

    function _draw(bytes32 seed, JobId id) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, id))) % 10_000;
    }

    /// @dev Sets a seed for `e` under which `id` is (or is not) drawn at `rate`.
    function _seedDrawing(uint64 e, JobId id, uint256 rate, bool sampled) internal returns (bytes32 seed) {
        for (uint256 i = 1;; ++i) {
            seed = keccak256(abi.encode("draw", i));
            if ((_draw(seed, id) < rate) == sampled) break;
        }
        rng.setSeed(e, seed);
    }

    // ------------------------------------------------------------------ jobs

    function _sig(ProviderKey memory p, JobId id, Job memory job, bytes32 output) internal view returns (bytes memory) {
        return _sign(p.signerKey, id, job, output, p.account);
    }

    /// @dev A job of `p` submitted with `output`, its epoch's seed set to draw it in the fund's band
    ///      (below `samplingRateBps`), the epoch ended.
    function _drawn(ProviderKey memory p, bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _submitted(p, output);
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, sv.params().samplingRateBps, true);
        vm.warp(_epochEnd(e));
    }

    /// @dev Sets a seed for `e` under which `id`'s draw is in `[lo, hi)`.
    function _seedBetween(uint64 e, JobId id, uint256 lo, uint256 hi) internal returns (bytes32 seed) {
        for (uint256 i = 1;; ++i) {
            seed = keccak256(abi.encode("band", i));
            uint256 d = _draw(seed, id);
            if (d >= lo && d < hi) break;
        }
        rng.setSeed(e, seed);
    }

    /// @dev A job of `p` submitted with `output`, its epoch's seed set so that its draw is in `[lo, hi)` (the
    ///      caller-paid band at the defaults is `[200, 2_000)`), the epoch ended.
    function _drawnBetween(ProviderKey memory p, bytes32 output, uint256 lo, uint256 hi)
        internal
        returns (JobId id, Job memory job)
    {
        (id, job) = _submitted(p, output);
        uint64 e = _epochOf(block.timestamp);
        _seedBetween(e, id, lo, hi);
        vm.warp(_epochEnd(e));
    }

    /// @dev `who` (funded for the bond unless it is the fixture's challenger) disputes `job` by hand.
    function _disputeAs(address who, Job memory job) internal {
        if (who != challenger) _fundClient(who, 1_000 * USDC);
        vm.prank(who);
        market.openDispute(job, "ipfs://evidence");
    }

    /// @dev A job of `p` with `output`, sampled by the keeper.
    function _sampled(ProviderKey memory p, bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _drawn(p, output);
        bytes memory sig = _sig(p, id, job, output);
        vm.prank(keeper);
        sv.sample(job, output, sig);
    }

    /// @dev Ends the check's seed epoch, sets its seed (`salt` varies the draw) and assigns.
    function _assign(Job memory job, uint256 salt) internal {
        ISampledVerifierTypes.Check memory c = sv.checkOf(_id(job));
        uint64 e = uint64(c.seedEpoch);
        if (block.timestamp < _epochEnd(e)) vm.warp(_epochEnd(e));
        rng.setSeed(e, keccak256(abi.encode("assign", e, salt)));
        sv.assign(job);
    }

    /// @dev Assigns with the first salt from `from` that fills every seat asked for.
    function _assignFull(Job memory job, uint256 from) internal {
        JobId id = _id(job);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        uint256 want = c.assigned + c.toAssign;
        for (uint256 salt = from;; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(id).assigned == want) return;
            vm.revertToState(snap);
        }
    }

    function _assignedAt(JobId id, uint256 index) internal view returns (address) {
        return sv.voteOf(id, index).verifier;
    }

    function _commitment(JobId id, uint256 round, address v, bytes32 output) internal pure returns (bytes32) {
        return keccak256(abi.encode(id, round, v, output, keccak256(abi.encode("salt", v))));
    }

    function _commit(Job memory job, uint256 index, bytes32 output) internal {
        JobId id = _id(job);
        ISampledVerifierTypes.Vote memory v = sv.voteOf(id, index);
        bytes32 commitment = _commitment(id, v.round, v.verifier, output);
        vm.prank(v.verifier);
        sv.commit(job, commitment);
    }

    function _reveal(Job memory job, uint256 index, bytes32 output) internal {
        JobId id = _id(job);
        address v = sv.voteOf(id, index).verifier;
        vm.prank(v);
        sv.reveal(job, output, keccak256(abi.encode("salt", v)));
    }

    /// @dev Commits then reveals `outputs[i]` for votes `first … first + outputs.length − 1`.
    function _vote(Job memory job, uint256 first, bytes32[] memory outputs) internal {
        for (uint256 i; i < outputs.length; ++i) {
            _commit(job, first + i, outputs[i]);
        }
        for (uint256 i; i < outputs.length; ++i) {
            _reveal(job, first + i, outputs[i]);
        }
    }

    /// @dev For a check in round 0: the one verifier reveals `truth`, the resolve escalates, and both verifiers
    ///      of round 1 reveal `truth` too. Not resolved: a test expects its events, then calls `sv.resolve(job)`.
    function _outvoteWith(Job memory job, bytes32 truth) internal {
        _assignFull(job, 0);
        _vote(job, 0, _one(truth));
        sv.resolve(job);
        _assignFull(job, 100);
        _vote(job, 1, _two(truth, truth));
    }

    function _one(bytes32 a) internal pure returns (bytes32[] memory o) {
        o = new bytes32[](1);
        o[0] = a;
    }

    function _two(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory o) {
        o = new bytes32[](2);
        o[0] = a;
        o[1] = b;
    }

    /// @dev Jails `p` for 30 days by proving it signed two outputs for one job (no verifier involved).
    function _jailByEquivocation(ProviderKey memory p) internal returns (uint256 until) {
        (JobId id, Job memory job) = _accepted(p);
        bytes memory a = _sig(p, id, job, OUT);
        bytes memory b = _sig(p, id, job, OUT_B);
        market.reportEquivocation(job, OUT, a, OUT_B, b);
        until = market.provider(p.account).jailedUntil;
    }

    function _checkStatus(JobId id) internal view returns (ISampledVerifierTypes.CheckStatus) {
        return sv.checkOf(id).status;
    }

    function _moduleLocked(address v) internal view returns (uint256) {
        return market.moduleStake(address(sv), v).locked;
    }

    /// @dev A TOLERANT model routed to the module too, as the deployment does: alice offers it, every verifier
    ///      offers it and enrols.
    function _routeTolerant() internal returns (ModelId tolerant) {
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
    }

    /// @dev Maps `expose` to the PLANTER role, as the deployment does, and grants it to `planter`.
    function _grantPlanter(address planter) internal {
        bytes4[] memory expose = new bytes4[](1);
        expose[0] = sv.expose.selector;
        manager.setTargetFunctionRole(address(sv), expose, Roles.PLANTER);
        manager.grantRole(Roles.PLANTER, planter, 0);
    }
}
