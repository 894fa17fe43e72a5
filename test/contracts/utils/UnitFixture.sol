// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarketErrors, IJobMarketEvents} from "../../../contracts/interfaces/IJobMarket.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Fixture} from "./Fixture.sol";

/// @notice Shared base of the unit suites (test/contracts/unit/*.t.sol): the production Fixture plus
///         the default parameters spelled out as amounts, one staked provider (`alice`), and helpers
///         that drive a job to each state. Inherits the market's errors and events so that tests
///         can write `ZeroAddress.selector` and `emit JobCreated(...)` unqualified.
/// @dev Amounts follow from Fixture: PRICE = 2 USDC, STAKE_RATE = 1e30 (1 USDC ~ 1 token), and the
///      defaults set by the `JobMarket` constructor (4 h window, 7 d resolution, 14 d thawing, 10x
///      collateral, 1 % fee, 50 % challenger share, 1x liveness slash, 5x bond, 30 % dispute fee, 2.6 %
///      verification fee, taken by no class until a fee module is named).
abstract contract UnitFixture is Fixture, IJobMarketErrors, IJobMarketEvents {
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant WINDOW = 4 hours;
    uint256 internal constant RESOLUTION = 7 days;
    uint256 internal constant THAWING = 14 days;
    /// @dev `Fixture._request` sets the deadline this far after creation.
    uint256 internal constant JOB_DURATION = 1 hours;

    uint256 internal constant STAKE = 1_000 * TOKEN;
    /// @dev price × 10x × 1e30 / 1e22 = 2e6 × 1e13 stake units = 20 tokens.
    uint96 internal constant COLLATERAL = uint96(20 * TOKEN);
    uint256 internal constant FEE = PRICE / 100; // 1 %
    uint256 internal constant PAYOUT = PRICE - FEE;
    uint256 internal constant BOND = 5 * PRICE; // max(5x price, 1 USDC floor) = 10 USDC
    /// @dev 30 % of each bond (`disputeFeeBps` 3,000), paid to the verifier module when a challenge fails (Rejected or Draw).
    uint256 internal constant DISPUTE_FEE = BOND * 3 / 10;
    uint256 internal constant LIVENESS = 2 * TOKEN; // 1x price, in stake units
    /// @dev The client's 50 % of a liveness slash; the treasury gets the rest.
    uint256 internal constant LIVENESS_TO_CLIENT = LIVENESS / 2;
    uint256 internal constant CHALLENGER_SHARE = COLLATERAL / 2; // 50 % of the slash
    /// @dev Upheld, the module's fee is what a failed challenge would have paid (DISPUTE_FEE, 3 USDC)
    ///      in stake at the job's rate (C / P / 10x): 3 tokens per challenger.
    uint256 internal constant UPHELD_FEE = DISPUTE_FEE * COLLATERAL / (PRICE * 10);

    bytes32 internal constant OUT = keccak256("out");
    bytes32 internal constant OUT_B = keccak256("out-b");

    /// @dev secp256k1 group order, to build high-s signatures.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    address internal stranger = makeAddr("stranger");
    ProviderKey internal alice;

    function setUp() public virtual override {
        super.setUp();
        alice = _provider("alice", STAKE);
    }

    // ------------------------------------------------------------------ jobs

    function _id(Job memory job) internal pure returns (JobId) {
        return JobId.wrap(keccak256(abi.encode(job)));
    }

    /// @dev A direct job for `p`, accepted by it.
    function _accepted(ProviderKey memory p) internal returns (JobId id, Job memory job) {
        (id, job) = _create(p.account, PRICE);
        vm.prank(p.account);
        market.acceptJob(job);
    }

    /// @dev `p` attests `output` for `job` and anyone relays it.
    function _submit(ProviderKey memory p, JobId id, Job memory job, bytes32 output) internal {
        bytes memory sig = _sign(p.signerKey, id, job, output, p.account);
        market.submitResult(job, output, sig);
    }

    /// @dev A submitted job of `p`, disputed by `challenger`.
    function _disputed(ProviderKey memory p) internal returns (JobId id, Job memory job) {
        (id, job) = _submitted(p, OUT);
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    function _rule(Job memory job, Outcome outcome) internal {
        vm.prank(arbitrator);
        verifier.rule(job, outcome, 0, "reason");
    }

    /// @dev Proves fraud on a fresh job of `p` (dispute upheld) so that `p` is jailed; returns the jail end.
    function _jailByFraud(ProviderKey memory p) internal returns (uint256 until) {
        (, Job memory job) = _disputed(p);
        _rule(job, Outcome.Upheld);
        until = market.provider(p.account).jailedUntil;
        assertEq(until, block.timestamp + 30 days, "jailed for fraud");
    }

    /// @dev A job request for an arbitrary model/token/price, built outside any prank.
    function _requestWith(address provider_, address token_, uint96 price, ModelId model_)
        internal
        returns (JobRequest memory r)
    {
        r = _request(provider_, price);
        r.token = token_;
        r.model = model_;
    }

    function _createFrom(address who, JobRequest memory r) internal returns (JobId id, Job memory job) {
        vm.prank(who);
        (id, job) = market.createJob(r, "");
    }

    /// @dev The Job that `createJob(r)` called by `who` now would produce.
    function _expectedJob(address who, JobRequest memory r) internal view returns (Job memory job) {
        (Params memory current, uint32 version) = market.params();
        uint256 rate = market.paymentToken(r.token).stakeRate;
        job = Job({
            client: who,
            provider: r.provider,
            token: r.token,
            price: r.price,
            collateral: uint96(uint256(r.price) * current.collateralRatioBps * rate / (1e4 * 1e18)),
            model: r.model,
            inputHash: r.inputHash,
            deadline: r.deadline,
            paramsVersion: version,
            nonce: r.nonce
        });
    }

    // ------------------------------------------------------------------ registry and tokens

    function _registerModel(string memory seed, Determinism determinism) internal returns (ModelId) {
        return market.registerModel(keccak256(bytes(seed)), keccak256("runtime"), determinism, "ipfs://m");
    }

    /// @dev A plain 18-decimals ERC-20 allow-listed with the given stake rate and bond floor.
    function _allowedToken(string memory name, uint128 stakeRate, uint96 bondFloor) internal returns (MockERC20 t) {
        t = new MockERC20(name, name, 18);
        market.configurePaymentToken(address(t), true, bondFloor, stakeRate);
    }

    function _pause() internal {
        vm.prank(guardian);
        market.pause();
    }

    // ------------------------------------------------------------------ signatures

    function _vrs(uint256 key, bytes32 digest) internal pure returns (uint8 v, bytes32 r, bytes32 s) {
        (v, r, s) = vm.sign(key, digest);
    }

    function _digest(JobId id, Job memory job, bytes32 output, address provider_) internal view returns (bytes32) {
        return market.attestationDigest(id, job.model, job.inputHash, output, provider_);
    }

    /// @dev What the market will recover from `sig` for `output` of `job` by `provider_` (on this chain, this market).
    function _recovered(JobId id, Job memory job, bytes32 output, address provider_, bytes memory sig)
        internal
        view
        returns (address)
    {
        (bytes32 r, bytes32 s, uint8 v) = _split(sig);
        return ecrecover(_digest(id, job, output, provider_), v, r, s);
    }

    function _split(bytes memory sig) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(sig, 0x20))
            s := mload(add(sig, 0x40))
            v := byte(0, mload(add(sig, 0x60)))
        }
    }

    // ------------------------------------------------------------------ assertions

    function _assertStatus(JobId id, JobStatus expected, string memory message) internal view {
        assertEq(uint256(market.jobState(id).status), uint256(expected), message);
    }

    function _assertProvider(address who, uint256 staked, uint256 locked, uint256 thawing) internal view {
        ProviderInfo memory info = market.provider(who);
        assertEq(info.staked, staked, "staked");
        assertEq(info.locked, locked, "locked");
        assertEq(info.thawing, thawing, "thawing");
    }
}
