"""Peephole probe: Gaussian mixture over corevectors and an empirical cluster → concept posterior.

Method (arXiv:2604.08424; ``SSIGPRO/peepholelib`` ``classifier/tgmm.py``, ``classifier/classifier_base.py``):

1. corevectors cv of a chosen detector layer (:mod:`fdir.reaction_wheel.peephole.corevector`), standardised with
   training statistics z = (cv − m)/s;
2. a Gaussian mixture with K components (scikit-learn ``GaussianMixture``, diagonal covariances by default) fitted
   on training corevectors only;
3. per concept family f (which wheel, fault type, channel) the empirical posterior table
   P_f(c | k) = (n_kc + α) / (n_k + α·n_c) from the hard cluster assignments of labelled training windows
   (α = ``alpha`` Laplace smoothing; an empty cluster gives the uniform row, never a division by zero);
4. the peephole output p_f(c | x) = Σ_k γ_k(z) P_f(c | k), with γ the GMM responsibilities, then temperature
   scaling per family, fitted on a validation split (:mod:`fdir.reaction_wheel.peephole.calibration`);
5. ``unknown`` (code −1) when max_c p_f < τ (``tau``) or when the GMM log-likelihood of z is below the
   ``ll_quantile`` (1 %) quantile of the training log-likelihoods (out-of-distribution corevector).

Extension beyond the paper (optional, ``n_residual`` > 0): the probe's feature vector is the corevector followed
by the detector's per-channel reconstruction-error profile r_c = log(mean_t (z_ct − ẑ_ct)² + ε), c = 1..C
(standardised units, ε = ``residual_eps``), i.e. the input of the detector's own score stage pooled per channel.
It is not a corevector (the score stage is not affine); the GMM, the empirical posterior, the calibration and the
``unknown`` rule are unchanged. It carries the *where* of a reconstruction-based detection, which the latent mixes
(see :mod:`fdir.reaction_wheel.peephole.study` for the measured effect). :meth:`PeepholeProbe.features` builds the
vector.

The diagonal-Gaussian log-joint is evaluated as one affine map of [z², z] (the form used by the numpy runtime and
costed in the IR): log π_k N(z | μ_k, σ_k²) = [z², z] · G[:, k] + c_k with G = [−½ σ_k⁻²; μ_k σ_k⁻²] and
c_k = log π_k − ½ Σ_j (μ_kj² σ_kj⁻² + log σ_kj² + log 2π).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fdir.reaction_wheel.peephole.calibration import apply_temperature, fit_temperature
from fdir.reaction_wheel.peephole.corevector import CoreVectorMap

__all__ = ["PeepholeProbe", "fit_probe", "peephole_features", "residual_profile"]


def residual_profile(z: np.ndarray, z_hat: np.ndarray) -> np.ndarray:
    """Per-channel reconstruction-error profile (N, C): mean over the W samples of (z − ẑ)² for windows
    ``z``, ``z_hat`` (N, C, W) in standardised units (the detector's window score is its mean over C).

    Raises
    ------
    ValueError
        for arrays that are not (N, C, W) of the same shape.
    """
    z = np.asarray(z, np.float64)
    zh = np.asarray(z_hat, np.float64)
    if z.ndim != 3 or z.shape != zh.shape:
        raise ValueError(f"z and z_hat must be (N, C, W) arrays of one shape, got {z.shape} and {zh.shape}")
    return np.mean((z - zh) ** 2, axis=2)


def peephole_features(cv_map: CoreVectorMap, acts: np.ndarray, residual: np.ndarray | None = None,
                      n_residual: int = 0, eps: float = 1e-6) -> np.ndarray:
    """[cv_map(acts), log(residual + eps)] (N, κ + n_residual); the corevector alone when ``n_residual`` = 0.

    Raises
    ------
    ValueError
        when ``n_residual`` > 0 and ``residual`` is missing or not (N, n_residual) with finite values >= 0.
    """
    cv = cv_map(acts)
    if not n_residual:
        return cv
    if residual is None:
        raise ValueError(f"residual (N, {n_residual}) is required: the probe uses the residual profile")
    r = np.asarray(residual, np.float64)
    if r.ndim == 1:
        r = r[None]
    if r.shape != (cv.shape[0], int(n_residual)) or not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError(f"residual must be (N={cv.shape[0]}, {n_residual}) finite values >= 0, got {r.shape}")
    return np.concatenate([cv, np.log(r + eps)], axis=1)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0]


@dataclass
class PeepholeProbe:
    """A fitted probe (see module doc). Arrays are float64 numpy.

    ``cv_map`` corevector map; ``cv_mean``/``cv_std`` (n_f,) feature standardisation; ``weights`` (K,),
    ``means`` (K, n_f), ``variances`` (K, n_f) of the diagonal GMM (n_f = :attr:`n_features`); ``tables``
    family → (K, n_c) posterior table; ``concepts`` family → class names; ``temperatures`` family → T (1 before
    calibration); ``tau`` confidence threshold;
    ``ll_threshold`` log-likelihood threshold (nats); ``cluster_counts`` (K,) training windows per cluster;
    ``n_residual`` number of residual-profile features appended to the κ corevector entries (0: corevector only)
    and ``residual_eps`` their log floor. The GMM is over n_features = κ + n_residual standardised features.
    """

    cv_map: CoreVectorMap
    cv_mean: np.ndarray
    cv_std: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    tables: dict[str, np.ndarray]
    concepts: dict[str, tuple[str, ...]]
    temperatures: dict[str, float] = field(default_factory=dict)
    tau: float = 0.5
    ll_threshold: float = -np.inf
    cluster_counts: np.ndarray | None = None
    n_residual: int = 0
    residual_eps: float = 1e-6

    @property
    def n_components(self) -> int:
        return int(self.weights.size)

    @property
    def kappa(self) -> int:
        return self.cv_map.kappa

    @property
    def n_features(self) -> int:
        """κ + n_residual: length of the feature vector the GMM models."""
        return self.kappa + int(self.n_residual)

    def features(self, acts: np.ndarray, residual: np.ndarray | None = None) -> np.ndarray:
        """Probe features (N, n_features): corevectors of the layer inputs ``acts`` (N, d), followed, when
        ``n_residual`` > 0, by log(``residual`` + ε) with ``residual`` (N, n_residual) the per-channel mean
        squared reconstruction error (standardised units; :func:`residual_profile`).

        Raises
        ------
        ValueError
            when the residual is missing or has the wrong shape.
        """
        return peephole_features(self.cv_map, acts, residual, self.n_residual, self.residual_eps)

    def linear_form(self) -> tuple[np.ndarray, np.ndarray]:
        """(G (2κ, K), c (K,)) with log π_k N(z | μ_k, σ_k²) = [z², z] · G[:, k] + c_k."""
        prec = 1.0 / self.variances
        G = np.concatenate([-0.5 * prec, self.means * prec], axis=1).T
        c = (np.log(self.weights) - 0.5 * np.sum(self.means**2 * prec + np.log(self.variances), axis=1)
             - 0.5 * self.n_features * np.log(2 * np.pi))
        return G, c

    def standardize(self, cv: np.ndarray) -> np.ndarray:
        return (np.asarray(cv, np.float64) - self.cv_mean) / self.cv_std

    def log_joint(self, cv: np.ndarray) -> np.ndarray:
        """log π_k N(z | μ_k, σ_k²) (N, K) of corevectors ``cv`` (N, κ)."""
        z = self.standardize(cv)
        G, c = self.linear_form()
        return np.concatenate([z * z, z], axis=1) @ G + c

    def log_likelihood(self, cv: np.ndarray) -> np.ndarray:
        """GMM log-density (N,) of the standardised corevectors (nats)."""
        return _logsumexp(self.log_joint(cv))

    def responsibilities(self, cv: np.ndarray) -> np.ndarray:
        """γ (N, K): posterior cluster probabilities."""
        lj = self.log_joint(cv)
        lj -= lj.max(axis=1, keepdims=True)
        e = np.exp(lj)
        return e / e.sum(axis=1, keepdims=True)

    def proba(self, cv: np.ndarray, family: str, calibrated: bool = True) -> np.ndarray:
        """p_f(c | x) (N, n_c) for concept family ``family``; temperature-scaled when ``calibrated``.

        Raises
        ------
        ValueError
            for an unknown family.
        """
        if family not in self.tables:
            raise ValueError(f"family={family!r} must be one of {tuple(self.tables)}")
        p = self.responsibilities(cv) @ self.tables[family]
        T = self.temperatures.get(family, 1.0) if calibrated else 1.0
        return p if T == 1.0 else apply_temperature(p, T)

    def predict(self, cv: np.ndarray, calibrated: bool = True) -> dict[str, np.ndarray]:
        """Per family the concept code (N,) of the largest posterior, or −1 (``unknown``) when that posterior is
        below ``tau`` or the corevector's log-likelihood is below ``ll_threshold``. Key ``"ood"`` (N,) bool marks
        the low-likelihood windows."""
        ood = self.log_likelihood(cv) < self.ll_threshold
        out: dict[str, np.ndarray] = {"ood": ood}
        for f in self.tables:
            p = self.proba(cv, f, calibrated)
            code = p.argmax(axis=1)
            out[f] = np.where((p.max(axis=1) < self.tau) | ood, -1, code)
        return out

    def calibrate(self, cv_val: np.ndarray, labels_val: dict[str, np.ndarray]) -> dict[str, float]:
        """Fit one temperature per family on a validation split (NLL minimisation); returns and stores them."""
        gam = self.responsibilities(cv_val)
        for f, y in labels_val.items():
            if f not in self.tables:
                raise ValueError(f"labels_val family {f!r} must be one of {tuple(self.tables)}")
            self.temperatures[f] = fit_temperature(gam @ self.tables[f], np.asarray(y))
        return dict(self.temperatures)


def fit_probe(cv_map: CoreVectorMap, cv_train: np.ndarray, labels: dict[str, np.ndarray],
              concepts: dict[str, tuple[str, ...]], *, n_components: int = 50, covariance_type: str = "diag",
              alpha: float = 0.1, tau: float = 0.5, ll_quantile: float = 0.01, seed: int = 0,
              reg_covar: float = 1e-4, max_iter: int = 200, n_residual: int = 0,
              residual_eps: float = 1e-6) -> PeepholeProbe:
    """Fit the GMM (scikit-learn) and the empirical posterior tables on training features (N, κ + n_residual)
    (:func:`peephole_features`: corevectors, then ``n_residual`` log residual-profile entries).

    ``labels`` maps each concept family to integer codes (N,) into ``concepts[family]``. Only diagonal
    covariances are supported by the runtime form (``covariance_type="diag"``); ``"spherical"`` is accepted and
    stored as diagonal.

    Raises
    ------
    ValueError
        for fewer training corevectors than components, label arrays of the wrong length or codes outside the
        concept list, an unsupported covariance type, ``alpha`` < 0, ``tau`` outside [0, 1] or ``ll_quantile``
        outside [0, 1).
    """
    from sklearn.mixture import GaussianMixture

    cv = np.asarray(cv_train, dtype=np.float64)
    if not (isinstance(n_residual, int | np.integer) and n_residual >= 0):
        raise ValueError(f"n_residual={n_residual!r} must be an integer >= 0")
    if not residual_eps > 0:
        raise ValueError(f"residual_eps={residual_eps!r} must be > 0")
    nf = cv_map.kappa + int(n_residual)
    if cv.ndim != 2 or cv.shape[1] != nf:
        raise ValueError(f"cv_train must have shape (N, {nf}) (kappa + n_residual), got {cv.shape}")
    if not (isinstance(n_components, int | np.integer) and 1 <= n_components <= cv.shape[0]):
        raise ValueError(f"n_components={n_components!r} must be an integer in [1, N={cv.shape[0]}]")
    if covariance_type not in ("diag", "spherical"):
        raise ValueError(f"covariance_type={covariance_type!r} must be 'diag' or 'spherical'")
    if alpha < 0:
        raise ValueError(f"alpha={alpha!r} must be >= 0")
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau={tau!r} must be in [0, 1]")
    if not 0.0 <= ll_quantile < 1.0:
        raise ValueError(f"ll_quantile={ll_quantile!r} must be in [0, 1)")
    for f, y in labels.items():
        if f not in concepts:
            raise ValueError(f"labels family {f!r} has no entry in concepts")
        y = np.asarray(y)
        if y.shape != (cv.shape[0],) or np.any(y < 0) or np.any(y >= len(concepts[f])):
            raise ValueError(f"labels[{f!r}] must be (N,) codes in [0, {len(concepts[f]) - 1}]")
    mean = cv.mean(axis=0)
    std = cv.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    z = (cv - mean) / std
    gm = GaussianMixture(n_components=int(n_components), covariance_type=covariance_type, random_state=int(seed),
                         reg_covar=reg_covar, max_iter=max_iter, n_init=1, init_params="k-means++")
    gm.fit(z)
    var = gm.covariances_
    if covariance_type == "spherical":
        var = np.repeat(var[:, None], z.shape[1], axis=1)
    probe = PeepholeProbe(cv_map=cv_map, cv_mean=mean, cv_std=std, weights=gm.weights_.copy(),
                          means=gm.means_.copy(), variances=np.asarray(var, np.float64).copy(), tables={},
                          concepts={f: tuple(concepts[f]) for f in labels}, tau=float(tau),
                          n_residual=int(n_residual), residual_eps=float(residual_eps))
    assign = probe.log_joint(cv).argmax(axis=1)
    K = probe.n_components
    probe.cluster_counts = np.bincount(assign, minlength=K).astype(np.float64)
    for f, y in labels.items():
        nc = len(concepts[f])
        counts = np.zeros((K, nc))
        np.add.at(counts, (assign, np.asarray(y, np.int64)), 1.0)
        tot = counts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            table = (counts + alpha) / (tot + alpha * nc)
        probe.tables[f] = np.where(tot + alpha * nc > 0, table, 1.0 / nc)
    probe.ll_threshold = float(np.quantile(probe.log_likelihood(cv), ll_quantile)) if ll_quantile > 0 else -np.inf
    return probe
