"""Decode latency of a mixture-of-experts model whose experts are offloaded across memory tiers.

Memory tiers and links of a system (device memory, host memory, storage; host-to-device and storage-to-host links,
each number with its source and status) live in ``offload_systems.json`` beside this module; :func:`system` loads
one by name and :data:`SYSTEMS` lists them.

Model of one decoded token at batch 1 (``L`` MoE layers, ``E`` experts per layer, ``k`` experts used per token on
average, ``B_e`` bytes of one expert, ``B_0`` bytes of everything else):

* placement: the non-expert weights, ``pinned`` experts per layer (static placement) and ``cache`` LRU slots per
  layer live in device memory; every other expert lives in host memory, and what does not fit there on storage;
* device time = ``B_0 / bw_device`` + ``L k (B_e / bw_device + expert_use_overhead_s)`` (decode at batch 1 is
  memory-bound; ``expert_use_overhead_s`` is the per-expert software cost of a real implementation, e.g. the
  de-quantisation kernels and Python dispatch of an HQQ expert: 0 gives the hardware bound, or fit it with
  :func:`fit_expert_use_overhead` on one published measurement);
* loads per token: with ``load_unit="expert"`` the misses of the expert cache, ``L k (1 - hit_ratio)`` (hit ratio
  from :func:`hwsim.workloads.expert_cache.lru_hits` on a routing trace); with ``load_unit="layer"`` every
  non-resident expert of every layer (layer-wise offloading as Hugging Face Accelerate's ``device_map``);
* load time = ``B_e / bw_link`` (+ ``B_e / bw_storage`` for the fraction of experts on storage);
* ``prefetch_recall`` r: the fraction of loads started ahead (speculative loading, arXiv:2312.17238 section 3.2)
  overlaps with the device time; latency = device + (1 - r) loads + max(0, r loads - device).

Source of the method and of the validation data: Eliseev & Mazur, "Fast inference of mixture-of-experts language
models with offloading", arXiv:2312.17238 (2023), Table 2 (tokens/s of Mixtral-8x7B on A100, RTX 3080 Mobile,
RTX 3060 and T4).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from hwsim import ir
from hwsim.workloads.transformer import _cfg, llama

_FILE = Path(__file__).with_name("offload_systems.json")
LOAD_UNITS = ("expert", "layer")
TIERS = ("device", "host", "storage")


@dataclass(frozen=True)
class System:
    """Memory tiers and links of one machine [B, B/s]; ``sources`` maps each field to its source and status."""

    name: str
    device_capacity_B: float
    device_bandwidth_B_per_s: float
    host_capacity_B: float
    host_bandwidth_B_per_s: float
    storage_capacity_B: float
    storage_bandwidth_B_per_s: float
    host_to_device_B_per_s: float
    storage_to_host_B_per_s: float
    sources: Mapping[str, str]


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return json.loads(_FILE.read_text())


def _systems() -> tuple[str, ...]:
    return tuple(sorted(_raw()))


SYSTEMS = _systems()
"""Names of the systems in ``offload_systems.json``."""


def system(name: str) -> System:
    """Load a system by name (one of :data:`SYSTEMS`).

    Raises
    ------
    ValueError
        for an unknown name, or a quantity that is missing, non-finite or not positive (naming file and field).
    """
    raw = _raw()
    if name not in raw:
        raise ValueError(f"system={name!r}; accepted: {list(SYSTEMS)}")
    s = raw[name]
    vals: dict[str, float] = {}
    srcs: dict[str, str] = {}
    fields = [(f"{t}_{q}", s["tiers"][t][q]) for t in TIERS for q in ("capacity_B", "bandwidth_B_per_s")
              if t in s.get("tiers", {}) and q in s["tiers"][t]]
    fields += [(k, v) for k, v in s.get("links", {}).items()]
    for key, qty in fields:
        v = float(qty["value"])
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"{_FILE.name}: {name}.{key} must be finite and > 0, got {v}")
        vals[key] = v
        srcs[key] = f"{qty['status']}: {qty['source']}"
    need = [f"{t}_{q}" for t in TIERS for q in ("capacity_B", "bandwidth_B_per_s")]
    need += ["host_to_device_B_per_s", "storage_to_host_B_per_s"]
    missing = [k for k in need if k not in vals]
    if missing:
        raise ValueError(f"{_FILE.name}: {name} lacks {missing}")
    return System(name=name, sources=srcs, **{k: vals[k] for k in need})


@dataclass(frozen=True)
class MoEGeometry:
    """Parameter counts of a MoE transformer: ``layers`` MoE layers of ``n_experts`` experts with
    ``expert_params`` each, ``top_k`` experts per token, ``other_params`` (attention, embeddings, head, routers,
    norms)."""

    layers: int
    n_experts: int
    top_k: int
    expert_params: int
    other_params: int


def geometry(config: Mapping[str, Any]) -> MoEGeometry:
    """Parameter counts of a Mixtral-style config (see :func:`hwsim.workloads.transformer.llama`).

    Raises ValueError for a config without ``num_local_experts``.
    """
    c = _cfg(config)
    ne = c.get("num_local_experts", 0) or 0
    if ne < 1:
        raise ValueError("config has no experts (num_local_experts)")
    t = llama(c)
    ex = t[(t["kind"] == "expert") & t["layer"].str.startswith("layers.0.")]
    per_expert = int(ex["weight_elems"].sum())
    L = c["num_hidden_layers"]
    total = ir.parameter_count(t)
    return MoEGeometry(layers=L, n_experts=ne, top_k=int(c.get("num_experts_per_tok", 2)),
                       expert_params=per_expert, other_params=int(total - L * ne * per_expert))


@dataclass(frozen=True)
class OffloadResult:
    """One decoded token [s, B]: ``latency_s``, ``tokens_per_s``, its ``device_s`` and ``load_s`` parts,
    ``loads`` (experts moved to the device per token), ``load_B``, the bytes placed per tier
    (``device_B``, ``host_B``, ``storage_B``) and ``fits`` (the device and host placements fit)."""

    latency_s: float
    tokens_per_s: float
    device_s: float
    load_s: float
    loads: float
    load_B: float
    device_B: float
    host_B: float
    storage_B: float
    fits: bool


def _finite(name: str, x: float, lo: float, hi: float = math.inf) -> float:
    x = float(x)
    if not math.isfinite(x) or not (lo <= x <= hi):
        raise ValueError(f"{name} must be finite and in [{lo}, {hi}], got {x}")
    return x


def decode_step(config: Mapping[str, Any], sys: str | System, *, expert_bits: float, other_bits: float = 16.0,
                hit_ratio: float = 0.0, mean_k: float | None = None, cache: int = 0, pinned: int = 0,
                load_unit: str = "expert", prefetch_recall: float = 0.0,
                expert_use_overhead_s: float = 0.0) -> OffloadResult:
    """Latency of one decoded token of an offloaded MoE model (see the module docstring).

    Parameters
    ----------
    config
        Mixtral-style config (:data:`hwsim.workloads.transformer.MIXTRAL_8X7B`).
    sys
        system name (:data:`SYSTEMS`) or :class:`System`.
    expert_bits, other_bits
        stored bits per parameter of the experts and of everything else, scales and zero points included.
    hit_ratio
        fraction of expert uses found on the device (LRU cache or pinned), in [0, 1].
    mean_k
        experts used per token (dynamic-k routing); default the config's top-k.
    cache, pinned
        LRU slots and statically placed experts per layer on the device.
    load_unit
        ``"expert"`` (load missing experts) or ``"layer"`` (load every non-resident expert of a layer).
    prefetch_recall
        fraction of loads started ahead and overlapped with device time, in [0, 1].
    expert_use_overhead_s
        per-expert software time on the device [s], >= 0.

    Raises
    ------
    ValueError
        for bits <= 0, ratios outside [0, 1], ``mean_k`` outside [1, n_experts], ``cache + pinned`` > n_experts,
        an unknown ``load_unit`` or system, or a negative overhead (NaN and inf included).
    """
    g = geometry(config)
    s = sys if isinstance(sys, System) else system(sys)
    _finite("expert_bits", expert_bits, 1e-9, 64)
    _finite("other_bits", other_bits, 1e-9, 64)
    _finite("hit_ratio", hit_ratio, 0.0, 1.0)
    _finite("prefetch_recall", prefetch_recall, 0.0, 1.0)
    _finite("expert_use_overhead_s", expert_use_overhead_s, 0.0)
    k = float(g.top_k if mean_k is None else mean_k)
    _finite("mean_k", k, 1.0, g.n_experts)
    if load_unit not in LOAD_UNITS:
        raise ValueError(f"load_unit={load_unit!r}; accepted: {LOAD_UNITS}")
    for name, v in (("cache", cache), ("pinned", pinned)):
        if not isinstance(v, int) or v < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    if cache + pinned > g.n_experts:
        raise ValueError(f"cache + pinned must be <= n_experts={g.n_experts}, got {cache} + {pinned}")

    B_e = g.expert_params * expert_bits / 8.0
    B_0 = g.other_params * other_bits / 8.0
    L, E = g.layers, g.n_experts
    device_B = B_0 + L * (pinned + cache) * B_e
    offloaded_B = L * (E - pinned) * B_e
    host_B = min(offloaded_B, s.host_capacity_B)
    storage_B = offloaded_B - host_B
    f_storage = storage_B / offloaded_B if offloaded_B > 0 else 0.0

    device_s = B_0 / s.device_bandwidth_B_per_s + L * k * (B_e / s.device_bandwidth_B_per_s + expert_use_overhead_s)
    if load_unit == "expert":
        loads = L * k * (1.0 - hit_ratio)
    else:
        loads = float(L * (E - pinned)) if pinned < E else 0.0
    per_load_s = B_e / s.host_to_device_B_per_s + f_storage * B_e / s.storage_to_host_B_per_s
    load_s = loads * per_load_s
    r = prefetch_recall
    latency = device_s + (1.0 - r) * load_s + max(0.0, r * load_s - device_s)
    fits = device_B <= s.device_capacity_B and storage_B <= s.storage_capacity_B
    return OffloadResult(latency_s=latency, tokens_per_s=1.0 / latency, device_s=device_s, load_s=load_s,
                         loads=loads, load_B=loads * B_e, device_B=device_B, host_B=host_B, storage_B=storage_B,
                         fits=bool(fits))


def fit_expert_use_overhead(config: Mapping[str, Any], sys: str | System, measured_tokens_per_s: float,
                            **kwargs: Any) -> float:
    """The ``expert_use_overhead_s`` [s] at which :func:`decode_step` (same keyword arguments) reproduces
    ``measured_tokens_per_s`` (latency is linear in it when ``prefetch_recall`` is 0).

    Raises
    ------
    ValueError
        for a non-positive or non-finite measurement, a ``prefetch_recall`` other than 0, or a measurement faster
        than the hardware bound (the fitted overhead would be negative).
    """
    m = float(measured_tokens_per_s)
    if not (math.isfinite(m) and m > 0):
        raise ValueError(f"measured_tokens_per_s must be finite and > 0, got {m}")
    if kwargs.get("prefetch_recall", 0.0) != 0.0:
        raise ValueError("fit with prefetch_recall=0 (latency is then linear in the overhead)")
    kwargs.pop("expert_use_overhead_s", None)
    base = decode_step(config, sys, expert_use_overhead_s=0.0, **kwargs)
    one = decode_step(config, sys, expert_use_overhead_s=1.0, **kwargs)
    slope = one.latency_s - base.latency_s
    o = (1.0 / m - base.latency_s) / slope
    if o < 0:
        raise ValueError(f"measured {m} tokens/s is faster than the hardware bound {base.tokens_per_s:.3f} tokens/s")
    return float(o)


def fit_hit_ratio(config: Mapping[str, Any], sys: str | System, measured_tokens_per_s: float,
                  **kwargs: Any) -> float:
    """The expert-cache ``hit_ratio`` at which :func:`decode_step` (same keyword arguments, ``load_unit="expert"``,
    no pre-loading) reproduces ``measured_tokens_per_s``: latency is linear in it, ``device + (1 - h) loads(0)``,
    so ``h = 1 - (1/measured - device) / loads(0)``. Used to read the hit ratio a published LRU-only measurement
    implies once the per-expert overhead is fitted (:func:`fit_expert_use_overhead`) on a no-cache cell.

    Raises
    ------
    ValueError
        for a non-positive or non-finite measurement, a ``prefetch_recall`` other than 0, ``load_unit`` other than
        ``"expert"``, or a measurement outside what hit ratios in [0, 1] give (naming the bounds in tokens/s).
    """
    m = float(measured_tokens_per_s)
    if not (math.isfinite(m) and m > 0):
        raise ValueError(f"measured_tokens_per_s must be finite and > 0, got {m}")
    if kwargs.get("prefetch_recall", 0.0) != 0.0:
        raise ValueError("fit with prefetch_recall=0 (latency is then linear in the hit ratio)")
    if kwargs.get("load_unit", "expert") != "expert":
        raise ValueError("fit with load_unit='expert' (the layer-wise mode has no cache hits)")
    kwargs.pop("hit_ratio", None)
    miss = decode_step(config, sys, hit_ratio=0.0, **kwargs)
    hit = decode_step(config, sys, hit_ratio=1.0, **kwargs)
    if miss.load_s == 0 or not hit.latency_s <= 1.0 / m <= miss.latency_s:
        raise ValueError(f"measured {m} tokens/s is outside [{miss.tokens_per_s:.4g}, {hit.tokens_per_s:.4g}] "
                         "tokens/s, the speeds of hit ratios 0 and 1")
    return float(1.0 - (1.0 / m - miss.device_s) / miss.load_s)


def decode_step_from_routing(config: Mapping[str, Any], sys: str | System, traces: Sequence[np.ndarray], *,
                             cache: int, pinned: int = 0, **kwargs: Any) -> OffloadResult:
    """:func:`decode_step` with the hit ratio and mean k measured on routing traces, one (tokens, k_max) array
    per MoE layer (-1 padded; from a model run or :func:`hwsim.workloads.expert_cache.routing_trace`).

    Placement: each layer pins its ``pinned`` most used experts of the trace (static placement by frequency) and
    runs an LRU cache of ``cache`` slots for the rest (:func:`hwsim.workloads.expert_cache.lru_hits`).

    Raises ValueError for an empty trace list or one with a different number of layers than the config.
    """
    from hwsim.workloads.expert_cache import lru_hits

    g = geometry(config)
    if len(traces) != g.layers:
        raise ValueError(f"traces must hold one array per MoE layer ({g.layers}), got {len(traces)}")
    uses = hits = tokens = 0
    for tr in traces:
        tr = np.asarray(tr)
        ids = tr[tr >= 0]
        top = np.argsort(-np.bincount(ids, minlength=g.n_experts), kind="stable")[:pinned]
        s = lru_hits(tr, cache, pinned=[int(e) for e in top])
        uses, hits, tokens = uses + s.uses, hits + s.hits, tokens + tr.shape[0]
    if uses == 0:
        raise ValueError("the traces route no token to any expert")
    return decode_step(config, sys, hit_ratio=hits / uses, mean_k=uses / tokens, cache=cache, pinned=pinned,
                       **kwargs)
