"""Expert routing statistics, routing traces and a per-layer LRU expert cache for MoE offloading.

A routing trace is an integer array of shape (tokens, k_max) per MoE layer: the experts a token is routed to, padded
with -1 when a token uses fewer than ``k_max`` experts (dynamic-k routing, e.g. top-p routing: Huang et al.,
"Harder tasks need more experts: dynamic routing in MoE models", arXiv:2403.07652). A trace comes from a model run,
or is drawn by :func:`routing_trace` from three statistics:

* ``popularity`` (n_experts,): the long-run fraction of routing decisions each expert receives (uniform = balanced);
* ``k_probs`` (k_max,): probability that a token uses 1, 2, ..., k_max experts (top-k: all mass on k);
* ``p_reuse`` in [0, 1]: temporal locality, the probability that each expert of the previous token is routed to
  again (Eliseev & Mazur, arXiv:2312.17238, section 3.1: Mixtral reuses experts over 2-4 consecutive tokens).

:func:`lru_hits` replays a trace through an LRU cache of ``capacity`` experts (plus ``pinned`` experts that are
always resident, a static placement) and counts hits and misses, as the cache of arXiv:2312.17238 section 3.1.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CacheStats:
    """Result of :func:`lru_hits`: ``uses`` expert uses, ``hits`` found on the device, ``misses`` = uses - hits;
    ``hit_ratio`` = hits / uses (1.0 for an empty trace)."""

    uses: int
    hits: int
    misses: int

    @property
    def hit_ratio(self) -> float:
        return self.hits / self.uses if self.uses else 1.0


def _check_prob(name: str, p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.isclose(p.sum(), 1.0, rtol=1e-6):
        raise ValueError(f"{name} must be finite, >= 0 and sum to 1, got {p}")
    return p


def routing_trace(popularity: Sequence[float] | np.ndarray, k_probs: Sequence[float] | np.ndarray,
                  n_tokens: int, *, p_reuse: float = 0.0, seed: int = 0) -> np.ndarray:
    """Draw a routing trace of one MoE layer, shape (n_tokens, k_max), -1 padded (see the module docstring).

    Token t first keeps each expert of token t-1 with probability ``p_reuse`` (up to its own k), then fills the
    remaining slots by sampling without replacement from ``popularity`` among the experts not yet chosen.

    Raises
    ------
    ValueError
        if ``popularity`` or ``k_probs`` is not a probability vector, ``k_max`` exceeds the number of experts,
        ``n_tokens < 1`` or ``p_reuse`` is outside [0, 1] (NaN included).
    """
    pop = _check_prob("popularity", popularity)
    kp = _check_prob("k_probs", k_probs)
    n_exp, k_max = pop.size, kp.size
    if k_max > n_exp:
        raise ValueError(f"k_probs allows up to {k_max} experts but popularity has {n_exp}")
    if not isinstance(n_tokens, int | np.integer) or n_tokens < 1:
        raise ValueError(f"n_tokens must be a positive integer, got {n_tokens!r}")
    if not (0.0 <= p_reuse <= 1.0):
        raise ValueError(f"p_reuse must be in [0, 1], got {p_reuse}")
    rng = np.random.default_rng(seed)
    ks = rng.choice(np.arange(1, k_max + 1), size=n_tokens, p=kp)
    out = np.full((n_tokens, k_max), -1, dtype=np.int64)
    prev: list[int] = []
    for t in range(n_tokens):
        k = int(ks[t])
        keep = [e for e in prev if rng.random() < p_reuse][:k]
        w = pop.copy()
        w[keep] = 0.0
        need = k - len(keep)
        if need > 0:
            if np.count_nonzero(w) < need:  # popularity mass left on fewer experts than slots: fill uniformly
                w = np.where(np.isin(np.arange(n_exp), keep), 0.0, 1.0)
            keep += [int(e) for e in rng.choice(n_exp, size=need, replace=False, p=w / w.sum())]
        out[t, :k] = keep
        prev = keep
    return out


def lru_hits(trace: np.ndarray, capacity: int, *, pinned: Sequence[int] = ()) -> CacheStats:
    """Replay a routing trace (tokens, k_max), -1 padded, through an LRU cache of ``capacity`` experts.

    ``pinned`` experts are always on the device (static placement) and take no cache slot. A token's experts are
    looked up in order; a miss loads the expert and evicts the least recently used one when the cache is full.

    Raises
    ------
    ValueError
        for a trace that is not 2-D integer, ``capacity < 0``, or negative expert ids other than the -1 pad.
    """
    tr = np.asarray(trace)
    if tr.ndim != 2 or not np.issubdtype(tr.dtype, np.integer):
        raise ValueError(f"trace must be a 2-D integer array (tokens, k_max), got {tr.dtype} {tr.shape}")
    if np.any(tr < -1):
        raise ValueError("trace holds expert ids >= 0 and -1 as padding only")
    if not isinstance(capacity, int | np.integer) or capacity < 0:
        raise ValueError(f"capacity must be a non-negative integer, got {capacity!r}")
    pin = set(int(p) for p in pinned)
    cache: OrderedDict[int, None] = OrderedDict()
    uses = hits = 0
    for row in tr:
        for e in row:
            e = int(e)
            if e < 0:
                continue
            uses += 1
            if e in pin:
                hits += 1
            elif e in cache:
                hits += 1
                cache.move_to_end(e)
            elif capacity > 0:
                if len(cache) >= capacity:
                    cache.popitem(last=False)
                cache[e] = None
    return CacheStats(uses=uses, hits=hits, misses=uses - hits)


def mean_k(trace: np.ndarray) -> float:
    """Mean number of experts per token of a trace (tokens, k_max), -1 padded."""
    tr = np.asarray(trace)
    if tr.ndim != 2 or tr.shape[0] == 0:
        raise ValueError(f"trace must be a non-empty 2-D array, got shape {tr.shape}")
    return float(np.mean(np.sum(tr >= 0, axis=1)))
