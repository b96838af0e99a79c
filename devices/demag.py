"""Demagnetising factors of a general ellipsoid and of an elliptical cylinder (the real MTJ pillar).

Both return the diagonal of the demagnetising tensor (N_x, N_y, N_z) in the body frame whose axes are the
ellipse/ellipsoid principal axes; the trace is 1. The field inside a uniformly magnetised body is
B_demag = −μ0 Ms N m (exact for an ellipsoid, the volume average — "magnetometric" factor — for a cylinder).

Sources
-------
* Ellipsoid: J. A. Osborn, "Demagnetizing factors of the general ellipsoid", Phys. Rev. 67, 351 (1945),
  doi:10.1103/PhysRev.67.351, written with Carlson's symmetric integral R_D (B. C. Carlson, Numer. Algorithms 10,
  13 (1995), doi:10.1007/BF02198293; ``scipy.special.elliprd``): N_a = (abc/3) R_D(b², c², a²), cyclic.
* Elliptical cylinder: M. Beleggia, M. De Graef, Y. T. Millev, "The equivalent ellipsoid of a magnetized body",
  J. Phys. D 39, 891 (2006), doi:10.1088/0022-3727/39/5/001. From the shape amplitude
  D(k) = 2π a b t J1(κ)/κ · sinc(k_z t/2), κ = √((a k_x)² + (b k_y)²), N_ij = (8π³V)⁻¹ ∫ |D|² k_i k_j / k² d³k.
  The k_z integral is done in closed form here, leaving a 2-D quadrature over κ and the in-plane angle φ:
  N_zz = (1/π) ∫₀^{2π} dφ ∫₀^∞ dκ J1²(κ)/κ · h(κ t g(φ)), h(x) = (1 − e^{−x})/x, g² = cos²φ/a² + sin²φ/b²,
  N_xx = (1/π) ∫∫ J1²(κ)/κ · (cos²φ / (a² g²)) · (1 − h), N_yy likewise with sin²φ/b².
  (Same result as the real-space energy of the two charged end faces for a circular pillar.)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import integrate, special

__all__ = ["demag_factors", "ellipsoid_demag_factors", "elliptical_cylinder_demag_factors"]


def _check_lengths(**kw: float) -> None:
    for name, v in kw.items():
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite length > 0 m, got {v!r}")


def ellipsoid_demag_factors(a_m: float, b_m: float, c_m: float) -> tuple[float, float, float]:
    """Demagnetising factors (N_a, N_b, N_c) of an ellipsoid with semi-axes a, b, c along x, y, z [m].

    Osborn (1945) in Carlson form, N_a = (abc/3) R_D(b², c², a²) and cyclic permutations; exact, trace 1.

    Raises
    ------
    ValueError
        if a semi-axis is not a finite positive length.
    """
    _check_lengths(a_m=a_m, b_m=b_m, c_m=c_m)
    s = max(a_m, b_m, c_m)  # scale-free: work in units of the largest semi-axis
    a, b, c = a_m / s, b_m / s, c_m / s
    pre = a * b * c / 3.0
    na = pre * special.elliprd(b * b, c * c, a * a)
    nb = pre * special.elliprd(c * c, a * a, b * b)
    nc = pre * special.elliprd(a * a, b * b, c * c)
    return float(na), float(nb), float(nc)


def _h(x: np.ndarray) -> np.ndarray:
    """(1 − e^{−x})/x, accurate near x = 0."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = x < 1e-6
    out[small] = 1.0 - x[small] / 2.0 + x[small] ** 2 / 6.0
    xs = x[~small]
    out[~small] = -np.expm1(-xs) / xs
    return out


def _kappa_nodes(K: float = 400.0, panels: int = 800, order: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss–Legendre nodes and weights on [0, K] (half-unit panels resolve the J1² oscillation)."""
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(0.0, K, panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[1:] + edges[:-1])
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    weights = (half[:, None] * w[None, :]).ravel()
    return nodes, weights


def _kappa_integrals(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each c: (∫₀^∞ J1²(κ)/κ · h(cκ) dκ, ∫₀^∞ J1²(κ)/κ · (1 − h(cκ)) dκ).

    Composite Gauss–Legendre on [0, K], K = 400, plus the tail with the large-κ average J1² → 1/(πκ)
    (relative error O(1/K²) of a term that is itself O(1/K)). The sum of both integrals is exactly 1/2.
    """
    K = 400.0
    k, w = _kappa_nodes(K)
    base = special.j1(k) ** 2 / k * w
    out_z, out_t = [], []
    for ci in np.atleast_1d(c):
        hv = _h(ci * k)
        iz = float(np.dot(base, hv))
        it = float(np.dot(base, 1.0 - hv))
        tail_z = integrate.quad(lambda q, ci=ci: _h(np.array([ci * q]))[0] / (np.pi * q * q), K, np.inf)[0]
        tail_t = 1.0 / (np.pi * K) - tail_z
        out_z.append(iz + tail_z)
        out_t.append(it + tail_t)
    return np.array(out_z), np.array(out_t)


@lru_cache(maxsize=256)
def _cylinder_cached(a: float, b: float, t: float, n_phi: int) -> tuple[float, float, float]:
    # Gauss–Legendre in φ over a quarter period (the integrand is even about φ = 0 and φ = π/2).
    x, w = np.polynomial.legendre.leggauss(n_phi)
    phi = 0.25 * np.pi * (x + 1.0)
    wphi = 0.25 * np.pi * w
    c2, s2 = np.cos(phi) ** 2, np.sin(phi) ** 2
    g = np.sqrt(c2 / a**2 + s2 / b**2)
    iz, it = _kappa_integrals(t * g)
    f = 4.0 / np.pi  # four quarter periods, prefactor 1/π
    nxx = f * np.sum(wphi * it * (c2 / a**2) / g**2)
    nyy = f * np.sum(wphi * it * (s2 / b**2) / g**2)
    nzz = f * np.sum(wphi * iz)
    return float(nxx), float(nyy), float(nzz)


def elliptical_cylinder_demag_factors(a_m: float, b_m: float, t_m: float, n_phi: int = 24
                                      ) -> tuple[float, float, float]:
    """Magnetometric demagnetising factors (N_x, N_y, N_z) of an elliptical cylinder.

    Parameters
    ----------
    a_m, b_m : semi-axes of the elliptical cross-section along x and y [m].
    t_m : height (thickness) along z [m].
    n_phi : Gauss–Legendre points over a quarter period of the in-plane angle (24 gives ≈ 1e-6).

    Notes
    -----
    Beleggia, De Graef & Millev, J. Phys. D 39, 891 (2006) (see module doc); trace 1 to quadrature accuracy.
    A circular cylinder of height = diameter gives N_z = 0.2732 (Chen, Brug & Goldfarb, IEEE Trans. Magn. 27,
    3601 (1991), doi:10.1109/20.102932). Cached per geometry (a few ms per new shape).

    Raises
    ------
    ValueError
        if a length is not finite and positive, or ``n_phi`` < 4.
    """
    _check_lengths(a_m=a_m, b_m=b_m, t_m=t_m)
    if int(n_phi) < 4:
        raise ValueError(f"n_phi must be an integer >= 4, got {n_phi!r}")
    s = max(a_m, b_m, t_m)
    return _cylinder_cached(round(a_m / s, 12), round(b_m / s, 12), round(t_m / s, 12), int(n_phi))


def demag_factors(shape: str, lx_m: float, ly_m: float, lz_m: float) -> tuple[float, float, float]:
    """(N_x, N_y, N_z) of a free layer with full extents lx, ly (in-plane ellipse axes) and lz (height) [m].

    ``shape``: ``"ellipsoid"`` (semi-axes lx/2, ly/2, lz/2; Osborn) or ``"cylinder"`` (elliptical pillar;
    Beleggia et al.). Raises ValueError for another shape or a non-positive length.
    """
    if shape == "ellipsoid":
        return ellipsoid_demag_factors(lx_m / 2, ly_m / 2, lz_m / 2)
    if shape == "cylinder":
        return elliptical_cylinder_demag_factors(lx_m / 2, ly_m / 2, lz_m)
    raise ValueError(f"shape must be 'ellipsoid' or 'cylinder', got {shape!r}")
