"""The market at the start of a run: its consumers and the ties between them (docs/MODEL.md, section 5)."""

from __future__ import annotations

import dataclasses
import weakref

import numpy as np
import scipy.sparse as sp

from .network.graph import SocialNetwork
from .rules.experience import draw_satisfaction, opinion_after_experience
from .state import TIE_MEMORY, ConsumerState, Role, Source, TieState, tie_memory
from .streams import fixed_stream, mix64

# What create_population reads: with the seed and the market's size, they fix the consumers drawn.
POPULATION_PARAMETERS = (
    "talkativeness_dispersion",
    "openness",
    "openness_dispersion",
    "initial_opinion",
    "opinion_spread",
    "customer_share",
    "follower_share",
    "initial_awareness",
    "quality",
    "quality_spread",
    "experience_weight",
    "follower_interest",
    "initial_interest",
    "in_group_trust",
    "out_group_trust",
)
# Up to this size the last population drawn is kept and copied for the next run that would draw the same
# consumers (a sweep's points mostly change rules, not who the consumers are): copying costs a twentieth of
# drawing. Larger markets are drawn every time (the copy kept would be as big as the market).
KEPT_POPULATION_SIZE = 200_000
_KEPT: dict = {}


def population_for(params: dict, n: int, seed: int, initial_roles=None) -> tuple[ConsumerState, np.ndarray]:
    """``create_population`` from the seed's population stream, a fresh copy of the last one when the same."""
    relevant = {name: params[name] for name in POPULATION_PARAMETERS}  # a parameter missing here fails loudly
    if initial_roles is not None or n > KEPT_POPULATION_SIZE:
        return create_population(relevant, n, fixed_stream(seed, "population"), initial_roles)
    key = (seed, n, *relevant.values())
    kept = _KEPT.get(key)  # (read once: models built in several threads at worst draw a population twice)
    if kept is None:
        kept = create_population(relevant, n, fixed_stream(seed, "population"))
        _KEPT.clear()
        _KEPT[key] = kept
    state, taste = kept
    copies = {field.name: getattr(state, field.name).copy() for field in dataclasses.fields(state)}
    return ConsumerState(**copies), taste.copy()


def create_population(
    params: dict, n: int, rng: np.random.Generator, initial_roles=None
) -> tuple[ConsumerState, np.ndarray]:
    """(the consumers' state, each consumer's standard-normal draw of experience ``taste``).

    Talkativeness ~ LogNormal(-sigma^2/2, sigma) (mean 1, heavy right tail); openness ~ Beta with the
    given mean and spread; opinion ~ U(initial_opinion +- opinion_spread); roles drawn from the shares, or
    given by ``initial_roles`` = (role codes, follows_brand).
    """
    sigma = params["talkativeness_dispersion"]
    talkativeness = rng.lognormal(-0.5 * sigma**2, sigma, n)
    openness = _beta_with_mean(rng, params["openness"], params["openness_dispersion"], n)
    opinion = np.clip(params["initial_opinion"] + params["opinion_spread"] * rng.uniform(-1, 1, n), -1, 1)
    taste = rng.standard_normal(n)  # a consumer's draw of experience: the same in every strategy
    draw_role, draw_follow, draw_aware = rng.random(n), rng.random(n), rng.random(n)
    if initial_roles is not None:
        role, follows = (np.asarray(a) for a in initial_roles)
        role = role.astype(np.int8)
        follows = follows.astype(bool) | (role == Role.FOLLOWER)
    else:
        role = np.full(n, Role.PROSPECT, dtype=np.int8)
        customer = draw_role < params["customer_share"]
        role[customer] = Role.CUSTOMER
        follows = draw_follow < params["follower_share"]
        role[follows & ~customer] = Role.FOLLOWER
    customer = role == Role.CUSTOMER
    aware = customer | follows | (draw_aware < params["initial_awareness"])
    satisfaction = np.where(customer, draw_satisfaction(taste, params["quality"], params["quality_spread"]), np.nan)
    opinion = np.where(customer, opinion_after_experience(opinion, satisfaction, params["experience_weight"]), opinion)
    interest = np.where(follows, params["follower_interest"], params["initial_interest"])
    state = ConsumerState(
        role=role,
        awareness=aware.astype(np.float64),
        opinion=opinion,
        interest=interest,
        talkativeness=talkativeness,
        openness=openness,
        follows_brand=follows,
        satisfaction=satisfaction,
        purchase_step=np.full(n, -1, dtype=np.int32),
        first_source=np.where(aware, Source.PRIOR, Source.UNAWARE).astype(np.int8),
        voice=np.zeros(n),
        claim_heard=np.full(n, np.nan),
        talk_boost=np.ones(n),
        group_trust=np.tile(np.array([params["in_group_trust"], params["out_group_trust"]], dtype=np.float32), (n, 1)),
        page_signal=np.zeros(n),
        page_read_step=np.full(n, -1, dtype=np.int32),
        purchases=customer.astype(np.int32),
    )
    return state, taste


def create_ties(params: dict, network: SocialNetwork, pair_salt: np.uint64, compiled: bool = False) -> TieState:
    """Every tie's state; strength is a property of the pair, the same in both directions (a hash of the
    unordered pair salted with the run's seed), so strong ties start at ``strong_tie_trust``. ``compiled``:
    use the kernels (``simulation.kernels``; the same ties)."""
    structure = _tie_structure(network, pair_salt, params["strong_tie_share"], compiled)
    strong = structure["strong"]
    memory = np.empty(network.n_ties, dtype=TIE_MEMORY)
    if compiled and network.initial_trust is None:
        from . import kernels

        kernels.compiled().fill_tie_memory(
            memory["trust"],
            memory["last_valence"],
            memory["recommendation"],
            memory["heard_step"],
            strong,
            np.float32(params["strong_tie_trust"]),
            np.float32(params["weak_tie_trust"]),
        )
    elif network.initial_trust is not None:
        memory[:] = tie_memory(network.initial_trust.astype(np.float32))
    else:
        memory[:] = tie_memory(
            np.where(strong, params["strong_tie_trust"], params["weak_tie_trust"]).astype(np.float32)
        )
    return TieState(
        **structure,
        speaker=network.indices,
        trust=memory["trust"],
        last_valence=memory["last_valence"],
        recommendation=memory["recommendation"],
        heard_step=memory["heard_step"],
        memory=memory,
    )


# The ties' structure depends only on the network, the pair salt (the run's seed) and the strong-tie share,
# and no rule writes it: models on the same network object with the same seed (the points of a sweep, the
# strategies of a comparison) share it instead of rebuilding it (most of a small market's tie set-up).
_STRUCTURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tie_structure(network: SocialNetwork, pair_salt: np.uint64, strong_share: float, compiled: bool) -> dict:
    """Listener, strength, community match and speaker order of every tie (read-only; see ``_STRUCTURES``)."""
    built = _STRUCTURES.setdefault(network, {})
    key = (int(pair_salt), float(strong_share), bool(compiled))
    structure = built.get(key)
    if structure is None:
        structure = _build_tie_structure(network, pair_salt, strong_share, compiled)
        if len(built) >= 2:
            built.pop(next(iter(built)), None)
        built[key] = structure
    return structure


def _build_tie_structure(network: SocialNetwork, pair_salt: np.uint64, strong_share: float, compiled: bool) -> dict:
    listener = np.repeat(np.arange(network.n, dtype=np.int32), np.diff(network.indptr))
    speaker = network.indices
    # Tie indices fit in int32 below 2^31 ties: half the memory for the order every delivery reads.
    index_type = np.int32 if network.n_ties < np.iinfo(np.int32).max else np.int64
    if compiled:
        from . import kernels

        kernel = kernels.compiled()
        strong = kernel.strong_ties(network.indptr, network.indices, np.uint64(pair_salt), strong_share)
        spoken_by = np.empty(network.n_ties, dtype=index_type)
        spoken_indptr = kernel.ties_by_speaker(network.indices, network.n, spoken_by)
    else:
        low = np.minimum(listener, speaker).astype(np.uint64)
        high = np.maximum(listener, speaker).astype(np.uint64)
        key = low * np.uint64(network.n) + high + pair_salt
        strong = (mix64(key) >> np.uint64(11)).astype(np.float64) / float(2**53) < strong_share
        # Ties ordered by speaker: the transpose of the CSR, carrying each tie's index as data.
        by_speaker = sp.csr_matrix(
            (np.arange(network.n_ties, dtype=np.int64), network.indices, network.indptr), shape=(network.n, network.n)
        ).T.tocsr()
        spoken_by, spoken_indptr = by_speaker.data.astype(index_type), by_speaker.indptr.astype(np.int64)
    if not network.directed and np.array_equal(spoken_indptr, network.indptr):
        spoken_to = network.indices  # symmetric: j's ties in speaker order reach j's own row, in order
    else:
        spoken_to = listener[spoken_by]
    return dict(
        listener=listener,
        strong=strong,
        same_community=(
            np.ones(network.n_ties, dtype=bool)
            if network.community is None
            # -1: a consumer in no community (a node file's unlisted or blank) is an outsider to all
            else (network.community[listener] == network.community[speaker]) & (network.community[listener] >= 0)
        ),
        spoken_by=spoken_by,
        spoken_indptr=spoken_indptr,
        spoken_to=spoken_to,
    )


def _beta_with_mean(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Beta draws with the given mean and standard deviation (constant when sd = 0 or mean at a bound)."""
    if sd <= 0 or mean <= 0 or mean >= 1:
        return np.full(n, mean)
    concentration = max(mean * (1 - mean) / sd**2 - 1, 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)
