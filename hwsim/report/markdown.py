"""Plain Markdown (GitHub-flavoured) tables without extra dependencies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def fmt(value: Any, digits: int = 4) -> str:
    """A compact cell: floats with ``digits`` significant digits, ``-`` for missing, ``|`` escaped."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float):
            if math.isnan(value):
                return "-"
            return f"{value:.{digits}g}"
        return str(value)
    item = getattr(value, "item", None)
    if item is not None and getattr(value, "shape", None) == ():
        return fmt(item(), digits)
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(df: Any, columns: Sequence[str] | None = None, max_rows: int = 50, digits: int = 4) -> str:
    """``df`` (a pandas DataFrame) as a Markdown table; rows beyond ``max_rows`` are summarised in a last line."""
    cols = list(columns) if columns is not None else list(df.columns)
    lines = ["| " + " | ".join(fmt(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for rec in df[cols].head(max_rows).itertuples(index=False):
        lines.append("| " + " | ".join(fmt(v, digits) for v in rec) + " |")
    if len(df) > max_rows:
        lines.append(f"\n({len(df) - max_rows} more rows not shown)")
    return "\n".join(lines)
