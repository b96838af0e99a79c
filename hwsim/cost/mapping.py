"""Traffic at the backing memory level for a given loop nest (a mapper's choice), Timeloop style.

A convolution has loop dimensions ``N`` (batch), ``K_out``, ``C``, ``P``, ``Q``, ``R``, ``S``. A mapping gives the
loops kept at the backing level (outer to inner), e.g. ``[("Q", 55), ("C", 3)]``; the tile that the inner levels
work on is the full tensor divided by those factors. A tensor is re-fetched for every iteration of the loops down to
the innermost loop that indexes it; loops inside that one reuse the resident tile (stationarity). Hence for tensor
``t``: ``traffic = tile(t) x prod(bounds of the loops down to the innermost loop relevant to t)``, with relevance
Weights {K_out, C, R, S}, Inputs {N, C, P, Q, R, S} (sliding windows: an input tile spans
``(P_t - 1) * stride + R_t`` rows) and Outputs {N, K_out, P, Q} (Parashar et al., Timeloop, ISPASS 2019,
doi:10.1109/ISPASS.2019.00042). Output traffic counts writes (partial sums that leave the chip would add reads; a
loop over C, R or S outside the output loops is rejected rather than guessed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

DIMS = ("N", "K_out", "C", "P", "Q", "R", "S")
RELEVANT = {
    "weights": {"K_out", "C", "R", "S"},
    "inputs": {"N", "C", "P", "Q", "R", "S"},
    "outputs": {"N", "K_out", "P", "Q"},
}


def outer_traffic(dims: Mapping[str, int], loops: Sequence[tuple[str, int]], *, stride: int = 1) -> dict[str, int]:
    """Elements moved at the backing level per tensor (``weights``, ``inputs``, ``outputs``) for loop nest ``loops``.

    Parameters
    ----------
    dims
        loop bounds ``K_out, C, P, Q, R, S`` (and optionally ``N``, default 1).
    loops
        ``(dimension, factor)`` pairs at the backing level, outer to inner; factors must divide the bounds.
    stride
        convolution stride.

    Raises
    ------
    ValueError
        for an unknown dimension, a factor that does not divide its bound, or a reduction loop (C, R, S) outside an
        output loop (partial sums would leave the chip; not modelled).
    """
    b = {d: int(dims.get(d, 1)) for d in DIMS}
    fac = dict.fromkeys(DIMS, 1)
    for d, f in loops:
        if d not in DIMS:
            raise ValueError(f"loop dimension {d!r} not in {DIMS}")
        fac[d] *= int(f)
    for d in DIMS:
        if b[d] % fac[d]:
            raise ValueError(f"loop factor {fac[d]} does not divide bound {d}={b[d]}")
    t = {d: b[d] // fac[d] for d in DIMS}
    tiles = {
        "weights": t["K_out"] * t["C"] * t["R"] * t["S"],
        "inputs": t["N"] * t["C"] * ((t["P"] - 1) * stride + t["R"]) * ((t["Q"] - 1) * stride + t["S"]),
        "outputs": t["N"] * t["K_out"] * t["P"] * t["Q"],
    }
    names = [d for d, _ in loops]
    last_out = max((i for i, d in enumerate(names) if d in RELEVANT["outputs"]), default=-1)
    if any(d in ("C", "R", "S") for d in names[:last_out]):
        raise ValueError("a reduction loop (C, R, S) outside an output loop sends partial sums off chip: not modelled")
    out = {}
    for tensor, rel in RELEVANT.items():
        j = max((i for i, d in enumerate(names) if d in rel), default=-1)
        mult = 1
        for _, f in loops[: j + 1]:
            mult *= int(f)
        out[tensor] = tiles[tensor] * mult
    return out
