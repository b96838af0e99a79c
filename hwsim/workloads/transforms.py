"""IR transforms: quantisation, sparsity and low-rank factorisation of selected rows.

They change only the IR description (bits, density, rank); the weights themselves are compressed by
:mod:`hwsim.compress`, which also reports the error introduced. Rows are selected by ``kinds`` (default: the rows
compression usually targets, :data:`hwsim.cost.points.COMPRESSIBLE_KINDS`) and an optional regular expression on
``layer``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hwsim import ir

COMPRESSIBLE_KINDS = ("linear", "conv1d", "conv2d", "expert", "router", "snn_dense", "snn_conv")


def _is_integer(v: object) -> bool:
    """True for an int or an integral finite float (4 or 4.0; not True, 2.5, NaN or inf)."""
    return (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)
            and float(v) == int(v))


def _select(table: pd.DataFrame, kinds: Sequence[str], layers: str | None) -> np.ndarray:
    bad = [k for k in kinds if k not in ir.KINDS]
    if bad:
        raise ValueError(f"kinds {bad} unknown; accepted: {ir.KINDS}")
    m = table["kind"].isin(kinds).to_numpy()
    if layers is not None:
        rx = re.compile(layers)
        m = m & table["layer"].map(lambda s: bool(rx.search(s))).to_numpy()
    return m


def quantize(table: pd.DataFrame, w_bits: int, *, a_bits: int | None = None, group_size: int = 0,
             scale_bits: int = 16, w_format: str = "int", kinds: Sequence[str] = COMPRESSIBLE_KINDS,
             layers: str | None = None) -> pd.DataFrame:
    """Set weight (and optionally activation) precision of the selected rows.

    ``group_size`` > 0: one ``scale_bits`` scale per group of that many weights along K (no zero point; add the
    zero-point bits to ``scale_bits`` for affine formats); ``group_size`` 0: one scale per output channel
    (``scale_bits`` 0: none, e.g. for float formats).

    Raises
    ------
    ValueError
        for ``w_bits``/``a_bits`` not an integer in [1, 64], ``group_size`` not an integer >= 0, ``scale_bits`` not
        an integer in [0, 64] (NaN and inf included), an unknown format or kind.
    """
    for name, v, lo, hi in (("w_bits", w_bits, 1, 64), ("a_bits", a_bits, 1, 64), ("group_size", group_size, 0, None),
                            ("scale_bits", scale_bits, 0, 64)):
        if name == "a_bits" and v is None:
            continue
        if not (_is_integer(v) and v >= lo and (hi is None or v <= hi)):
            raise ValueError(f"{name}={v!r} must be an integer in [{lo}, {hi if hi is not None else 'inf'}]")
    w_bits, group_size, scale_bits = int(w_bits), int(group_size), int(scale_bits)
    a_bits = None if a_bits is None else int(a_bits)
    if w_format not in ir.FORMATS:
        raise ValueError(f"w_format={w_format!r}; accepted: {ir.FORMATS}")
    out = table.copy()
    m = _select(out, kinds, layers)
    out.loc[m, "w_bits"] = w_bits
    out.loc[m, "w_format"] = w_format
    out.loc[m, "group_size"] = group_size
    out.loc[m, "scale_bits"] = scale_bits
    if a_bits is not None:
        out.loc[m, "a_bits"] = a_bits
    ir.validate(out)
    return out


def sparsify(table: pd.DataFrame, density: float, *, pattern: str = "unstructured",
             kinds: Sequence[str] = COMPRESSIBLE_KINDS, layers: str | None = None) -> pd.DataFrame:
    """Set ``density`` (fraction of non-zero weights, 0 < density <= 1) and ``sparsity_pattern`` of selected rows.

    Raises ValueError for a density outside (0, 1] or an unknown pattern.
    """
    if not (0 < density <= 1):
        raise ValueError(f"density must be in (0, 1], got {density}")
    if pattern not in ir.SPARSITY_PATTERNS:
        raise ValueError(f"pattern={pattern!r}; accepted: {ir.SPARSITY_PATTERNS}")
    out = table.copy()
    m = _select(out, kinds, layers)
    out.loc[m, "density"] = density
    out.loc[m, "sparsity_pattern"] = pattern if density < 1 else "dense"
    ir.validate(out)
    return out


def low_rank(table: pd.DataFrame, *, rank: int | None = None, rank_fraction: float | None = None,
             kinds: Sequence[str] = ("linear",), layers: str | None = None) -> pd.DataFrame:
    """Factorise the selected rows as rank-r products (``rank`` r, or ``rank_fraction`` x min(N, K), at least 1).

    Raises ValueError unless exactly one of ``rank``/``rank_fraction`` is given, for a ``rank`` that is not an
    integer >= 1, a ``rank_fraction`` outside (0, 1] (NaN included), or for r > min(N, K).
    """
    if (rank is None) == (rank_fraction is None):
        raise ValueError("give exactly one of rank, rank_fraction")
    if rank is not None and not (_is_integer(rank) and rank >= 1):
        raise ValueError(f"rank must be an integer >= 1, got {rank!r}")
    if rank_fraction is not None and not (0 < rank_fraction <= 1):
        raise ValueError(f"rank_fraction must be in (0, 1], got {rank_fraction}")
    out = table.copy()
    m = _select(out, kinds, layers)
    mn = np.minimum(out["N"], out["K"]).to_numpy()
    r = np.full(len(out), int(rank) if rank is not None else 0, dtype=np.int64)
    if rank_fraction is not None:
        r = np.maximum(1, np.floor(rank_fraction * mn)).astype(np.int64)
    if np.any(m & (r > mn)):
        i = int(np.flatnonzero(m & (r > mn))[0])
        raise ValueError(f"rank {r[i]} exceeds min(N, K) = {mn[i]} of row {out['layer'].iloc[i]!r}")
    out.loc[m, "rank"] = r[m]
    ir.validate(out)
    return out
