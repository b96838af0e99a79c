"""Known-answer cases of ``devices`` for ``hwsim validate devices`` (devices.md §4, D1–D10), each on the Numba and
the JAX backend in float64 (D1 also in float32).

Expected values are computed from the formulas in :mod:`devices.analytic` inside each case. The computations live
in :mod:`devices._cases`; runs shared by several cases are memoised per process.

D8 needs the peer cmtj (the ``oracles`` extra). Its mapping lives in :mod:`devices._cmtj_oracle`, which imports
cmtj only inside its functions, so ``import devices`` never imports the GPL peer; without cmtj the D8 cases fail
with the install command in the message (a validation case that cannot run is never reported as passed).
Cost (2 cores): ≈ 30 s of JIT compilation, then ≈ 10 s (Numba) and ≈ 35 s (JAX) of simulation.
"""

from __future__ import annotations

import math
from functools import partial

BACKENDS = ("numba", "jax")

_SRC = {
    "D1": "Heun step renormalised to |m| = 1 (devices.md §4 D1)",
    "D2": "energy conservation of the undamped LLG; Heun local error O(Δt³) (devices.md §4 D2)",
    "D3": "Kittel, Phys. Rev. 73, 155 (1948) with Osborn demag factors, Phys. Rev. 67, 351 (1945)",
    "D4": "Stoner & Wohlfarth, Phil. Trans. R. Soc. A 240, 599 (1948)",
    "D5": "Sun, Phys. Rev. B 62, 570 (2000): J_c = 2eαMs t_F B_K/(ħη)",
    "D6": "Brown, Phys. Rev. 130, 1677 (1963): exact Fokker–Planck mean first-passage time (quadrature)",
    "D7": "Boltzmann equilibrium by quadrature over the sphere",
    "D8": "cmtj 1.15 (LemurPwned/cmtj) stochastic Heun at T = 0, same step, CODATA constants",
    "D9": "signed LIF device, arXiv:2606.03796 reconstruction (devices.md §2); τ = 2(1+α²)/(αγ(B_x+B_y))",
    "D10": "Numba vs JAX float64, 1000 random junctions, T = 0, 10 ns",
}


def cases() -> list[dict]:
    from devices import _cases as K

    out: list[dict] = []

    def add(name, src, compute, expected=0.0, tol=0.0, mode="rel", unit=""):
        out.append({"case": name, "source": _SRC[src], "expected": expected, "tolerance": tol,
                    "compute": compute, "mode": mode, "unit": unit})

    for be in BACKENDS:
        for dt, tol in (("float64", 1e-12), ("float32", 1e-6)):
            add(f"D1 unit norm max||m|-1| [{be} {dt}]", "D1", partial(K.d1_unit_norm, be, dt), 0.0, tol, "abs")
        for toward in ("y", "x"):
            dts = K.D2_DT[toward] * 1e12
            add(f"D2 energy drift, 30° toward {toward}, Δt={dts:g} ps [{be}]", "D2",
                partial(K.d2_drift, be, toward), 1e-3, 0.0, "le")
            add(f"D2 drift convergence order, toward {toward} [{be}]", "D2", partial(K.d2_order, be, toward),
                2.0, 0.0, "ge")
        for i, b in enumerate(K.D3_FIELDS_T):
            add(f"D3 Kittel FMR B={b:g} T [{be}]", "D3", partial(K.d3_kittel, be, i), 0.0, 0.005, "rel", "Hz")
        for i, a in enumerate(K.D4_ANGLES_DEG):
            add(f"D4 Stoner-Wohlfarth h_sw psi={a:g}° [{be}]", "D4", partial(K.d4_sw, be, i), 0.0, 0.01)
        add(f"D5 Sun critical current [{be}]", "D5", partial(K.d5_threshold, be), 0.0, 0.02, "rel", "A/m²")
        add(f"D5 0.98 J_c relaxes: 1-m_z after 2 us <= initial [{be}]", "D5", partial(K.d5_relaxes, be),
            0.0, 0.0, "le")
        add(f"D5 1.05 J_c reverses within 2 us: m_z [{be}]", "D5", partial(K.d5_reverses, be), -1.0, 0.1, "abs")
        for s in ((3.0, 5.0) if be == "numba" else (3.0,)):
            add(f"D6 Neel-Brown mean escape sigma={s:g}, {K.D6_RUNS} runs [{be}]", "D6",
                partial(K.d6_escape, be, s), 0.0, 0.07, "rel", "s")
        for s in (3.0, 5.0):
            add(f"D7 Boltzmann <m_z^2> sigma={s:g} [{be}]", "D7", partial(K.d7a, be, s), 0.0, 0.025)
        add(f"D7 Boltzmann <m_x^2> signed device 300 K [{be}]", "D7", partial(K.d7b, be, 0), 0.0, 0.025)
        add(f"D7 Boltzmann <m_y^2> signed device 300 K [{be}]", "D7", partial(K.d7b, be, 1), 0.0, 0.025)
        add(f"D8 STT sign vs cmtj: max|dm| over 10 ns, J=+-2e11 A/m² [{be}]", "D8", partial(K.d8_cmtj, be),
            0.0, 1e-5, "abs")
        add(f"D9 signed LIF: tilt sign follows current sign (fraction) [{be}]", "D9", partial(K.d9_tilt_sign, be),
            1.0, 0.0, "abs")
        add(f"D9 signed LIF: relaxation time vs analytic [{be}]", "D9", partial(K.d9_relaxation, be), 0.0, 0.05,
            "rel", "s")
        add(f"D9 signed LIF: one +1 and one -1 spike with reset (4 checks) [{be}]", "D9", partial(K.d9_spikes, be),
            4.0, 0.0, "abs")
    add("D10 backends agree: max|m_numba - m_jax|", "D10", K.d10_backends_agree, 0.0, 1e-10, "abs")
    assert all(math.isfinite(c["tolerance"]) for c in out)
    return out
