"""Known-answer cases of ``devices`` for ``hwsim validate devices`` (devices.md §4, D1–D10, and D11 the weak order
of the midpoint scheme): stochastic Heun on the Numba and the JAX backend in float64 (D1 also in float32), and the
semi-implicit midpoint scheme on Numba at its own chosen steps (see :data:`RUNS`).

Expected values are computed from the formulas in :mod:`devices.analytic` inside each case. The computations live
in :mod:`devices._cases`; runs shared by several cases are memoised per process.

D8 needs the peer cmtj (the ``oracles`` extra). Its mapping lives in :mod:`devices._cmtj_oracle`, which imports
cmtj only inside its functions, so ``import devices`` never imports the GPL peer; without cmtj the D8 cases fail
with the install command in the message (a validation case that cannot run is never reported as passed).
Cost of the Heun cases (2 idle cores): ≈ 30 s of JIT compilation, then ≈ 10 s (Numba) and ≈ 35 s (JAX) of
simulation; the midpoint cases compile their own kernel versions (all 88 cases: 577 s on 2 cores shared with a
load average of ≈ 8).
"""

from __future__ import annotations

import math
from functools import partial

from devices.simulate import SCHEMES

BACKENDS = ("numba", "jax")
RUNS = (("numba", "heun"), ("jax", "heun"), ("numba", "midpoint"), ("jax", "midpoint"))
"""(backend, integrator) pairs validated. Heun runs every case on both backends; the midpoint scheme runs every case
on Numba at its own chosen steps (:data:`devices._cases.STOCHASTIC_DT`, ``D2_DT``, ``D8_SUBSTEPS``) and its JAX
kernel is held to the Numba one by D1 and D10."""

_SRC = {
    "D1": "Heun step renormalised to |m| = 1 (devices.md §4 D1)",
    "D2": "energy conservation of the undamped LLG; Heun local error O(Δt³) (devices.md §4 D2)",
    "D3": "Kittel, Phys. Rev. 73, 155 (1948) with Osborn demag factors, Phys. Rev. 67, 351 (1945)",
    "D4": "Stoner & Wohlfarth, Phil. Trans. R. Soc. A 240, 599 (1948)",
    "D5": "Sun, Phys. Rev. B 62, 570 (2000): J_c = 2eαMs t_F B_K/(ħη)",
    "D6": "Brown, Phys. Rev. 130, 1677 (1963): exact Fokker–Planck mean first-passage time (quadrature)",
    "D7": "Boltzmann equilibrium by quadrature over the sphere",
    "D8": "cmtj 1.15 (LemurPwned/cmtj) stochastic Heun at T = 0, same step, CODATA constants",
    "D8m": "cmtj 1.15 (LemurPwned/cmtj) RK4 at T = 0, Δt = 0.1 ps (hwsim midpoint at 0.01 ps), CODATA constants",
    "D9": "signed LIF device, arXiv:2606.03796 reconstruction (devices.md §2); τ = 2(1+α²)/(αγ(B_x+B_y))",
    "D10": "Numba vs JAX float64, 1000 random junctions, T = 0, 10 ns",
    "D11": "weak order 1 of the stochastic midpoint scheme (Mentink et al., J. Phys.: Condens. Matter 22, 176001 "
           "(2010)): the bias of a Boltzmann moment (quadrature) roughly doubles when Δt doubles",
}


def cases() -> list[dict]:
    from devices import _cases as K

    out: list[dict] = []

    def add(name, src, compute, expected=0.0, tol=0.0, mode="rel", unit=""):
        out.append({"case": name, "source": _SRC[src], "expected": expected, "tolerance": tol,
                    "compute": compute, "mode": mode, "unit": unit})

    for be, sc in RUNS:
        tag = be if sc == "heun" else f"{be} {sc}"
        dtypes = (("float64", 1e-12), ("float32", 1e-6))
        for dt, tol in dtypes:
            add(f"D1 unit norm max||m|-1| [{tag} {dt}]", "D1", partial(K.d1_unit_norm, be, dt, sc), 0.0, tol, "abs")
        if be == "jax" and sc != "heun":
            continue  # the JAX midpoint kernel is held to the Numba one by D10 (and D1 above)
        for toward in ("y", "x"):
            dts = K.D2_DT[sc][toward] * 1e12
            add(f"D2 energy drift, 30° toward {toward}, Δt={dts:g} ps [{tag}]", "D2",
                partial(K.d2_drift, be, toward, sc), 1e-3, 0.0, "le")
            add(f"D2 drift convergence order, toward {toward} [{tag}]", "D2", partial(K.d2_order, be, toward, sc),
                2.0, 0.0, "ge")
        for i, b in enumerate(K.D3_FIELDS_T):
            add(f"D3 Kittel FMR B={b:g} T [{tag}]", "D3", partial(K.d3_kittel, be, i, sc), 0.0, 0.005, "rel", "Hz")
        for i, a in enumerate(K.D4_ANGLES_DEG):
            add(f"D4 Stoner-Wohlfarth h_sw psi={a:g}° [{tag}]", "D4", partial(K.d4_sw, be, i, sc), 0.0, 0.01)
        add(f"D5 Sun critical current [{tag}]", "D5", partial(K.d5_threshold, be, sc), 0.0, 0.02, "rel", "A/m²")
        add(f"D5 0.98 J_c relaxes: 1-m_z after 2 us <= initial [{tag}]", "D5", partial(K.d5_relaxes, be, sc),
            0.0, 0.0, "le")
        add(f"D5 1.05 J_c reverses within 2 us: m_z [{tag}]", "D5", partial(K.d5_reverses, be, sc), -1.0, 0.1, "abs")
        for s in ((3.0, 5.0) if be == "numba" else (3.0,)):
            add(f"D6 Neel-Brown mean escape sigma={s:g}, {K.D6_RUNS} runs [{tag}]", "D6",
                partial(K.d6_escape, be, s, sc), 0.0, 0.07, "rel", "s")
        for s in (3.0, 5.0):
            add(f"D7 Boltzmann <m_z^2> sigma={s:g} [{tag}]", "D7", partial(K.d7a, be, s, sc), 0.0, 0.025)
        add(f"D7 Boltzmann <m_x^2> signed device 300 K [{tag}]", "D7", partial(K.d7b, be, 0, sc), 0.0, 0.025)
        add(f"D7 Boltzmann <m_y^2> signed device 300 K [{tag}]", "D7", partial(K.d7b, be, 1, sc), 0.0, 0.025)
        add(f"D8 STT sign vs cmtj: max|dm| over 10 ns, J=+-2e11 A/m² [{tag}]", "D8" if sc == "heun" else "D8m",
            partial(K.d8_cmtj, be, sc),
            0.0, 1e-5, "abs")
        add(f"D9 signed LIF: tilt sign follows current sign (fraction) [{tag}]", "D9",
            partial(K.d9_tilt_sign, be, sc), 1.0, 0.0, "abs")
        add(f"D9 signed LIF: relaxation time vs analytic [{tag}]", "D9", partial(K.d9_relaxation, be, sc), 0.0, 0.05,
            "rel", "s")
        add(f"D9 signed LIF: one +1 and one -1 spike with reset (4 checks) [{tag}]", "D9",
            partial(K.d9_spikes, be, sc), 4.0, 0.0, "abs")
        if sc != "heun":
            dts = "/".join(f"{d * 1e12:g}" for d in K.D11_DT)
            add(f"D11 weak order of {sc}: Boltzmann <m_z^2> bias slope, Δt={dts} ps [{tag}]", "D11",
                partial(K.d11_weak_order, be, sc), SCHEMES[sc].weak_order, 0.3, "ge")
    for sc in SCHEMES:
        tag = "" if sc == "heun" else f" [{sc}]"
        add(f"D10 backends agree: max|m_numba - m_jax|{tag}", "D10", partial(K.d10_backends_agree, sc), 0.0, 1e-10,
            "abs")
    assert all(math.isfinite(c["tolerance"]) for c in out)
    return out
