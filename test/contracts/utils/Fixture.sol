// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {JobMarket} from "../../../contracts/core/JobMarket.sol";
import {JobMarketDisputes} from "../../../contracts/core/JobMarketDisputes.sol";
import {JobMarketExtension} from "../../../contracts/core/JobMarketExtension.sol";
import {DepinferToken} from "../../../contracts/governance/DepinferToken.sol";
import {Roles} from "../../../contracts/governance/Roles.sol";
import {IJobMarket, IJobMarketExtension, IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {SigUtils} from "./SigUtils.sol";
import {Test} from "./Test.sol";

/// @notice Deploys the protocol as production does (immutable market, extension, AccessManager roles) with
///         this test contract standing in for the Timelock, plus helpers to drive jobs.
abstract contract Fixture is Test, IJobMarketTypes {
    AccessManager internal manager;
    DepinferToken internal token; // the stake token
    MockUSDC internal usdc; //       the payment token (6 decimals, blocklist)
    IJobMarket internal market;
    ArbitratedVerifier internal verifier;
    ModelId internal modelId;

    address internal treasury = makeAddr("treasury");
    address internal guardian = makeAddr("guardian");
    address internal arbitrator = makeAddr("arbitrator");
    address internal client = makeAddr("client");
    address internal challenger = makeAddr("challenger");

    uint256 internal constant USDC = 1e6;
    uint256 internal constant TOKEN = 1e18;
    /// @dev 1 USDC unit of price backs 1e12 stake-token units (1 USDC ~ 1 token), scaled by 1e18.
    uint128 internal constant STAKE_RATE = 1e30;
    uint96 internal constant BOND_FLOOR = uint96(1 * USDC);
    uint96 internal constant MIN_STAKE = uint96(100 * TOKEN);
    uint96 internal constant PRICE = uint96(2 * USDC);

    uint256 internal nonce;

    struct ProviderKey {
        address account;
        uint256 signerKey;
        address signer;
    }

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        manager = new AccessManager(address(this));
        token = new DepinferToken("Depinfer", "DPI", address(this), 1e9 * TOKEN);
        usdc = new MockUSDC();
        market = _deployMarket(address(manager), address(token));
        verifier = new ArbitratedVerifier(address(manager), market);

        bytes4[] memory pauseSel = new bytes4[](1);
        pauseSel[0] = IJobMarketExtension.pause.selector;
        manager.setTargetFunctionRole(address(market), pauseSel, Roles.GUARDIAN);
        manager.grantRole(Roles.GUARDIAN, guardian, 0);
        // The arbitrator rules and withdraws the module's arbitration fees (docs: wire claimFees where rule is).
        bytes4[] memory ruleSel = new bytes4[](2);
        ruleSel[0] = ArbitratedVerifier.rule.selector;
        ruleSel[1] = ArbitratedVerifier.claimFees.selector;
        manager.setTargetFunctionRole(address(verifier), ruleSel, Roles.ARBITRATOR);
        manager.grantRole(Roles.ARBITRATOR, arbitrator, 0);

        market.configurePaymentToken(address(usdc), true, BOND_FLOOR, STAKE_RATE);
        market.setModule(address(verifier), true);
        market.setVerifier(Determinism.EXACT, address(verifier));
        market.setVerifier(Determinism.TOLERANT, address(verifier));
        market.setVerifier(Determinism.NONE, address(verifier));
        modelId = market.registerModel(keccak256("weights"), keccak256("runtime"), Determinism.EXACT, "ipfs://model");

        _fundClient(client, 1_000_000 * USDC);
        _fundClient(challenger, 1_000_000 * USDC);
    }

    function _deployMarket(address authority, address stakeToken) internal returns (IJobMarket) {
        JobMarketExtension ext = new JobMarketExtension(address(new JobMarketDisputes()));
        return IJobMarket(address(new JobMarket(authority, stakeToken, treasury, MIN_STAKE, address(ext))));
    }

    function _fundClient(address who, uint256 amount) internal {
        usdc.mint(who, amount);
        vm.prank(who);
        usdc.approve(address(market), type(uint256).max);
    }

    /// @dev A registered provider with `stakeAmount` staked and an active offer for `modelId` at PRICE.
    function _provider(string memory name, uint256 stakeAmount) internal returns (ProviderKey memory p) {
        p.account = makeAddr(name);
        p.signerKey = uint256(keccak256(abi.encode(name, "signer")));
        p.signer = vm.addr(p.signerKey);
        token.transfer(p.account, stakeAmount);
        vm.startPrank(p.account);
        market.registerProvider(p.signer, "https://provider.example");
        token.approve(address(market), type(uint256).max);
        if (stakeAmount != 0) market.stake(stakeAmount);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        vm.stopPrank();
    }

    function _request(address provider_, uint96 price) internal returns (JobRequest memory r) {
        r = JobRequest({
            provider: provider_,
            token: address(usdc),
            price: price,
            model: modelId,
            inputHash: sha256(abi.encode("input", nonce)),
            deadline: uint40(block.timestamp + 1 hours),
            nonce: uint64(++nonce)
        });
    }

    function _create(address provider_, uint96 price) internal returns (JobId id, Job memory job) {
        JobRequest memory r = _request(provider_, price); // built first: sha256 is a call and would eat the prank
        vm.prank(client);
        (id, job) = market.createJob(r, "");
    }

    function _sign(uint256 key, JobId id, Job memory job, bytes32 output, address provider_)
        internal
        view
        returns (bytes memory)
    {
        bytes32 digest = market.attestationDigest(id, job.model, job.inputHash, output, provider_);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev `ResultSubmitted`'s `r` and `vs` (EIP-2098 compact form) of a 65-byte signature.
    function _r(bytes memory sig) internal pure returns (bytes32 r) {
        (r,) = SigUtils.compact(sig);
    }

    function _vs(bytes memory sig) internal pure returns (bytes32 vs) {
        (, vs) = SigUtils.compact(sig);
    }

    /// @dev Creates a direct job for `p`, which accepts and submits `output`.
    function _submitted(ProviderKey memory p, bytes32 output) internal returns (JobId id, Job memory job) {
        (id, job) = _create(p.account, PRICE);
        vm.prank(p.account);
        market.acceptJob(job);
        market.submitResult(job, output, _sign(p.signerKey, id, job, output, p.account));
    }

    function _status(JobId id) internal view returns (JobStatus) {
        return market.jobState(id).status;
    }
}
