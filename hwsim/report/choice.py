"""The design chosen per group (e.g. per hardware target) by a stated rule, and a sentence that says why.

Rule (:class:`ChoiceRule`): among the designs whose quality is within ``tolerance`` of the group's best quality,
choose the one with the lowest cost (ties: the better quality, then table order). With the defaults of the
co-design study: the lowest energy per inference whose event-wise F0.5 is at most 0.02 below the best F0.5 on
that target. Quality and cost are result columns; the tolerance is in the quality's own units (absolute, not
relative). Written in a spec as ``[report] choose = {quality = "f0_5:max", cost = "energy_J:min",
tolerance = 0.02}``; every key is optional (defaults: the first ``max`` objective, the first other ``min``
objective, 0.02).

An optional ``reference = {variant = "telemanom_published"}`` names a reference design by the values of result or
parameter columns (e.g. a published detector costed on the same targets). Each group's sentence then also says
which design reaches at least the reference's quality at the lowest cost and by what factor it undercuts the
reference ("X-fold less energy than telemanom at equal quality"), or that no design reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hwsim.report.labels import label, number, with_unit
from hwsim.sweep.errors import SpecError
from hwsim.sweep.objectives import Objective, parse_objectives

DEFAULT_TOLERANCE = 0.02
"""Default quality tolerance (absolute, in the quality's units): 0.02 F0.5, the issue's example rule."""

CHOOSE_KEYS = ("quality", "cost", "tolerance", "reference")
MEMORY_COLUMN = "memory_B"
"""Result column quoted as the design's memory in the why-sentence when the results have it."""

_EPS = 1e-12  # a quality exactly `tolerance` below the best is inside despite binary rounding


@dataclass(frozen=True)
class ChoiceRule:
    """Choose the lowest ``cost`` among designs within ``tolerance`` (quality units) of the best ``quality``."""

    quality: Objective
    cost: Objective
    tolerance: float = DEFAULT_TOLERANCE
    reference: tuple[tuple[str, Any], ...] = ()
    """``((column, value), ...)`` that identify the reference design in a group (empty: no reference)."""

    def describe(self, group: str = "group") -> str:
        """The rule as a phrase for the report, ``group`` naming what a group is (``"target"``; ``""``: none)."""
        q, c = label(self.quality.column).name, label(self.cost.column).name
        side = "below the highest" if self.quality.sense == "max" else "above the lowest"
        low = "lowest" if self.cost.sense == "min" else "highest"
        where = f" on that {group}" if group else ""
        return f"the {low} {c} among the designs whose {q} is at most {number(self.tolerance)} {side} {q}{where}"


def parse_choose(raw: Any, key: str = "report.choose") -> dict[str, Any]:
    """Check a ``[report] choose`` table; returns it as a plain dict. Raises :class:`SpecError` naming ``key``
    for an unknown key, a malformed objective or a tolerance that is not a finite number >= 0."""
    if not isinstance(raw, Mapping):
        raise SpecError(f"{key} must be a table like {{quality = \"f0_5:max\", cost = \"energy_J:min\", "
                        f"tolerance = 0.02}}, got {raw!r}", key=key)
    bad = [k for k in raw if k not in CHOOSE_KEYS]
    if bad:
        raise SpecError(f"unknown {key} key {bad[0]!r}; accepted: {', '.join(CHOOSE_KEYS)}", key=f"{key}.{bad[0]}")
    for k in ("quality", "cost"):
        if k in raw:
            objs = parse_objectives(raw[k], f"{key}.{k}")
            if len(objs) != 1:
                raise SpecError(f"{key}.{k} must be one objective like 'f0_5:max', got {raw[k]!r}", key=f"{key}.{k}")
    if "tolerance" in raw:
        t = raw["tolerance"]
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise SpecError(f"{key}.tolerance must be a finite number >= 0 (quality units), got {t!r}",
                            key=f"{key}.tolerance")
    if "reference" in raw:
        ref = raw["reference"]
        if not isinstance(ref, Mapping) or not ref or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in ref.values()):
            raise SpecError(f"{key}.reference must be a non-empty table of column = value (text or number) naming "
                            f"the reference design, e.g. {{variant = \"telemanom_published\"}}, got {ref!r}",
                            key=f"{key}.reference")
    return dict(raw)


def choice_rule(choose: Mapping[str, Any] | None, objectives: Sequence[Objective]) -> ChoiceRule | None:
    """The rule from a ``[report] choose`` table (checked by :func:`parse_choose`) with defaults from
    ``objectives``; ``None`` when no quality (a ``max`` objective) or no cost (another ``min`` objective) is
    named or given."""
    cfg = parse_choose(choose) if choose else {}
    quality = parse_objectives(cfg["quality"], "report.choose.quality")[0] if "quality" in cfg else next(
        (o for o in objectives if o.sense == "max"), None)
    if quality is None:
        return None
    cost = parse_objectives(cfg["cost"], "report.choose.cost")[0] if "cost" in cfg else next(
        (o for o in objectives if o.sense == "min" and o.column != quality.column), None)
    if cost is None:
        return None
    ref = tuple((str(k), v) for k, v in dict(cfg.get("reference", {})).items())
    return ChoiceRule(quality, cost, float(cfg.get("tolerance", DEFAULT_TOLERANCE)), ref)


@dataclass(frozen=True)
class Choice:
    """The outcome in one group: row labels of ``table`` for the chosen, the best-quality and the lowest-cost
    design, and the sentence that says why."""

    group: tuple
    chosen: Any
    best_quality: Any
    lowest_cost: Any
    sentence: str


def _group_name(key: tuple) -> str:
    return ", ".join(str(k) for k in key)


def design_names(table: pd.DataFrame, design_by: Sequence[str]) -> pd.Series:
    """A short name per row from the columns ``design_by`` that tell designs apart within a group.

    With one text column (e.g. ``variant``) the name is its value (``lif``), followed by ``col=value`` for each
    other column only where that column takes more than one value among the rows of the same text value
    (``mtj_lif, T_K=250``, but plain ``lif`` when only the MTJ variant is swept over temperature). Otherwise
    ``col=value`` joined by ``, `` (``n=16``)."""
    cols = list(design_by)
    if not cols:
        return pd.Series(["design"] * len(table), index=table.index)
    text = [c for c in cols if pd.api.types.infer_dtype(table[c], skipna=True) == "string"]
    if len(text) != 1:
        return table[cols].apply(lambda r: ", ".join(f"{c}={_value(r[c])}" for c in cols), axis=1)
    key = table[text[0]].map(str)
    names = key.copy()
    for c in cols:
        if c == text[0]:
            continue
        varies = table.groupby(key)[c].transform(lambda v: v.nunique(dropna=False) > 1).astype(bool)
        names = names.where(~varies, names + ", " + c + "=" + table[c].map(_value))
    return names


def _value(v: Any) -> str:
    """A design-name value: numbers as :func:`~hwsim.report.labels.number` writes them (``300`` for 300.0)."""
    return number(float(v)) if isinstance(v, int | float | np.number) and not isinstance(v, bool) else str(v)


def choose(table: pd.DataFrame, rule: ChoiceRule, group_by: Sequence[str] = (), design_by: Sequence[str] = ()
           ) -> list[Choice]:
    """Apply ``rule`` in each group of ``table`` (one row per design, e.g. from
    :func:`hwsim.report.summary.designs`); designs with a missing quality or cost are left out.

    Returns one :class:`Choice` per group that has a design with both numbers, in the groups' sorted order.
    Raises ``ValueError`` naming a quality, cost or reference column that is not in ``table``.
    """
    for col, _ in rule.reference:
        if col not in table.columns:
            raise ValueError(f"choose: reference column {col!r} is not in the results; available: "
                             f"{', '.join(map(str, table.columns))}")
    for o in (rule.quality, rule.cost):
        if o.column not in table.columns:
            raise ValueError(f"choose: column {o.column!r} is not in the results; available: "
                             f"{', '.join(map(str, table.columns))}")
    names = design_names(table, design_by)
    groups = list(table.groupby(list(group_by), dropna=False, sort=True)) if group_by else [((), table)]
    out = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        q = pd.to_numeric(sub[rule.quality.column], errors="coerce")
        c = pd.to_numeric(sub[rule.cost.column], errors="coerce")
        valid = q.notna() & c.notna() & np.isfinite(q) & np.isfinite(c)
        if not valid.any():
            continue
        qs = q[valid] if rule.quality.sense == "max" else -q[valid]  # larger is better
        cs = c[valid] if rule.cost.sense == "min" else -c[valid]  # smaller is better
        order = pd.DataFrame({"c": cs, "q": -qs}).sort_values(["c", "q"], kind="stable")
        best = order.sort_values("q", kind="stable").index[0]  # the best quality; ties: the lower cost
        near = qs >= qs[best] - rule.tolerance - _EPS
        chosen = order.index[near.loc[order.index].to_numpy()][0]
        cheapest = order.index[0]
        text = why(sub, rule, chosen, best, cheapest, names, _group_name(key))
        if rule.reference:
            text += against_reference(sub[valid], rule, qs, cs, names)
        out.append(Choice(key, chosen, best, cheapest, text))
    return out


SAME_COST = 0.05
"""Relative cost difference below which the report says "about the same" instead of a ratio such as "1x less"."""


def _ratio(a: float, b: float) -> str:
    """``a / b`` as ``590x`` (``"-"`` for a ratio that cannot be formed)."""
    if not (b > 0 and a > 0):
        return "-"
    return f"{number(a / b)}x"


def why(sub: pd.DataFrame, rule: ChoiceRule, chosen: Any, best: Any, cheapest: Any, names: pd.Series,
        group: str) -> str:
    """The sentence for one group: quality delta to the best-quality design, cost ratio and memory, in numbers."""
    ql, cl = label(rule.quality.column), label(rule.cost.column)
    qn, cn = ql.name, cl.name
    row = sub.loc[chosen]
    qv, cv = float(row[rule.quality.column]), float(row[rule.cost.column])
    mem = ""
    if MEMORY_COLUMN in sub.columns and pd.notna(row[MEMORY_COLUMN]):
        mem = f", memory {with_unit(float(row[MEMORY_COLUMN]), MEMORY_COLUMN)}"
    where = f"On {group} choose" if group else "Choose"
    worse = "below" if rule.quality.sense == "max" else "above"
    less = "less" if rule.cost.sense == "min" else "more"
    if chosen != best:
        b = sub.loc[best]
        bq, bc = float(b[rule.quality.column]), float(b[rule.cost.column])
        ratio = _ratio(bc, cv) if rule.cost.sense == "min" else _ratio(cv, bc)
        bmem = ""
        if MEMORY_COLUMN in sub.columns and pd.notna(b[MEMORY_COLUMN]):
            bmem = f" ({names[best]} {with_unit(float(b[MEMORY_COLUMN]), MEMORY_COLUMN)})"
        return (f"{where} {names[chosen]}: {qn} {number(qv, 3)} ({number(abs(bq - qv))} {worse} "
                f"{names[best]}), {ratio} {less} {cn} ({with_unit(cv, rule.cost.column)} vs "
                f"{with_unit(bc, rule.cost.column)}){mem}{bmem}.")
    text = (f"{where} {names[chosen]}: the best {qn} ({number(qv, 3)}) and no design within "
            f"{number(rule.tolerance)} of it has {'lower' if rule.cost.sense == 'min' else 'higher'} {cn} "
            f"({with_unit(cv, rule.cost.column)}){mem}.")
    if cheapest != chosen:
        k = sub.loc[cheapest]
        kq, kc = float(k[rule.quality.column]), float(k[rule.cost.column])
        ratio = _ratio(cv, kc) if rule.cost.sense == "min" else _ratio(kc, cv)
        a, b = (cv, kc) if rule.cost.sense == "min" else (kc, cv)
        needs = (f"needs about the same ({with_unit(kc, rule.cost.column)}, within {SAME_COST:.0%})"
                 if a > 0 and b > 0 and a / b <= 1.0 + SAME_COST
                 else f"needs {ratio} {less} ({with_unit(kc, rule.cost.column)})")
        text += (f" The design with the {'lowest' if rule.cost.sense == 'min' else 'highest'} {cn}, "
                 f"{names[cheapest]}, {needs} but is {number(abs(qv - kq))} {qn} {worse}.")
    return text


def against_reference(sub: pd.DataFrame, rule: ChoiceRule, qs: pd.Series, cs: pd.Series, names: pd.Series) -> str:
    """The reference clause of one group's sentence (``""`` when the group has no reference design).

    ``sub`` holds the group's designs with both numbers; ``qs``/``cs`` their quality and cost oriented so that a
    larger ``qs`` and a smaller ``cs`` are better. Among the other designs whose quality is at least the
    reference's (no tolerance: "at equal quality"), the one with the lowest cost is compared with the reference.
    """
    is_ref = pd.Series(True, index=sub.index)
    for col, value in rule.reference:
        is_ref &= sub[col].map(str) == str(value)
    if not is_ref.any():
        return ""
    ref = sub.index[is_ref.to_numpy()][0]
    ql, qn, cn = rule.quality.column, label(rule.quality.column).name, label(rule.cost.column).name
    rq, rc = float(sub.at[ref, ql]), float(sub.at[ref, rule.cost.column])
    head = f" Against the reference {names[ref]} ({qn} {number(rq, 3)}, {with_unit(rc, rule.cost.column)}):"
    others = sub.index[~is_ref.to_numpy()]
    good = [i for i in others if qs[i] >= qs[ref] - _EPS]
    less = "less" if rule.cost.sense == "min" else "more"
    if good:
        i = min(good, key=lambda j: (cs[j], -qs[j]))
        c = float(sub.at[i, rule.cost.column])
        ratio = _ratio(rc, c) if rule.cost.sense == "min" else _ratio(c, rc)
        return (f"{head} {names[i]} reaches at least its {qn} ({number(float(sub.at[i, ql]), 3)}) with {ratio} "
                f"{less} {cn} ({with_unit(c, rule.cost.column)}).")
    return f"{head} no design reaches its {qn}."
