// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IJobMarketCore} from "../interfaces/IJobMarket.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {AttestationLib} from "../libraries/AttestationLib.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobMarketBase} from "./JobMarketBase.sol";
import {JobId} from "../types/Ids.sol";

/// @title Depinfer job market
/// @notice Holds provider stake, client escrow and everyone's claimable balances; runs staking and
///         the job state machine; slashes. Verification itself lives in `IVerifier` modules.
///         The full ABI is `IJobMarket`: this contract serves the job lifecycle (`IJobMarketCore`)
///         and forwards every other selector to `JobMarketExtension` by `delegatecall`.
/// @dev A job's immutable terms are not stored: its id is their hash, and every call passes them
///      back (as Seaport does with orders). Only a one-slot `JobState` is stored per job. This,
///      and keeping staking in the same contract, is what keeps a full job cycle near the gas of a
///      bare escrow. Not upgradeable and behind no proxy (docs/protocol.md 1.4 and 12.6): the job
///      cycle and staking are this code for good, and the address that holds the funds is this
///      contract's. Everything else (registry, balances, governance setters, views, disputes, the
///      module boundary) is the extension's, which governance swaps with `setExtension`. Governed
///      through an OpenZeppelin AccessManager whose admin is the Timelock. State is in one ERC-7201
///      namespace (see `JobMarketBase`), shared with the extension.
/// @custom:security-contact security@depinfer.xyz
contract JobMarket is JobMarketBase, IJobMarketCore {
    using SafeERC20 for IERC20;

    /// @notice Deploys and initializes the market with the protocol's default parameters
    ///         (docs/protocol.md, section 5), once: there is no initializer to call, or front-run, later.
    /// @param authority The AccessManager that decides who may call restricted functions.
    /// @param stakeToken_ The protocol token used for stake, collateral and slashes.
    /// @param treasury_ Where fees and slash remainders go.
    /// @param minStake_ The minimum stake to accept jobs.
    /// @param extension_ The code that serves every selector this contract does not (`setExtension`).
    /// @dev Reverts with `ZeroAddress` or `JobMarketExtensionInvalid`.
    constructor(address authority, address stakeToken_, address treasury_, uint96 minStake_, address extension_)
        initializer
    {
        require(authority != address(0) && stakeToken_ != address(0) && treasury_ != address(0), ZeroAddress());
        __AccessManaged_init(authority);
        JobMarketStorage storage $ = _s();
        $.stakeToken = stakeToken_;
        $.treasury = treasury_;
        _setParams(
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
            }),
            14 days
        );
        _setThawingPeriod(14 days);
        _setMinStake(minStake_);
        _setExtension($, extension_);
    }

    // ================================================================== the extension

    /// @inheritdoc IJobMarketCore
    function extension() external view returns (address) {
        return _s().extension;
    }

    /// @inheritdoc IJobMarketCore
    function setExtension(address extension_) external restricted {
        _setExtension(_s(), extension_);
    }

    /// @dev A contract other than this one: an address without code would make every periphery call
    ///      succeed with empty return data, and this contract would forward to itself until out of gas.
    function _setExtension(JobMarketStorage storage $, address extension_) private {
        require(
            extension_.code.length != 0 && extension_ != address(this), JobMarketExtensionInvalid(extension_)
        );
        address previous = $.extension;
        $.extension = extension_;
        emit ExtensionUpdated(previous, extension_);
    }

    // ================================================================== staking

    /// @inheritdoc IJobMarketCore
    function stake(uint256 amount) external whenNotPaused nonReentrant {
        require(amount != 0, AmountZero());
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = _registered(msg.sender);
        uint256 room = type(uint96).max - uint256(p.staked) - p.thawing;
        require(amount <= room, AmountTooLarge(amount, room));
        _pullExact($.stakeToken, msg.sender, amount);
        p.staked += uint96(amount);
        emit Staked(msg.sender, amount);
    }

    /// @inheritdoc IJobMarketCore
    function requestUnstake(uint256 amount) external {
        require(amount != 0, AmountZero());
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = $.providers[msg.sender];
        uint256 free = p.staked - p.locked;
        // Slash debt is owed before anything leaves: it is paid from free stake first.
        if (p.slashDebt != 0) free -= _paySlashDebt($, p, msg.sender, free);
        require(amount <= free, StakeInsufficientFree(msg.sender, amount, free));
        uint8 tail = p.thawTail;
        unchecked {
            require(uint8(tail - p.thawHead) < MAX_THAW_REQUESTS, StakeThawQueueFull(msg.sender, MAX_THAW_REQUESTS));
        }
        uint256 readyAt = block.timestamp + $.thawingPeriod;
        $.thaws[msg.sender][tail] = ThawRequest({amount: uint96(amount), readyAt: uint40(readyAt)});
        unchecked {
            p.thawTail = tail + 1;
            p.staked -= uint96(amount);
            p.thawing += uint96(amount);
        }
        emit UnstakeRequested(msg.sender, amount, readyAt);
    }

    /// @inheritdoc IJobMarketCore
    function withdrawStake() external nonReentrant returns (uint256 amount) {
        JobMarketStorage storage $ = _s();
        ProviderInfo storage p = $.providers[msg.sender];
        mapping(uint8 => ThawRequest) storage q = $.thaws[msg.sender];
        uint8 start = p.thawHead;
        uint8 head = start;
        uint8 tail = p.thawTail;
        while (head != tail && q[head].readyAt <= block.timestamp) {
            amount += q[head].amount;
            delete q[head];
            unchecked {
                ++head;
            }
        }
        // Matured requests emptied by a slash still leave the queue, so it can never clog.
        require(head != start, StakeNothingToWithdraw(msg.sender, head == tail ? 0 : q[head].readyAt));
        p.thawHead = head;
        if (amount == 0) return 0;
        p.thawing -= uint96(amount);
        IERC20($.stakeToken).safeTransfer(msg.sender, amount);
        emit StakeWithdrawn(msg.sender, amount);
    }

    // ================================================================== jobs: creation

    /// @inheritdoc IJobMarketCore
    function createJob(JobRequest calldata request, bytes calldata input)
        external
        nonReentrant
        returns (JobId jobId, Job memory job)
    {
        (jobId, job) = _create(request, input);
        _pullExact(job.token, msg.sender, job.price);
    }

    /// @inheritdoc IJobMarketCore
    function createJobWithPermit(
        JobRequest calldata request,
        bytes calldata input,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant returns (JobId jobId, Job memory job) {
        // Validated first, so an unlisted token is refused by name before it is ever called.
        (jobId, job) = _create(request, input);
        // A failed permit (already used, front-run, unsupported) is ignored: the transfer below
        // then succeeds only with an existing allowance, so nothing is lost either way.
        try IERC20Permit(request.token).permit(msg.sender, address(this), request.price, permitDeadline, v, r, s) {}
            catch {}
        _pullExact(job.token, msg.sender, job.price);
    }

    /// @inheritdoc IJobMarketCore
    function createJobFromBalance(JobRequest calldata request, bytes calldata input)
        external
        returns (JobId jobId, Job memory job)
    {
        (jobId, job) = _create(request, input);
        _debit(msg.sender, job.token, job.price);
    }

    /// @dev Checks the pause flag, validates a request, snapshots the parameters, stores the job state
    ///      and emits. The caller escrows. The `Config` and `TokenConfig` slots are read once each, and
    ///      the job's terms are built once in memory, where they are hashed for the id, emitted and returned.
    function _create(JobRequest calldata request, bytes calldata input) private returns (JobId jobId, Job memory job) {
        uint256 config = _configWhenNotPaused();
        uint256 collateral;
        {
            TokenConfig storage t = _s().tokens[request.token];
            uint256 tokenWord;
            assembly ("memory-safe") {
                tokenWord := sload(t.slot) // allowed 0, bondFloor 8, stakeRate 104
            }
            require(uint8(tokenWord) != 0, PaymentTokenNotAllowed(request.token));
            // price < 2^96, ratio < 2^32, stake rate ≤ 1e36 < 2^120: no overflow; checked below.
            collateral = JobLib.collateralFor(request.price, uint32(config >> CONFIG_RATIO), uint128(tokenWord >> 104));
        }
        uint96 price = request.price;
        require(price != 0, AmountZero());
        uint40 deadline = request.deadline;
        require(deadline > block.timestamp, JobDeadlineInPast(deadline, block.timestamp));
        require(
            deadline <= block.timestamp + MAX_JOB_DURATION,
            JobDeadlineTooFar(deadline, block.timestamp + MAX_JOB_DURATION)
        );
        if (input.length != 0) {
            bytes32 computed = sha256(input);
            require(computed == request.inputHash, JobInputHashMismatch(request.inputHash, computed));
        }
        require(collateral != 0, AmountZero());
        require(collateral <= type(uint96).max, AmountTooLarge(collateral, type(uint96).max));
        address provider_ = request.provider;
        job = Job({
            client: msg.sender,
            provider: provider_,
            token: request.token,
            price: price,
            collateral: uint96(collateral),
            model: request.model,
            inputHash: request.inputHash,
            deadline: deadline,
            paramsVersion: uint32(config >> CONFIG_VERSION),
            nonce: request.nonce
        });
        jobId = JobLib.idMem(job);
        _storeNew(jobId, _createdWord(config, request));
        emit JobCreated(jobId, msg.sender, provider_, job);
        if (input.length != 0) emit JobInput(jobId, input);
    }

    /// @dev Stores a new job's state word; the id must be unused.
    function _storeNew(JobId jobId, uint256 created) private {
        (uint256 slot, uint256 word) = _stateOf(jobId);
        require(word == 0, JobAlreadyExists(jobId));
        _storeState(slot, created);
    }

    /// @dev A new job's state word: `Created`, with the challenge window (≤ MAX_CHALLENGE_WINDOW < 2^24)
    ///      and the protocol fee cached. The fee field's top bit (`FEE_VERIFIED`) marks a job whose model's
    ///      class pays the verification fee; the model is read only while some class does.
    function _createdWord(uint256 config, JobRequest calldata request) private view returns (uint256) {
        uint256 feeField = uint16(config >> CONFIG_FEE);
        if (uint8(config >> CONFIG_VFEE_CLASSES) != 0 && uint16(config >> CONFIG_VFEE) != 0) {
            Model storage m = _s().models[request.model];
            if (m.registered && (config >> (CONFIG_VFEE_CLASSES + uint8(m.determinism))) & 1 != 0) {
                feeField |= FEE_VERIFIED;
            }
        }
        return uint256(uint8(JobStatus.Created)) | (uint256(uint24(config)) << STATE_WINDOW) | (feeField << STATE_FEE);
    }

    // ================================================================== jobs: acceptance and results

    /// @inheritdoc IJobMarketCore
    function acceptJob(Job calldata job) external {
        uint256 config = _configWhenNotPaused();
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        (uint256 slot, uint256 word) = _stateOf(jobId);
        if (uint8(word) != uint8(JobStatus.Created)) _revertStatus(jobId, JobStatus(uint8(word)));
        require(block.timestamp <= job.deadline, JobDeadlinePassed(jobId, job.deadline, block.timestamp));
        address direct = job.provider;
        if (direct != address(0)) {
            require(direct == msg.sender, JobNotForProvider(jobId, msg.sender, direct));
        }
        // Standing first (registered, not jailed, stake), then, for an open job, the offer.
        uint256 epoch = _lockCollateral($, config, msg.sender, job.collateral);
        if (direct == address(0)) _checkOffer($, jobId, msg.sender, job);
        // Created → Accepted: status, provider, timestamp and signer epoch set; the snapshot kept.
        _storeState(
            slot,
            (word & STATE_SNAPSHOT) | uint256(uint8(JobStatus.Accepted)) | (uint256(uint160(msg.sender)) << STATE_PROVIDER)
                | (block.timestamp << STATE_TIMESTAMP) | (epoch << STATE_EPOCH)
        );
        emit JobAccepted(jobId, msg.sender);
    }

    /// @inheritdoc IJobMarketCore
    function submitResult(Job calldata job, bytes32 outputHash, bytes calldata signature) external {
        JobId jobId = JobLib.id(job);
        (uint256 slot, uint256 word) = _stateOf(jobId);
        if (uint8(word) != uint8(JobStatus.Accepted)) _revertStatus(jobId, JobStatus(uint8(word)));
        require(block.timestamp <= job.deadline, JobDeadlinePassed(jobId, job.deadline, block.timestamp));
        address provider_ = address(uint160(word >> STATE_PROVIDER));
        (bytes32 r, bytes32 vs) =
            _checkAttestation(jobId, job, outputHash, provider_, signature, _s().providers[provider_].signer);
        // Accepted → Submitted: status and timestamp set; provider, snapshot and epoch kept.
        _storeState(
            slot, (word & ~STATE_STATUS_AND_TIME) | uint256(uint8(JobStatus.Submitted)) | (block.timestamp << STATE_TIMESTAMP)
        );
        emit ResultSubmitted(jobId, provider_, outputHash, r, vs);
    }

    /// @inheritdoc IJobMarketCore
    function acceptAndSubmit(Job calldata job, bytes32 outputHash, bytes calldata signature) external {
        uint256 config = _configWhenNotPaused();
        JobMarketStorage storage $ = _s();
        JobId jobId = JobLib.id(job);
        (uint256 slot, uint256 word) = _stateOf(jobId);
        if (uint8(word) != uint8(JobStatus.Created)) _revertStatus(jobId, JobStatus(uint8(word)));
        address provider_ = job.provider;
        require(provider_ != address(0), JobNotDirect(jobId));
        require(block.timestamp <= job.deadline, JobDeadlinePassed(jobId, job.deadline, block.timestamp));
        uint256 epoch = _lockCollateral($, config, provider_, job.collateral);
        (bytes32 r, bytes32 vs) =
            _checkAttestation(jobId, job, outputHash, provider_, signature, $.providers[provider_].signer);
        // Created → Submitted: status, provider, timestamp and signer epoch set; the snapshot kept.
        _storeState(
            slot,
            (word & STATE_SNAPSHOT) | uint256(uint8(JobStatus.Submitted)) | (uint256(uint160(provider_)) << STATE_PROVIDER)
                | (block.timestamp << STATE_TIMESTAMP) | (epoch << STATE_EPOCH)
        );
        emit ResultSubmitted(jobId, provider_, outputHash, r, vs);
    }

    /// @inheritdoc IJobMarketCore
    /// @dev The provider's first slot is read once and its lock written once; the domain separator is
    ///      computed once; each job's state is read and written as one word, as in `finalizeJobs`.
    ///      Skips are decided before any write for that job, so a skipped job changes nothing.
    ///      `nonReentrant` although it makes no external call: a payment token's hook inside
    ///      `createJob` must not submit the job it is being paid for (one transient lock a batch).
    function acceptAndSubmitBatch(
        address provider_,
        Job[] calldata jobs,
        bytes32[] calldata outputHashes,
        bytes[] calldata signatures
    ) external nonReentrant returns (uint256 submitted) {
        uint256 config = _configWhenNotPaused();
        uint256 n = jobs.length;
        require(n != 0, BatchEmpty());
        require(n <= MAX_BATCH, BatchTooLarge(n, MAX_BATCH));
        require(
            outputHashes.length == n && signatures.length == n,
            BatchLengthMismatch(n, outputHashes.length, signatures.length)
        );
        ProviderInfo storage p = _s().providers[provider_];
        Batch memory b = _openBatch(p, config, provider_);
        for (uint256 i; i < n; ++i) {
            Job calldata job;
            assembly ("memory-safe") {
                job := add(jobs.offset, mul(i, 0x140)) // `jobs[i]` without re-checking i < n
            }
            if (_submitInBatch(b, job, outputHashes[i], signatures[i])) ++submitted;
        }
        // Every lock of the batch fit in `free`, so `locked + locking ≤ staked < 2^96`.
        if (b.locking != 0) p.locked += uint96(b.locking);
    }

    /// @dev Checks the batch provider's standing, which is the batch's, not a job's: it reverts the whole
    ///      batch, as it would every job in it. Reads what the loop needs once.
    function _openBatch(ProviderInfo storage p, uint256 config, address provider_) private view returns (Batch memory) {
        uint256 first;
        assembly ("memory-safe") {
            first := sload(p.slot)
        }
        (uint256 staked, uint256 locked) = _standingOf(first, config, provider_);
        return Batch({
            provider: provider_,
            signer: p.signer,
            epochBits: uint256(uint8(first >> PROVIDER_EPOCH)) << STATE_EPOCH,
            domain: AttestationLib.domainSeparator(address(this)),
            statesSlot: _jobsSlot(),
            free: staked - locked,
            locking: 0
        });
    }

    /// @dev What `acceptAndSubmitBatch` reads once and carries through its loop.
    struct Batch {
        address provider;
        address signer;
        uint256 epochBits; // the provider's signer epoch, shifted to `JobState.signerEpoch`'s bits
        bytes32 domain;
        uint256 statesSlot;
        uint256 free; // free stake left for the jobs not yet submitted
        uint256 locking; // collateral of the jobs submitted so far
    }

    /// @dev Submits one job of a batch, or skips it with `JobSubmitSkipped` and changes nothing.
    ///      The checks are `acceptAndSubmit`'s, in its order, with the standing already checked.
    function _submitInBatch(Batch memory b, Job calldata job, bytes32 outputHash, bytes calldata signature)
        private
        returns (bool)
    {
        (JobId jobId, uint256 slot, uint256 word) = _batchState(b.statesSlot, job);
        // Any status but `Created`, and also none: terms that match no job (for instance a job whose
        // creation a reorg removed) are skipped like a job taken since, so that one stale job never
        // reverts a provider's batch. A skip writes nothing, so an unknown job's slot stays empty.
        if (uint8(word) != uint8(JobStatus.Created)) return _skip(jobId, SubmitSkip.NotCreated);
        if (job.provider != b.provider) return _skip(jobId, SubmitSkip.NotForProvider); // open jobs too
        if (block.timestamp > job.deadline) return _skip(jobId, SubmitSkip.DeadlinePassed);
        bytes32 r;
        bytes32 vs;
        {
            bool attested;
            (attested, r, vs) = _attested(b, jobId, job, outputHash, signature);
            if (!attested) return _skip(jobId, SubmitSkip.BadSignature);
        }
        if (job.collateral > b.free) return _skip(jobId, SubmitSkip.StakeInsufficient);
        unchecked {
            b.free -= job.collateral; // just checked
            b.locking += job.collateral; // at most the provider's free stake, below 2^96
        }
        _storeState(slot, _submittedWord(word, b));
        emit ResultSubmitted(jobId, b.provider, outputHash, r, vs);
        return true;
    }

    /// @dev Created → Submitted in one word: status, provider, timestamp and signer epoch set by masking
    ///      every bit outside the cached window and fee (a `Created` job has none there, but the write
    ///      does not rely on it); the cached window and fee kept.
    function _submittedWord(uint256 word, Batch memory b) private view returns (uint256) {
        return (word & STATE_SNAPSHOT) | SUBMITTED | (uint256(uint160(b.provider)) << STATE_PROVIDER)
            | (block.timestamp << STATE_TIMESTAMP) | b.epochBits;
    }

    /// @dev A batch job's id (`JobLib.id`, inlined as in `finalizeJobs`), state slot and state word.
    function _batchState(uint256 statesSlot, Job calldata job) private view returns (JobId jobId, uint256 slot, uint256 word) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, job, 0x140)
            jobId := keccak256(ptr, 0x140)
            mstore(0, jobId)
            mstore(0x20, statesSlot)
            slot := keccak256(0, 0x40)
            word := sload(slot)
        }
    }

    /// @dev Reports a skipped batch job; returns false (not submitted).
    function _skip(JobId jobId, SubmitSkip reason) private returns (bool) {
        emit JobSubmitSkipped(jobId, reason);
        return false;
    }

    /// @dev Whether `signature` is a well-formed attestation of `outputHash` for the job by the
    ///      batch provider's current signer (`_checkAttestation`, as a boolean), and the signature in
    ///      compact form.
    function _attested(Batch memory b, JobId jobId, Job calldata job, bytes32 outputHash, bytes calldata signature)
        private
        pure
        returns (bool ok, bytes32 r, bytes32 vs)
    {
        bytes32 digest = AttestationLib.digestIn(b.domain, jobId, job.model, job.inputHash, outputHash, b.provider);
        address recovered;
        (recovered, ok, r, vs) = _recoverCompact(digest, signature);
        ok = ok && recovered == b.signer;
    }

    /// @dev `uint8(JobStatus.Submitted)`, as a literal for the one-word write.
    uint256 private constant SUBMITTED = 3;

    // ================================================================== jobs: settlement

    /// @inheritdoc IJobMarketCore
    /// @dev `finalizeJobs`'s per-job step without the batch's run bookkeeping: the job's state, the
    ///      provider's balance and its first stake slot are each read and written once.
    function finalizeJob(Job calldata job) external {
        JobId jobId = JobLib.id(job);
        (uint256 slot, uint256 word) = _stateOf(jobId);
        if (uint8(word) != uint8(JobStatus.Submitted)) _revertStatus(jobId, JobStatus(uint8(word)));
        // The id matched a stored job, so these bytes are its clean terms.
        (address client, address token, uint256 price, uint256 collateral) = JobLib.settlementTerms(job);
        if (msg.sender != client) {
            uint256 endsAt;
            unchecked {
                endsAt = uint256(uint40(word >> STATE_TIMESTAMP)) + uint24(word >> STATE_WINDOW);
            }
            require(block.timestamp > endsAt, JobChallengeWindowOpen(jobId, endsAt, block.timestamp));
        }
        // Submitted → Finalized: status and timestamp set; provider, snapshot and epoch kept (a
        // post-settlement equivocation report still needs them).
        _storeState(slot, (word & ~STATE_STATUS_AND_TIME) | FINALIZED | (block.timestamp << STATE_TIMESTAMP));
        address provider_ = address(uint160(word >> STATE_PROVIDER));
        uint256 feeField = uint16(word >> STATE_FEE);
        uint256 fee;
        unchecked {
            fee = price * (feeField & FEE_BPS_MASK) / JobLib.BPS; // price < 2^96, fee ≤ 10 % of it
        }
        JobMarketStorage storage $ = _s();
        uint256 vfee = (feeField & FEE_VERIFIED) == 0 ? 0 : _verificationFee($, job.paramsVersion, price);
        unchecked {
            // Both fees are at most 10 % of the price (MAX_PROTOCOL_FEE_BPS, MAX_VERIFICATION_FEE_BPS).
            _creditEarnings($, provider_, token, price - fee - vfee, fee, vfee);
        }
        _unlock($, provider_, collateral);
        emit JobFinalized(jobId, provider_);
    }

    /// @inheritdoc IJobMarketCore
    /// @dev Credits are aggregated over runs of consecutive jobs with the same provider and token,
    ///      so a provider settling its own work pays for one balance write (and one stake unlock) per run.
    function finalizeJobs(Job[] calldata jobs) external returns (uint256 finalized) {
        uint256 n = jobs.length;
        require(n != 0, BatchEmpty());
        require(n <= MAX_BATCH, BatchTooLarge(n, MAX_BATCH));
        JobId[] memory ids = new JobId[](n);
        Run memory run;
        for (uint256 i; i < n; ++i) {
            Job calldata job;
            assembly ("memory-safe") {
                job := add(jobs.offset, mul(i, 0x140)) // `jobs[i]` without re-checking i < n
            }
            finalized = _finalizeIntoRun(run, job, ids, finalized);
        }
        _flushRun(run);
        // One event for the batch (32 bytes of log data a job, against about 2,000 gas for a
        // `JobFinalized` each); payouts follow from the jobs' terms and their fee snapshots.
        assembly ("memory-safe") {
            mstore(ids, finalized) // drop the slots of skipped jobs
        }
        if (finalized != 0) emit JobsFinalized(ids);
    }

    /// @dev Consecutive jobs of a batch with the same provider and token, credited in one write.
    struct Run {
        address provider;
        address token;
        uint256 price;
        uint256 fee;
        uint256 vfee;
        uint256 collateral;
    }

    /// @dev Finalizes one job of a batch into the current run, flushing the run first when the job
    ///      starts another. A job no longer `Submitted` (settled since the batch was built: finalized
    ///      early, disputed, slashed) is skipped with an event, not fatal.
    function _finalizeIntoRun(
        Run memory run,
        Job calldata job,
        JobId[] memory ids,
        uint256 finalized
    ) private returns (uint256) {
        // The job's state is read and written as one word (one SLOAD, one SSTORE; field by field costs
        // about 700 gas more a job). Bit offsets follow `JobState`'s declaration order: status 0,
        // provider 8, timestamp 168, challengeWindow 208, protocolFeeBps 232, signerEpoch 248. Every
        // finalize test reads the fields back through `jobState`, so a layout change that forgets
        // this function fails them.
        JobId jobId;
        uint256 slot;
        uint256 word;
        uint256 statesSlot = _jobsSlot();
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, job, 0x140)
            jobId := keccak256(ptr, 0x140) // JobLib.id, inlined: this loop is the hot path of settlement
            mstore(0, jobId)
            mstore(0x20, statesSlot)
            slot := keccak256(0, 0x40)
            word := sload(slot)
        }
        if (uint8(word) != uint8(JobStatus.Submitted)) {
            if (uint8(word) == 0) revert JobUnknown(jobId);
            emit JobFinalizeSkipped(jobId, JobStatus(uint8(word)));
            return finalized;
        }
        // The id matched a stored job, so these bytes are its clean terms.
        (address client, address token, uint256 price, uint256 collateral) = JobLib.settlementTerms(job);
        if (msg.sender != client) {
            uint256 endsAt;
            unchecked {
                endsAt = uint256(uint40(word >> 168)) + uint24(word >> 208);
            }
            require(block.timestamp > endsAt, JobChallengeWindowOpen(jobId, endsAt, block.timestamp));
        }
        assembly ("memory-safe") {
            let cleared := and(word, not(or(0xff, shl(168, 0xffffffffff))))
            sstore(slot, or(or(cleared, FINALIZED), shl(168, timestamp())))
        }
        address provider_ = address(uint160(word >> 8));
        uint256 feeField = uint16(word >> 232);
        if (provider_ != run.provider || token != run.token) {
            _flushRun(run);
            run.provider = provider_;
            run.token = token;
            run.price = 0;
            run.fee = 0;
            run.vfee = 0;
            run.collateral = 0;
        }
        if ((feeField & FEE_VERIFIED) != 0) run.vfee += _verificationFee(_s(), job.paramsVersion, price);
        // At most MAX_BATCH terms below 2^96 each, and fees at most 10 % of them: no overflow.
        unchecked {
            run.price += price;
            run.fee += price * (feeField & FEE_BPS_MASK) / JobLib.BPS;
            run.collateral += collateral;
            // `ids` has a slot for every job of the batch, and `finalized` counts fewer of them.
            assembly ("memory-safe") {
                mstore(add(ids, shl(5, add(finalized, 1))), jobId)
            }
            return finalized + 1;
        }
    }

    /// @dev `uint8(JobStatus.Finalized)`, as a literal for assembly (finalize tests read the status back).
    uint256 private constant FINALIZED = 5;

    /// @dev The storage slot of the `jobs` mapping.
    function _jobsSlot() private view returns (uint256 slot) {
        mapping(JobId => JobState) storage states = _s().jobs;
        assembly ("memory-safe") {
            slot := states.slot
        }
    }

    function _flushRun(Run memory run) private {
        if (run.provider == address(0)) return;
        JobMarketStorage storage $ = _s();
        _creditEarnings($, run.provider, run.token, run.price - run.fee - run.vfee, run.fee, run.vfee);
        _unlock($, run.provider, run.collateral);
    }

    /// @notice Forwards every other selector to the extension (`extension()`), in this contract's
    ///         storage context.
    /// @dev Assembly because Solidity cannot forward raw calldata and return data unchanged. The
    ///      address is read from storage (one cold read, 2,100 gas a periphery call), so that
    ///      governance can swap the periphery while this code stays fixed.
    fallback() external {
        address ext = _s().extension;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), ext, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
