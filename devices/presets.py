"""Device presets with provenance: an in-plane CoFeB/MgO ellipse, a perpendicular (PMA) CoFeB/MgO disk
(Ikeda et al., Nat. Mater. 9, 721 (2010)) and the orthogonal-easy-axis signed-spike MTJ (Zheng, Liu, Yang,
arXiv:2606.03796, reconstructed in devices.md §2).

The numbers live in ``devices/presets.toml`` with a source and a status (paper / typical / assumed /
derived) each; derived entries are computed here from the named formula:

* ``K_u_J_per_m3`` from ``thermal_stability_300K`` Δ: K_u = Δ k_B T / V + ½ μ0 Ms² (N_z − N_x) (the
  perpendicular anisotropy must overcome the thin-film demag; T = 300 K);
* ``eta`` from ``Jc0_A_per_m2``: η = 2 e α Ms t_F B_K,eff / (ħ J_c0), B_K,eff = 2 K_eff / Ms (Sun, PRB 62, 570
  (2000)).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from devices import constants as C
from devices.demag import demag_factors
from devices.params import MacrospinParams

__all__ = ["Preset", "preset", "preset_names"]

_BUILD_KEYS = ("Ms_A_per_m", "alpha", "lx_m", "ly_m", "lz_m", "K_u_J_per_m3", "easy_axis", "polarizer", "eta",
               "xi", "RA_ohm_m2", "TMR")


@lru_cache(maxsize=1)
def _raw() -> dict:
    with (Path(__file__).resolve().parent / "presets.toml").open("rb") as fh:
        return tomllib.load(fh)


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return list(_raw())


@dataclass(frozen=True)
class Preset:
    """A named device: ``values`` (SI, build keywords of :meth:`MacrospinParams.build`), ``shape`` of the free
    layer, ``provenance`` {key: (status, source or note)} and a ``description``."""

    name: str
    description: str
    shape: str
    values: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def params(self, n: int = 1, **overrides) -> MacrospinParams:
        """Build N identical junctions (``overrides``: any :meth:`MacrospinParams.build` keyword, e.g.
        ``T_K=300.0``); per-junction arrays (``alpha=np.linspace(...)``) set N themselves (then ``n`` is ignored)."""
        kw = {k: v for k, v in self.values.items() if k in _BUILD_KEYS}
        kw.update(overrides)
        kw.setdefault("shape", self.shape)
        vector_keys = ("easy_axis", "polarizer", "B_app_T", "field_dir", "sot_sigma", "ref_layer", "demag")
        per_junction = any(np.ndim(v) >= 1 and not (k in vector_keys and np.shape(v) == (3,))
                           for k, v in overrides.items() if not isinstance(v, str))
        return MacrospinParams.build(n=None if per_junction else n, meta={"preset": self.name}, **kw)

    def table(self):
        """Provenance as a pandas DataFrame: key, value, status, source."""
        import pandas as pd

        rows = [{"key": k, "value": self.values.get(k), "status": s, "source": src}
                for k, (s, src) in self.provenance.items()]
        return pd.DataFrame(rows)


def preset(name: str) -> Preset:
    """Load preset ``name`` (see :func:`preset_names`); raises ValueError for an unknown name."""
    raw = _raw()
    if name not in raw:
        raise ValueError(f"unknown preset {name!r}; available: {list(raw)}")
    entry = raw[name]
    values: dict = {}
    prov: dict = {}
    for k, v in entry.items():
        if isinstance(v, dict):
            prov[k] = (v.get("status", "assumed"), v.get("source", v.get("note", "")))
            if "value" in v:
                values[k] = v["value"]
    shape = entry.get("shape", "ellipsoid")
    if "thermal_stability_300K" in values and prov.get("K_u_J_per_m3", ("",))[0] == "derived":
        lx, ly, lz = values["lx_m"], values["ly_m"], values["lz_m"]
        N = demag_factors(shape, lx, ly, lz)
        V = (np.pi / 6 if shape == "ellipsoid" else np.pi / 4) * lx * ly * lz
        Ms = values["Ms_A_per_m"]
        k_eff = values["thermal_stability_300K"] * C.K_B_J_PER_K * 300.0 / V
        values["K_u_J_per_m3"] = k_eff + 0.5 * C.MU0_T_M_PER_A * Ms**2 * (N[2] - N[0])
        if "Jc0_A_per_m2" in values and prov.get("eta", ("",))[0] == "derived":
            b_eff = 2.0 * k_eff / Ms
            values["eta"] = (2 * C.E_CHARGE_C * values["alpha"] * Ms * lz * b_eff
                             / (C.HBAR_J_S * values["Jc0_A_per_m2"]))
    missing = [k for k in _BUILD_KEYS if k not in values]
    if missing:
        raise ValueError(f"preset {name!r} lacks values for {missing}")
    return Preset(name=name, description=entry.get("description", ""), shape=shape, values=values,
                  provenance=prov)
