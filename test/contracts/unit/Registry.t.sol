// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobMarket} from "../../../contracts/core/JobMarket.sol";
import {JobMarketDisputes} from "../../../contracts/core/JobMarketDisputes.sol";
import {JobMarketExtension} from "../../../contracts/core/JobMarketExtension.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the model and provider registry, offers, the read-only views, and the
///         refusal of direct calls by the extension and the disputes code.
/// @dev Error checklist (error -> test):
///  ModelAlreadyRegistered        -> test_registerModel_revertsWhenAlreadyRegistered
///  ZeroAddress                   -> test_registerProvider_revertsForZeroSigner, test_updateProvider_revertsForZeroSigner
///  ProviderAlreadyRegistered     -> test_registerProvider_revertsWhenAlreadyRegistered
///  ProviderSignerReused          -> test_updateProvider_revertsForReusedKey
///  ProviderSignerRotationsExhausted -> test_updateProvider_revertsAfterMaxRotations
///                                   (the old rotation rate limit, ProviderSignerRotationTooSoon, is gone:
///                                   test_updateProvider_rotatesAgainAtOnce)
///  ProviderNotRegistered         -> test_updateProvider_revertsForUnregistered, test_setOffer_revertsForUnregistered,
///                                   test_setOffersPaused_revertsForUnregistered
///  ModelNotRegistered            -> test_setOffer_revertsForUnregisteredModel
///  PaymentTokenNotAllowed        -> test_setOffer_revertsForTokenNotAllowed
///  AmountZero                    -> test_setOffer_revertsForZeroPrice
///  JobMarketExtensionDirectCall  -> test_extension_revertsDirectCalls
///  JobMarketDisputesDirectCall   -> test_extension_revertsDirectCalls
contract RegistryTest is UnitFixture {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 jobId,bytes32 model,bytes32 inputHash,bytes32 outputHash,address provider)"
    );

    // ================================================================== models

    function test_registerModel_derivesIdFromCommitment() public {
        bytes32 w = keccak256("llama weights");
        bytes32 rt = keccak256("vllm@sha256:abc");
        ModelId expected = ModelId.wrap(keccak256(abi.encode(w, rt, Determinism.TOLERANT)));

        vm.expectEmit(address(market));
        emit ModelRegistered(expected, stranger, w, rt, Determinism.TOLERANT, "ipfs://llama");
        vm.prank(stranger);
        ModelId id = market.registerModel(w, rt, Determinism.TOLERANT, "ipfs://llama");

        assertEq(ModelId.unwrap(id), ModelId.unwrap(expected), "id = hash(weights, runtime, determinism)");
        Model memory m = market.model(id);
        assertEq(m.registered, true, "registered");
        assertEq(uint256(m.determinism), uint256(Determinism.TOLERANT), "determinism");
        assertEq(m.registrant, stranger, "registrant");
    }

    function test_registerModel_revertsWhenAlreadyRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ModelAlreadyRegistered.selector, modelId));
        vm.prank(stranger);
        market.registerModel(keccak256("weights"), keccak256("runtime"), Determinism.EXACT, "other uri");
    }

    function test_registerModel_otherDeterminismIsAnotherModel() public {
        ModelId tolerant =
            market.registerModel(keccak256("weights"), keccak256("runtime"), Determinism.TOLERANT, "ipfs://model");
        assertFalse(ModelId.unwrap(tolerant) == ModelId.unwrap(modelId), "distinct ids");
        assertEq(uint256(market.model(modelId).determinism), uint256(Determinism.EXACT), "original untouched");
    }

    // ================================================================== providers

    function test_registerProvider_storesSignerAndEmits() public {
        address signer = makeAddr("bob signer");
        vm.expectEmit(address(market));
        emit ProviderRegistered(stranger, signer, "https://bob");
        vm.prank(stranger);
        market.registerProvider(signer, "https://bob");

        ProviderInfo memory info = market.provider(stranger);
        assertEq(info.registered, true, "registered");
        assertEq(info.signer, signer, "signer");
        assertEq(info.staked, 0, "no stake");
        assertEq(info.signerEpoch, 0, "epoch 0");
        assertEq(market.signerKeyEpoch(stranger, signer), 1, "the first key is of epoch 0 (plus one)");
        assertEq(market.signerKeyEpoch(stranger, makeAddr("never")), 0, "other keys never served");
    }

    function test_registerProvider_revertsForZeroSigner() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(stranger);
        market.registerProvider(address(0), "");
    }

    function test_registerProvider_revertsWhenAlreadyRegistered() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderAlreadyRegistered.selector, alice.account));
        vm.prank(alice.account);
        market.registerProvider(makeAddr("other signer"), "");
    }

    function test_updateProvider_rotatesSigner() public {
        vm.warp(block.timestamp + 3 days);
        address newSigner = makeAddr("alice signer 2");
        vm.expectEmit(address(market));
        emit ProviderUpdated(alice.account, newSigner, "https://alice.v2");
        vm.prank(alice.account);
        market.updateProvider(newSigner, "https://alice.v2");

        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.signer, newSigner, "new signer");
        assertEq(info.signerEpoch, 1, "epoch 1");
        assertEq(market.signerKeyEpoch(alice.account, newSigner), 2, "new key: epoch 1 (plus one)");
        assertEq(market.signerKeyEpoch(alice.account, alice.signer), 1, "old key keeps epoch 0: evidence for older jobs");
        assertEq(info.staked, STAKE, "stake untouched");
    }

    /// @dev The rotation rate limit (one rotation per thawingPeriod) is gone: epochs, not time, decide
    ///      which jobs a key is evidence for, so a second rotation at once erases nothing.
    function test_updateProvider_rotatesAgainAtOnce() public {
        address k2 = makeAddr("alice signer 2");
        address k3 = makeAddr("alice signer 3");
        vm.startPrank(alice.account);
        market.updateProvider(k2, "");
        market.updateProvider(k3, ""); // same block
        vm.stopPrank();
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.signer, k3, "signer");
        assertEq(info.signerEpoch, 2, "two rotations");
        assertEq(market.signerKeyEpoch(alice.account, alice.signer), 1, "K1: epoch 0");
        assertEq(market.signerKeyEpoch(alice.account, k2), 2, "K2: epoch 1");
        assertEq(market.signerKeyEpoch(alice.account, k3), 3, "K3: epoch 2");
    }

    /// @dev A key's epoch fixes which jobs it is evidence for; serving again would move it, so a key
    ///      that ever served this provider never serves it again, however much later.
    function test_updateProvider_revertsForReusedKey() public {
        address k2 = makeAddr("alice signer 2");
        address k3 = makeAddr("alice signer 3");
        vm.startPrank(alice.account);
        market.updateProvider(k2, "");
        vm.expectRevert(abi.encodeWithSelector(ProviderSignerReused.selector, alice.account, alice.signer));
        market.updateProvider(alice.signer, ""); // back to the first key
        market.updateProvider(k3, "");
        vm.warp(block.timestamp + 365 days);
        vm.expectRevert(abi.encodeWithSelector(ProviderSignerReused.selector, alice.account, k2));
        market.updateProvider(k2, "");
        vm.stopPrank();
        assertEq(market.provider(alice.account).signer, k3, "unchanged");
        assertEq(market.provider(alice.account).signerEpoch, 2, "no epoch spent on a refused key");
        assertEq(market.signerKeyEpoch(alice.account, k2), 2, "K2 keeps its epoch");
    }

    /// @dev Epochs are a uint8 (plus one in signerKeyEpoch): the 254th rotation is the last.
    function test_updateProvider_revertsAfterMaxRotations() public {
        vm.startPrank(alice.account);
        for (uint256 i = 1; i <= 254; ++i) {
            market.updateProvider(vm.addr(uint256(keccak256(abi.encode("alice key", i)))), "");
        }
        address last = vm.addr(uint256(keccak256(abi.encode("alice key", uint256(254)))));
        assertEq(market.provider(alice.account).signerEpoch, 254, "254 rotations");
        assertEq(market.signerKeyEpoch(alice.account, last), 255, "last key: epoch 254 (plus one)");

        address next = vm.addr(uint256(keccak256(abi.encode("alice key", uint256(255)))));
        vm.expectRevert(abi.encodeWithSelector(ProviderSignerRotationsExhausted.selector, alice.account, uint256(254)));
        market.updateProvider(next, "");
        market.updateProvider(last, "https://alice.v2"); // metadata with the current key still updates
        vm.stopPrank();
        assertEq(market.provider(alice.account).signer, last, "still the last key");
    }

    /// @dev Sending the current key again is a metadata update, not a reuse.
    function test_updateProvider_resendingCurrentKeyIsNotReuse() public {
        address k2 = makeAddr("alice signer 2");
        vm.startPrank(alice.account);
        market.updateProvider(k2, "v2");
        market.updateProvider(k2, "v3"); // same key: no rotation
        vm.stopPrank();
        assertEq(market.provider(alice.account).signer, k2, "signer");
        assertEq(market.provider(alice.account).signerEpoch, 1, "one rotation only");
    }

    function test_updateProvider_sameSignerDoesNotRotate() public {
        vm.expectEmit(address(market));
        emit ProviderUpdated(alice.account, alice.signer, "https://alice.v2");
        vm.prank(alice.account);
        market.updateProvider(alice.signer, "https://alice.v2");
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.signer, alice.signer, "same signer");
        assertEq(info.signerEpoch, 0, "no rotation recorded");
        assertEq(market.signerKeyEpoch(alice.account, alice.signer), 1, "still epoch 0");
    }

    function test_updateProvider_revertsForUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.updateProvider(makeAddr("s"), "");
    }

    function test_updateProvider_revertsForZeroSigner() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(alice.account);
        market.updateProvider(address(0), "");
    }

    // ================================================================== offers

    function test_setOffer_storesAndEmits() public {
        ModelId m2 = _registerModel("second", Determinism.EXACT);
        vm.expectEmit(address(market));
        emit OfferSet(alice.account, m2, address(usdc), uint96(3 * USDC), 120, true);
        vm.prank(alice.account);
        market.setOffer(m2, address(usdc), uint96(3 * USDC), 120, true);

        Offer memory o = market.offer(alice.account, m2);
        assertEq(o.token, address(usdc), "token");
        assertEq(o.price, 3 * USDC, "price");
        assertEq(o.maxLatency, 120, "latency");
        assertEq(o.active, true, "active");
    }

    function test_setOffer_deactivatesWithoutTokenOrPrice() public {
        vm.prank(alice.account);
        market.setOffer(modelId, address(0), 0, 0, false);
        Offer memory o = market.offer(alice.account, modelId);
        assertEq(o.active, false, "inactive");
        assertEq(o.price, 0, "price cleared");
    }

    function test_setOffer_revertsForUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
    }

    function test_setOffer_revertsForUnregisteredModel() public {
        ModelId unknown = ModelId.wrap(keccak256("nope"));
        vm.expectRevert(abi.encodeWithSelector(ModelNotRegistered.selector, unknown));
        vm.prank(alice.account);
        market.setOffer(unknown, address(usdc), PRICE, 60, true);
    }

    function test_setOffer_revertsForTokenNotAllowed() public {
        MockERC20 dai = new MockERC20("DAI", "DAI", 18);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenNotAllowed.selector, address(dai)));
        vm.prank(alice.account);
        market.setOffer(modelId, address(dai), PRICE, 60, true);
    }

    function test_setOffer_revertsForZeroPrice() public {
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(alice.account);
        market.setOffer(modelId, address(usdc), 0, 60, true);
    }

    function test_setOffersPaused_togglesAndEmits() public {
        vm.expectEmit(address(market));
        emit OffersPaused(alice.account, true);
        vm.prank(alice.account);
        market.setOffersPaused(true);
        assertEq(market.provider(alice.account).offersPaused, true, "paused");

        vm.expectEmit(address(market));
        emit OffersPaused(alice.account, false);
        vm.prank(alice.account);
        market.setOffersPaused(false);
        assertEq(market.provider(alice.account).offersPaused, false, "resumed");
    }

    function test_setOffersPaused_revertsForUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.setOffersPaused(true);
    }

    // ================================================================== the extension is only reachable through the market

    function test_extension_revertsDirectCalls() public {
        JobMarketExtension ext = JobMarketExtension(JobMarket(address(market)).extension());
        bytes memory err = abi.encodeWithSelector(JobMarketExtension.JobMarketExtensionDirectCall.selector);

        vm.expectRevert(err);
        ext.registerModel(keccak256("w2"), keccak256("r2"), Determinism.EXACT, "");
        vm.expectRevert(err);
        vm.prank(stranger);
        ext.registerProvider(stranger, "");
        vm.expectRevert(err);
        ext.claim(address(usdc), stranger);
        (, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(err); // a disputes selector reaches the extension's fallback, which refuses too
        IJobMarket(address(ext)).cancelDispute(job);
        JobMarketDisputes disputes = JobMarketDisputes(ext.disputes());
        vm.expectRevert(abi.encodeWithSelector(JobMarketDisputes.JobMarketDisputesDirectCall.selector));
        disputes.cancelDispute(job);
        vm.expectRevert(abi.encodeWithSelector(JobMarketDisputes.JobMarketDisputesDirectCall.selector));
        disputes.reportEquivocation(job, OUT, "", OUT_B, "");
        vm.expectRevert(err);
        ext.setParams(
            Params({
                challengeWindow: 4 hours,
                disputeResolutionPeriod: 7 days,
                collateralRatioBps: 100_000,
                protocolFeeBps: 100,
                challengerShareBps: 5_000,
                livenessSlashBps: 10_000,
                bondRatioBps: 50_000,
                disputeFeeBps: 3_000,
                verificationFeeBps: 260
            })
        );
    }

    // ================================================================== views

    function test_views_defaults() public view {
        (Params memory p, uint32 version) = market.params();
        assertEq(version, 1, "version");
        assertEq(p.challengeWindow, WINDOW, "window");
        assertEq(p.disputeResolutionPeriod, RESOLUTION, "resolution");
        assertEq(p.collateralRatioBps, 100_000, "10x");
        assertEq(p.protocolFeeBps, 100, "1 %");
        assertEq(p.challengerShareBps, 5_000, "50 %");
        assertEq(p.livenessSlashBps, 10_000, "1x");
        assertEq(p.bondRatioBps, 50_000, "5x");
        assertEq(p.disputeFeeBps, 3_000, "30 %");
        assertEq(p.verificationFeeBps, 260, "2.6 %");
        assertEq(market.paramsAt(1).challengeWindow, WINDOW, "snapshot 1");
        (address stakeToken, address treasury_, uint32 thawing, uint96 minStake, bool paused) = market.settings();
        assertEq(stakeToken, address(token), "stake token");
        assertEq(treasury_, treasury, "treasury");
        assertEq(thawing, THAWING, "thawing");
        assertEq(minStake, MIN_STAKE, "min stake");
        assertEq(paused, false, "not paused");
        TokenConfig memory t = market.paymentToken(address(usdc));
        assertEq(t.allowed, true, "usdc allowed");
        assertEq(t.bondFloor, BOND_FLOOR, "floor");
        assertEq(t.stakeRate, STAKE_RATE, "rate");
        assertEq(market.verifierOf(Determinism.EXACT), address(verifier), "exact verifier");
        assertEq(market.verifierOf(Determinism.NONE), address(verifier), "none: arbitrated too");
        assertEq(market.isModule(address(verifier)), true, "the verifier is a module");
        assertEq(market.isModule(stranger), false, "nobody else is");
    }

    function test_eip712Domain_describesMarket() public view {
        (
            bytes1 fields,
            string memory name,
            string memory version,
            uint256 chainId,
            address verifyingContract,
            bytes32 salt,
            uint256[] memory extensions
        ) = market.eip712Domain();
        assertEq(uint256(uint8(fields)), 0x0f, "name, version, chainId, verifyingContract");
        assertEq(keccak256(bytes(name)), keccak256("Depinfer"), "name");
        assertEq(keccak256(bytes(version)), keccak256("1"), "version");
        assertEq(chainId, block.chainid, "chain");
        assertEq(verifyingContract, address(market), "the proxy");
        assertEq(salt, bytes32(0), "no salt");
        assertEq(extensions.length, 0, "no extensions");
    }

    function test_attestationDigest_isEip712() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Depinfer"), keccak256("1"), block.chainid, address(market))
        );
        assertEq(market.domainSeparator(), domain, "domain separator");
        bytes32 structHash =
            keccak256(abi.encode(ATTESTATION_TYPEHASH, id, job.model, job.inputHash, OUT, alice.account));
        bytes32 expected = keccak256(abi.encodePacked(hex"1901", domain, structHash));
        assertEq(market.attestationDigest(id, job.model, job.inputHash, OUT, alice.account), expected, "digest");
    }

    function test_jobIdOf_isHashOfTerms() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        assertEq(JobId.unwrap(market.jobIdOf(job)), keccak256(abi.encode(job)), "keccak256(abi.encode(job))");
        assertEq(JobId.unwrap(market.jobIdOf(job)), JobId.unwrap(id), "= createJob's id");
        job.nonce += 1;
        assertFalse(JobId.unwrap(market.jobIdOf(job)) == JobId.unwrap(id), "any term changes the id");
    }
}
