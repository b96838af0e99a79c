"""Peephole probe inside the runtime: standardised corevector, diagonal-GMM responsibilities, concept posteriors.

Per window (all buffers allocated at load):

    z   = project_w · x + project_b                      (κ,)   (int8 x int8 → int32 in the fixed-point export)
    z  += [log(mean_t e_ct + ε) · residual.w + residual.b] (n_r,) appended when the section has ``residual``:
          e = (z_in − ẑ)² the detector's squared residual (float32 in both modes)
    L_k = [z², z] · G[:, k] + c_k                         (K,)   G = [−½ e^{−logvar}; μ e^{−logvar}],
                                 c_k = log π_k − ½ Σ_j (μ² e^{−logvar} + logvar + log 2π)
    ll  = log Σ_k e^{L_k},   γ = e^{L − ll}              GMM log-likelihood and responsibilities
    p_f = normalise((γ · P_f)^{1/T_f})                    per concept family f
    answer_f = argmax p_f, or −1 (unknown) when max p_f < τ or ll < ll_threshold

(see :mod:`fdir.reaction_wheel.peephole.probe` for the method and its source). Imports numpy only.
"""

from __future__ import annotations

import numpy as np

from fdir.runtime.graph import FormatError

__all__ = ["RuntimeProbe"]


def _deq(section: dict, arrays: dict, key_field: str, where: str) -> np.ndarray:
    key = section.get(key_field)
    if key is None or key not in arrays:
        raise FormatError(f"{where}: array for {key_field!r} ({key!r}) is missing")
    a = np.asarray(arrays[key])
    if np.issubdtype(a.dtype, np.integer):
        sk = f"{key}_scale"
        if sk not in arrays:
            raise FormatError(f"{where}: integer array {key!r} needs its scale {sk!r}")
        return a.astype(np.float64) * float(np.asarray(arrays[sk]).reshape(-1)[0])
    return a.astype(np.float64)


class RuntimeProbe:
    """Compiled probe reading the flat layer-input view ``x`` (float32) or, in the fixed-point export, its own
    int32 quantisation of it, and, when the section has a ``residual`` block, the detector's flat squared
    reconstruction residual ``residual`` (C·W float32, in the window buffer layout). After :meth:`run`:
    ``ll`` (float), ``code`` {family: int} (−1 = unknown),
    ``conf`` {family: float}, ``proba`` {family: (n_c,) float32 buffer}, ``ood`` (bool).

    Raises
    ------
    FormatError
        for missing arrays or inconsistent shapes.
    """

    def __init__(self, section: dict, arrays: dict, x: np.ndarray, fixed_point: bool = False,
                 residual: np.ndarray | None = None) -> None:
        where = f"peephole (layer {section.get('layer')!r})"
        self.layer = section.get("layer")
        self.families = tuple(section.get("tables", {}))
        self.concepts = {f: tuple(v) for f, v in section.get("concepts", {}).items()}
        if not self.families:
            raise FormatError(f"{where}: 'tables' must name at least one concept family")
        Wkey = section.get("project_w")
        if Wkey not in arrays:
            raise FormatError(f"{where}: project_w {Wkey!r} is missing")
        W = np.asarray(arrays[Wkey])
        b = np.asarray(arrays[section["project_b"]], np.float32).reshape(-1)
        self.kappa, d = W.shape
        if d != x.size or b.size != self.kappa:
            raise FormatError(f"{where}: project_w {W.shape} / project_b {b.shape} do not match the layer input "
                              f"size {x.size}")
        self.nbytes_params = W.nbytes + b.nbytes
        self.fixed_point = bool(fixed_point)
        self.x = x
        res = section.get("residual")
        self.n_residual = 0
        if res is not None:
            if residual is None:
                raise FormatError(f"{where}: the probe reads the detector's residual profile; pass the squared "
                                  "residual buffer (residual=...)")
            C, Wn = int(res.get("channels", 0)), int(res.get("window", 0))
            if C < 1 or Wn < 1 or residual.size != C * Wn:
                raise FormatError(f"{where}: residual channels x window ({C} x {Wn}) must match the residual "
                                  f"buffer ({residual.size} values)")
            layout = res.get("layout", "channels x samples")
            if layout == "channels x samples":
                self._res_view = residual.reshape(C, Wn)
            elif layout == "samples x channels":
                self._res_view = residual.reshape(Wn, C).T
            else:
                raise FormatError(f"{where}: residual layout {layout!r} must be 'channels x samples' or "
                                  "'samples x channels'")
            rs = _deq(res, arrays, "w", where + " residual").astype(np.float32).reshape(-1)
            ro = _deq(res, arrays, "b", where + " residual").astype(np.float32).reshape(-1)
            if rs.size != C or ro.size != C:
                raise FormatError(f"{where}: residual w/b (scale/offset) must hold {C} values")
            eps = float(res.get("eps", 0.0))
            if not eps > 0:
                raise FormatError(f"{where}: residual eps must be > 0")
            self.n_residual = C
            self._res_scale, self._res_offset, self._res_eps = rs, ro, np.float32(eps)
            self._res_inv_w = np.float32(1.0 / Wn)
            self.nbytes_params += rs.nbytes + ro.nbytes
        self.n_features = self.kappa + self.n_residual
        self.z = np.zeros(self.n_features, np.float32)
        self._zc = self.z[: self.kappa]
        self._zr = self.z[self.kappa:]
        self._b = b
        if fixed_point:
            if W.dtype != np.int8:
                raise FormatError(f"{where}: fixed-point project_w must be int8")
            sx = float(section.get("x_scale", 0.0))
            if not sx > 0:
                raise FormatError(f"{where}: fixed-point probe needs x_scale > 0")
            sw = np.asarray(arrays[f"{Wkey}_scale"], np.float32).reshape(-1)
            self.nbytes_params += sw.nbytes
            self._Wq = W.astype(np.int32)
            self._inv = np.float32(1.0 / sx)
            self._deq = (np.float32(sx) * sw).astype(np.float32)
            self._tmp = np.zeros(x.size, np.float32)
            self._qx = np.zeros(x.size, np.int32)
            self._acc = np.zeros(self.kappa, np.int32)
            self._qmax = np.float32(2 ** (int(section.get("a_bits", 8)) - 1) - 1)
        else:
            self._W = np.ascontiguousarray(W, np.float32)
        mu = _deq(section, arrays, "gmm_means", where)
        logvar = _deq(section, arrays, "gmm_logvar", where)
        logw = _deq(section, arrays, "gmm_logweight", where).reshape(-1)
        K = logw.size
        nf = self.n_features
        if mu.shape != (K, nf) or logvar.shape != (K, nf):
            raise FormatError(f"{where}: gmm_means/gmm_logvar must be ({K}, {nf}) (kappa + residual channels)")
        for key in ("gmm_means", "gmm_logvar", "gmm_logweight"):
            self.nbytes_params += np.asarray(arrays[section[key]]).nbytes
        prec = np.exp(-logvar)
        self.G = np.ascontiguousarray(np.concatenate([-0.5 * prec, mu * prec], axis=1).T, np.float32)
        self.c = (logw - 0.5 * np.sum(mu * mu * prec + logvar, axis=1)
                  - 0.5 * nf * np.log(2 * np.pi)).astype(np.float32)
        self.n_components = K
        self.feat = np.zeros(2 * nf, np.float32)
        self._f_sq = self.feat[:nf]
        self._f_lin = self.feat[nf:]
        self.lj = np.zeros(K, np.float32)
        self.gamma = np.zeros(K, np.float32)
        self.tables: dict[str, np.ndarray] = {}
        self.proba: dict[str, np.ndarray] = {}
        self._logp: dict[str, np.ndarray] = {}
        self.temperatures: dict[str, np.float32] = {}
        for f in self.families:
            t = _deq(section["tables"], arrays, f, where + f" table {f!r}").astype(np.float32)
            if t.ndim != 2 or t.shape[0] != K:
                raise FormatError(f"{where}: table {f!r} must be ({K}, n_c)")
            self.nbytes_params += np.asarray(arrays[section["tables"][f]]).nbytes
            self.tables[f] = np.ascontiguousarray(t)
            self.proba[f] = np.zeros(t.shape[1], np.float32)
            self._logp[f] = np.zeros(t.shape[1], np.float32)
            T = float(section.get("temperatures", {}).get(f, 1.0))
            if not T > 0:
                raise FormatError(f"{where}: temperature of {f!r} must be > 0")
            self.temperatures[f] = np.float32(1.0 / T)
        self.tau = float(section.get("tau", 0.0))
        self.ll_threshold = float(section.get("ll_threshold", -np.inf))
        self.nbytes_buffers = sum(a.nbytes for a in (self.z, self.feat, self.lj, self.gamma))
        self.code = {f: -1 for f in self.families}
        self.conf = {f: 0.0 for f in self.families}
        self.ll = float("nan")
        self.ood = False
        self._tiny = np.float32(1e-12)

    def run(self) -> None:
        """Evaluate the probe on the current layer input."""
        z = self._zc
        if self.fixed_point:
            np.multiply(self.x, self._inv, out=self._tmp)
            np.rint(self._tmp, out=self._tmp)
            np.clip(self._tmp, -self._qmax, self._qmax, out=self._tmp)
            np.copyto(self._qx, self._tmp, casting="unsafe")
            np.matmul(self._Wq, self._qx, out=self._acc)
            np.copyto(z, self._acc, casting="unsafe")
            np.multiply(z, self._deq, out=z)
        else:
            np.matmul(self._W, self.x, out=z)
        np.add(z, self._b, out=z)
        if self.n_residual:
            zr = self._zr
            np.sum(self._res_view, axis=1, out=zr)
            np.multiply(zr, self._res_inv_w, out=zr)
            np.add(zr, self._res_eps, out=zr)
            np.log(zr, out=zr)
            np.multiply(zr, self._res_scale, out=zr)
            np.add(zr, self._res_offset, out=zr)
        z = self.z
        np.multiply(z, z, out=self._f_sq)
        np.copyto(self._f_lin, z)
        np.matmul(self.feat, self.G, out=self.lj)
        np.add(self.lj, self.c, out=self.lj)
        m = self.lj.max()
        np.subtract(self.lj, m, out=self.gamma)
        np.exp(self.gamma, out=self.gamma)
        s = self.gamma.sum()
        np.divide(self.gamma, s, out=self.gamma)
        self.ll = float(m) + float(np.log(s))
        self.ood = self.ll < self.ll_threshold
        for f in self.families:
            p = self.proba[f]
            np.matmul(self.gamma, self.tables[f], out=p)
            inv_t = self.temperatures[f]
            if inv_t != 1.0:
                lp = self._logp[f]
                np.maximum(p, self._tiny, out=lp)
                np.log(lp, out=lp)
                np.multiply(lp, inv_t, out=lp)
                np.subtract(lp, lp.max(), out=lp)
                np.exp(lp, out=p)
            np.divide(p, p.sum(), out=p)
            k = int(p.argmax())
            c = float(p[k])
            self.conf[f] = c
            self.code[f] = -1 if (c < self.tau or self.ood) else k
