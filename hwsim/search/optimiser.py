"""Multi-objective search for design spaces too large to enumerate: Optuna's NSGA-II sampler (Deb et al., IEEE TEC
6(2), 2002; Akiba et al., Optuna, KDD 2019) behind the same interface as :func:`hwsim.search.grid.search`.

Each generation of ``population_size`` trials is asked from Optuna, costed in one vectorised call and told back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hwsim.search.grid import evaluate_points
from hwsim.search.pareto import pareto_mask


def nsga2(table: pd.DataFrame, target: str, space: Mapping[str, Sequence[Any]], objectives: Mapping[str, str], *,
          n_trials: int = 200, population_size: int = 50, seed: int = 0, scope: Mapping[str, Any] | None = None,
          derive: Callable[[pd.DataFrame, pd.DataFrame], Mapping[str, np.ndarray]] | None = None,
          accuracy: Callable[[pd.DataFrame], np.ndarray] | None = None) -> pd.DataFrame:
    """NSGA-II over the categorical ``space`` (``{axis: values}``); returns every trial with its costs and
    ``pareto`` (non-dominated among the trials).

    Raises
    ------
    ValueError
        for ``n_trials < 1``, ``population_size < 2``, an empty axis or an objective the results lack.
    """
    import optuna

    if n_trials < 1 or population_size < 2:
        raise ValueError(f"need n_trials >= 1 and population_size >= 2, got {n_trials}, {population_size}")
    empty = [k for k, v in space.items() if len(v) == 0]
    if empty:
        raise ValueError(f"space axes {empty} have no values")
    names = list(objectives)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(population_size=population_size, seed=seed)
    study = optuna.create_study(directions=["minimize" if objectives[k] == "min" else "maximize" for k in names],
                                sampler=sampler)
    choices = {k: [v.item() if hasattr(v, "item") else v for v in vals] for k, vals in space.items()}
    rows = []
    done = 0
    while done < n_trials:
        n = min(population_size, n_trials - done)
        trials = [study.ask() for _ in range(n)]
        pts = pd.DataFrame([{k: t.suggest_categorical(k, choices[k]) for k in choices} for t in trials])
        res = evaluate_points(table, target, pts, scope=scope, derive=derive, accuracy=accuracy)
        missing = [c for c in names if c not in res.columns]
        if missing:
            raise ValueError(f"objective column(s) {missing} not in the results: {list(res.columns)}")
        for t, (_, r) in zip(trials, res.iterrows()):
            study.tell(t, [float(r[c]) for c in names])
        rows.append(res.assign(trial=np.arange(done, done + n)))
        done += n
    out = pd.concat(rows, ignore_index=True)
    out["pareto"] = pareto_mask(out[names].to_numpy(np.float64), [objectives[k] for k in names])
    return out
