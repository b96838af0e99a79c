"""Row layout of the per-junction coefficient table shared by the Numba and JAX kernels.

The public parameters (:class:`devices.params.MacrospinParams`) are reduced once, on the host, to a table
``P`` of shape (N_ROWS, N) in the working dtype: one contiguous row per coefficient, so the kernels read
structure-of-arrays data and every junction may have its own value of everything. Units are SI; fields in
tesla, rates in rad/s, "per drive" means per unit of the drive channel (A/m², A or V, see ``simulate``).

The equation both kernels integrate is the explicit Landau–Lifshitz form of the Gilbert equation with
spin torques (exact algebra, see devices.md §1 and :mod:`devices.llg`):

    dm/dt = −γ' m×B − α γ' m×(m×B) − a_J(m) [C_DL m×(m×p) + C_FL m×p] − w_SOT [S_DL m×(m×σ) + S_FL m×σ]

with γ' = γ/(1+α²), B = B_app + h·w_field − D m + B_K (m·u) u + b_thermal and
a_J(m) = w_STT (G0 + G1 m·r) / (Q0 + Q1 m·p) (the drive in A/m², optionally through the TMR conductance for a
voltage drive, times the angular spin-torque efficiency 1/(Q0 + Q1 cos θ)).
"""

from __future__ import annotations

ROW_NAMES: tuple[str, ...] = (
    "GP",            # γ' = γ/(1+α²) [rad s⁻¹ T⁻¹]
    "ALPHA",         # Gilbert damping α
    "DXX", "DYY", "DZZ",  # diagonal stiffness D [T]: B_demag(+axis anisotropy folded in) = −D m
    "BK", "UX", "UY", "UZ",  # uniaxial anisotropy field B_K = 2K_u/Ms [T] and unit easy axis u
    "BAX", "BAY", "BAZ",  # constant applied field [T]
    "HX", "HY", "HZ",  # field-channel vector [T per unit of the field waveform]
    "PX", "PY", "PZ",  # STT polariser unit vector p
    "CDL", "CFL",    # STT damping-like / field-like rates per unit J [rad s⁻¹ per (A/m²)] (η folded into Q)
    "Q0", "Q1",      # STT angular efficiency η(m·p) = 1/(Q0 + Q1 m·p)
    "G0", "G1",      # STT current density per unit drive: J = w (G0 + G1 m·r)
    "RX", "RY", "RZ",  # TMR reference-layer unit vector r
    "SX", "SY", "SZ",  # SOT spin polarisation unit vector σ
    "SDL", "SFL",    # SOT damping-like / field-like rates per unit SOT drive [rad s⁻¹ per (A/m²)]
    "SIG",           # thermal field standard deviation per component and step [T]
    "EV", "EI",      # power per drive²: P = w² (EV·G + EI/G), G = GM0 + GM1 m·r [S]
    "GM0", "GM1",    # junction conductance G(m) = GM0 + GM1 m·r [S]
    "ESOT",          # SOT line power per SOT drive²: P = w_SOT² · ESOT [W per (A/m²)²]
    "EX", "EY", "EZ",  # event axis e: events on u = m·e
    "THP", "THN",    # thresholds: +1 event when u > THP, −1 event when u < −THN
    "RUX", "RUY", "RUZ",  # reset axis: after an event (reset mode 1) m ← sign(m·r_u) r_u
)
ROW: dict[str, int] = {name: i for i, name in enumerate(ROW_NAMES)}
N_ROWS: int = len(ROW_NAMES)

# Constants table handed to the kernels in the working dtype (so float32 kernels never promote to float64).
# index: 0 half, 1 one, 2 two, 3 (π/2)·2⁻³⁰, 4 2⁻³², 5 ln 2, 6 √2, 7..16 1/(2k+1) for k = 1..10,
# 17..27 cos Taylor coefficients (−1)^k/(2k)! for k=0..10, 28..38 sin Taylor coefficients (−1)^k/(2k+1)!,
# 39 zero, 40 32 (ln u = ln m − (32 − E) ln 2 for u = x·2⁻³², x = m·2^E).


def consts(dtype):
    """Kernel constants (see the index list above) as a 1-D array of ``dtype``."""
    import math

    import numpy as np

    c = [0.5, 1.0, 2.0, (math.pi / 2) * 2.0**-30, 2.0**-32, math.log(2.0), math.sqrt(2.0)]
    c += [1.0 / (2 * k + 1) for k in range(1, 11)]
    c += [(-1) ** k / math.factorial(2 * k) for k in range(11)]
    c += [(-1) ** k / math.factorial(2 * k + 1) for k in range(11)]
    c += [0.0, 32.0]
    return np.asarray(c, dtype=dtype)
