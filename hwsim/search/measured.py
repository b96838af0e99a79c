"""Joint vs sequential compression search on *measured* quality (:mod:`hwsim.quality`).

A :class:`Subject` is a trained network with a compression function (``Design`` -> compressed object exposing its IR
via ``.ir()``) and a measured quality (accuracy, or perplexity with sense ``"min"``). :func:`evaluate` compresses
every design, measures it once, and costs its IR on each target (:func:`hwsim.cost.model.evaluate_arrays`): one row
per (design, target).

Strategies over the same evaluated designs (so they are compared on identical measurements):

* **joint**: every design of the grid (exhaustive), or the trials of Optuna's NSGA-II sampler (Deb et al.,
  IEEE TEC 6(2) 2002, doi:10.1109/4235.996017) for spaces too large to enumerate (:func:`nsga2_designs`);
* **prune-then-quantise**: stage 1 picks, per quality budget, the lowest-energy *pruned float* design (depth, width,
  rank) within the budget; stage 2 quantises that model with every bit-width choice;
* **quantise-then-prune**: stage 1 picks, per budget, the lowest-energy *unpruned quantised* design within the
  budget; stage 2 prunes that model with every pruning choice.

:func:`compare` reports, per strategy and target, the hypervolume of the (energy, quality) front (Zitzler & Thiele,
PPSN 1998) with a common reference point, and the lowest energy reaching each quality threshold.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from hwsim.cost.model import evaluate_arrays
from hwsim.search.pareto import hypervolume_2d, pareto_mask

PRUNE_AXES = ("depth", "width", "rank_fraction")
QUANT_AXES = ("w_bits", "a_bits", "rotation")
STRATEGIES = ("joint", "prune_then_quantise", "quantise_then_prune")


@dataclass(frozen=True)
class Subject:
    """A trained network under compression: ``compress(design)`` returns an object with ``.ir()``;
    ``quality(obj)`` measures it (``sense`` ``"max"`` for accuracy, ``"min"`` for perplexity)."""

    name: str
    compress: Callable[[Any], Any]
    quality: Callable[[Any], float]
    sense: str = "max"
    quality_name: str = "accuracy"

    def __post_init__(self) -> None:
        if self.sense not in ("min", "max"):
            raise ValueError(f"sense must be 'min' or 'max', got {self.sense!r}")


def design_grid(design_cls: type, axes: Mapping[str, Sequence[Any]]) -> list[Any]:
    """Every combination of ``axes`` (``{Design field: values}``) as ``design_cls`` instances, C order.

    Raises ValueError for an empty axis (and the design class's own errors).
    """
    empty = [k for k, v in axes.items() if len(v) == 0]
    if empty:
        raise ValueError(f"axes {empty} have no values")
    names = list(axes)
    return [design_cls(**dict(zip(names, combo))) for combo in itertools.product(*(axes[k] for k in names))]


def evaluate(subject: Subject, designs: Sequence[Any], targets: Sequence[str]) -> pd.DataFrame:
    """Measure and cost every design: one row per (design, target) with the design's scalar fields, ``quality``,
    ``target``, ``energy_J``, ``latency_s``, ``weights_B``, ``macs``.

    Raises ValueError for an empty ``targets`` list.
    """
    if not targets:
        raise ValueError("targets must name at least one target")
    rows = []
    for i, d in enumerate(designs):
        obj = subject.compress(d)
        q = float(subject.quality(obj))
        t = obj.ir()
        fields = {k: v for k, v in asdict(d).items() if not isinstance(v, Mapping)}
        for tg in targets:
            tot = evaluate_arrays(t, tg).totals
            rows.append({"design": i, **fields, "quality": q, "target": tg, "energy_J": float(tot["energy_J"][0]),
                         "latency_s": float(tot["latency_s"][0]), "weights_B": float(tot["weights_B"][0]),
                         "macs": float(tot["macs"][0])})
    return pd.DataFrame(rows)


def _ok(q: np.ndarray, ref: float, budget: float, sense: str) -> np.ndarray:
    """Designs whose quality is within a relative ``budget`` of ``ref``."""
    return q >= ref * (1 - budget) if sense == "max" else q <= ref * (1 + budget)


def sequential(results: pd.DataFrame, *, order: str, budgets: Sequence[float], sense: str,
               target: str) -> pd.DataFrame:
    """The designs a two-stage pipeline reaches (see the module docstring), selected on ``target``'s energy.

    ``results`` is :func:`evaluate`'s table (the full grid); ``budgets`` are relative quality losses allowed in
    stage 1 (0.01 = 1 %). An axis the subject's designs do not have (e.g. ``depth`` or ``a_bits`` of a spiking
    network) counts as uncompressed. Returns the rows of ``results`` (all targets) of the reached designs.

    Raises ValueError for an unknown ``order`` or a grid without the uncompressed design.
    """
    if order not in ("prune_then_quantise", "quantise_then_prune"):
        raise ValueError(f"order={order!r}; accepted: prune_then_quantise, quantise_then_prune")
    r = results[results["target"] == target]

    def col(name: str, default: Any) -> pd.Series:  # an axis a subject's designs lack stays at its default
        return r[name] if name in r.columns else pd.Series(default, index=r.index)

    float_q = (col("w_bits", 16) >= 16) & (col("a_bits", 16) >= 16) & (col("rotation", "none") == "none")
    unpruned = (col("depth", 0) == 0) & (col("width", 1.0) >= 1) & (col("rank_fraction", 1.0) >= 1)
    base = r[float_q & unpruned]
    if base.empty:
        raise ValueError("the grid must contain the uncompressed design (depth 0, width 1, rank 1, 16 bits)")
    ref = float(base["quality"].iloc[0])
    first_axes = PRUNE_AXES if order == "prune_then_quantise" else QUANT_AXES
    stage1 = r[float_q] if order == "prune_then_quantise" else r[unpruned]
    reached: set[int] = set()
    for b in budgets:
        ok = stage1[_ok(stage1["quality"].to_numpy(), ref, b, sense)]
        if ok.empty:
            continue
        pick = ok.sort_values("energy_J", kind="stable").iloc[0]
        fixed = np.ones(len(r), dtype=bool)
        for a in first_axes:
            if a in r.columns:
                fixed &= (r[a] == pick[a]).to_numpy()
        reached.update(r.loc[fixed, "design"].tolist())
    return results[results["design"].isin(sorted(reached))]


def compare(results: pd.DataFrame, *, sense: str, budgets: Sequence[float], thresholds: Sequence[float],
            targets: Sequence[str] | None = None) -> pd.DataFrame:
    """Per target and strategy: number of designs, hypervolume of the (energy_J min, quality ``sense``) front
    (reference: 1.01 x the largest energy and the worst quality of the grid), its ratio to the joint one, and the
    lowest energy reaching each quality threshold (``energy_at_<threshold>``; NaN if unreached). Designs a target
    does not execute (NaN energy, e.g. a dense factor layer on a neuromorphic chip) count on no front of it.
    """
    tg = list(targets) if targets is not None else list(dict.fromkeys(results["target"]))
    senses = ["min", sense]
    rows = []
    for t in tg:
        full = results[results["target"] == t]
        ref = [1.01 * full["energy_J"].max(), full["quality"].min() if sense == "max" else full["quality"].max()]
        sets = {"joint": full}
        for order in STRATEGIES[1:]:
            s = sequential(results, order=order, budgets=budgets, sense=sense, target=t)
            sets[order] = s[s["target"] == t]
        hv_joint = hypervolume_2d(full[["energy_J", "quality"]].to_numpy(), senses, ref)
        for name, s in sets.items():
            hv = hypervolume_2d(s[["energy_J", "quality"]].to_numpy(), senses, ref)
            row = {"target": t, "strategy": name, "designs": int(s["design"].nunique()), "hypervolume": hv,
                   "hv_ratio_to_joint": hv / hv_joint if hv_joint > 0 else np.nan}
            q, e = s["quality"].to_numpy(), s["energy_J"].to_numpy(np.float64)
            for th in thresholds:
                ok = (q >= th if sense == "max" else q <= th) & ~np.isnan(e)
                row[f"energy_at_{th:g}"] = float(e[ok].min()) if ok.any() else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def front(results: pd.DataFrame, target: str, sense: str) -> pd.DataFrame:
    """The (energy_J, quality) Pareto front of ``results`` on ``target``, sorted by energy."""
    r = results[results["target"] == target]
    m = pareto_mask(r[["energy_J", "quality"]].to_numpy(np.float64), ["min", sense])
    return r[m].sort_values("energy_J")


def nsga2_designs(subject: Subject, design_cls: type, space: Mapping[str, Sequence[Any]], target: str, *,
                  n_trials: int = 60, population_size: int = 20, seed: int = 0) -> pd.DataFrame:
    """Optuna NSGA-II over the categorical ``space`` of design fields, minimising energy on ``target`` and
    optimising measured quality; returns :func:`evaluate`'s rows of every trial (repeated designs measured once)
    with ``trial``.

    Raises ValueError for ``n_trials < 1``, ``population_size < 2`` or an empty axis.
    """
    import optuna

    if n_trials < 1 or population_size < 2:
        raise ValueError(f"need n_trials >= 1 and population_size >= 2, got {n_trials}, {population_size}")
    empty = [k for k, v in space.items() if len(v) == 0]
    if empty:
        raise ValueError(f"space axes {empty} have no values")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["minimize", "maximize" if subject.sense == "max" else "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(population_size=population_size, seed=seed))
    seen: dict[tuple, pd.DataFrame] = {}
    rows = []
    for n in range(n_trials):
        trial = study.ask()
        choice = {k: trial.suggest_categorical(k, list(v)) for k, v in space.items()}
        key = tuple(sorted(choice.items()))
        if key not in seen:
            seen[key] = evaluate(subject, [design_cls(**choice)], [target])
        r = seen[key].assign(trial=n, design=list(seen).index(key))
        study.tell(trial, [float(r["energy_J"].iloc[0]), float(r["quality"].iloc[0])])
        rows.append(r)
    return pd.concat(rows, ignore_index=True)
