"""Physical constants in SI units (CODATA 2018, exact where the 2019 SI redefinition makes them exact).

Source: E. Tiesinga et al., "CODATA recommended values of the fundamental physical constants: 2018",
Rev. Mod. Phys. 93, 025010 (2021), doi:10.1103/RevModPhys.93.025010.
"""

from __future__ import annotations

import math

MU0_T_M_PER_A: float = 1.25663706212e-6
"""Vacuum permeability μ0 [T·m/A]."""

GAMMA_E_RAD_PER_S_T: float = 1.76085963023e11
"""Electron gyromagnetic ratio |γ| [rad s⁻¹ T⁻¹] (γ/2π = 28.0249514 GHz/T)."""

K_B_J_PER_K: float = 1.380649e-23
"""Boltzmann constant k_B [J/K] (exact)."""

E_CHARGE_C: float = 1.602176634e-19
"""Elementary charge e [C] (exact)."""

HBAR_J_S: float = 6.62607015e-34 / (2.0 * math.pi)
"""Reduced Planck constant ħ [J·s] (exact h / 2π)."""
