"""Primitive energies of arithmetic and memory at 45 nm, 0.9 V (Horowitz, "Computing's energy problem (and what we
can do about it)", ISSCC 2014, doi:10.1109/ISSCC.2014.6757323, Figure 1.1.9), and their interpolation to other bit
widths.

Bit-width scaling (status ``derived``): an array multiplier's energy grows with the product of its operand widths,
``E_mult(b_w, b_a) = E_mult(8, 8) * (b_w * b_a / 64) ** (p / 2)`` with ``p = log(E_int32 / E_int8) / log(4)`` fitted
to Horowitz's two integer multipliers (p = 1.98, i.e. quadratic); an adder's energy is interpolated log-log through
Horowitz's 8/16/32-bit adders and extrapolated with the end slopes. A multiply-accumulate is one multiply plus one
add at the same width, the convention of Horowitz's table (int8 MAC = 0.2 + 0.03 = 0.23 pJ).
"""

from __future__ import annotations

import math

import numpy as np

HOROWITZ_45NM_J: dict[str, float] = {
    "int8_add": 0.03e-12,
    "int16_add": 0.05e-12,
    "int32_add": 0.1e-12,
    "fp16_add": 0.4e-12,
    "fp32_add": 0.9e-12,
    "int8_mult": 0.2e-12,
    "int32_mult": 3.1e-12,
    "fp16_mult": 1.1e-12,
    "fp32_mult": 3.7e-12,
    "sram_8KB_read_64b": 10e-12,
    "sram_32KB_read_64b": 20e-12,
    "sram_1MB_read_64b": 100e-12,
    "dram_read_64b_low": 1.3e-9,
    "dram_read_64b_high": 2.6e-9,
}
"""Horowitz ISSCC 2014, Fig. 1.1.9 (45 nm, 0.9 V), in joules. DRAM: the published 1.3-2.6 nJ range per 64 bits."""

CONSTANTS: dict[str, float] = {f"HOROWITZ_{k}": v for k, v in HOROWITZ_45NM_J.items()}
"""Names usable in target-file ``expr`` fields (e.g. ``HOROWITZ_int8_mult + HOROWITZ_int8_add``)."""

_MULT_EXP = math.log(HOROWITZ_45NM_J["int32_mult"] / HOROWITZ_45NM_J["int8_mult"]) / math.log(4.0)
_ADD_BITS = np.log2([8.0, 16.0, 32.0])
_ADD_E = np.log2([HOROWITZ_45NM_J["int8_add"], HOROWITZ_45NM_J["int16_add"], HOROWITZ_45NM_J["int32_add"]])


def int_mult_J(w_bits: np.ndarray | float, a_bits: np.ndarray | float) -> np.ndarray:
    """Integer multiply energy [J] for operand widths ``w_bits`` x ``a_bits`` (broadcast arrays), 45 nm.

    Raises ValueError for widths < 1.
    """
    w = np.asarray(w_bits, dtype=np.float64)
    a = np.asarray(a_bits, dtype=np.float64)
    if np.any(w < 1) or np.any(a < 1):
        raise ValueError("w_bits and a_bits must be >= 1")
    return HOROWITZ_45NM_J["int8_mult"] * (w * a / 64.0) ** (_MULT_EXP / 2.0)


def int_add_J(bits: np.ndarray | float) -> np.ndarray:
    """Integer add energy [J] at width ``bits`` (log-log interpolation of Horowitz's 8/16/32-bit adders), 45 nm.

    Raises ValueError for widths < 1.
    """
    b = np.asarray(bits, dtype=np.float64)
    if np.any(b < 1):
        raise ValueError("bits must be >= 1")
    x = np.log2(b)
    lo_slope = (_ADD_E[1] - _ADD_E[0]) / (_ADD_BITS[1] - _ADD_BITS[0])
    hi_slope = (_ADD_E[2] - _ADD_E[1]) / (_ADD_BITS[2] - _ADD_BITS[1])
    y = np.interp(x, _ADD_BITS, _ADD_E)
    y = np.where(x < _ADD_BITS[0], _ADD_E[0] + lo_slope * (x - _ADD_BITS[0]), y)
    y = np.where(x > _ADD_BITS[-1], _ADD_E[-1] + hi_slope * (x - _ADD_BITS[-1]), y)
    return 2.0 ** y


def int_mac_J(w_bits: np.ndarray | float, a_bits: np.ndarray | float) -> np.ndarray:
    """Integer multiply-accumulate energy [J]: multiply at ``w_bits x a_bits`` + add at ``max(w_bits, a_bits)``."""
    return int_mult_J(w_bits, a_bits) + int_add_J(np.maximum(w_bits, a_bits))


def fp_mac_J(bits: int) -> float:
    """Floating-point MAC energy [J] at 16 or 32 bits (Horowitz fp16/fp32 multiply + add).

    Raises ValueError for other widths (no published 45 nm figure).
    """
    if bits not in (16, 32):
        raise ValueError(f"fp MAC energy is tabulated for 16 and 32 bits only, got {bits}")
    return HOROWITZ_45NM_J[f"fp{bits}_mult"] + HOROWITZ_45NM_J[f"fp{bits}_add"]


CONSTANTS.update({f"MAC_int{b}_J": float(int_mac_J(b, b)) for b in (2, 4, 8, 16, 32)})
CONSTANTS.update({"MAC_fp16_J": fp_mac_J(16), "MAC_fp32_J": fp_mac_J(32)})
