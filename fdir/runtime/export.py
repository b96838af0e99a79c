"""Build a runtime bundle from a trained detector's ``export_layers()``, a peephole probe and an FDIR table,
optionally in fixed point (FORMAT.md, "Fixed point"). numpy only: the training-side objects are read through their
numpy attributes.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from fdir.runtime.bundle import save_bundle
from fdir.runtime.graph import AFFINE_OPS, FormatError, Graph
from fdir.runtime.quant import qmax, quantize, scale_for

__all__ = [
    "activation_bits",
    "export_bundle",
    "make_bundle",
    "probe_section",
    "quantize_bundle",
    "spot_section",
    "standardized_windows",
    "union_section",
]


def probe_section(probe, layer: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``peephole`` section and its arrays from a fitted :class:`fdir.reaction_wheel.peephole.probe.PeepholeProbe`.

    The corevector standardisation is folded into the projection: project_w = Vᵀ_{:κ,:d} / s,
    project_b = (Vᵀ_{:κ,d} − m) / s. A probe with residual-profile features (``probe.n_residual`` > 0) gets a
    ``residual`` block with their standardisation w = 1/s, b = −m/s (its ``layout`` is filled in by
    :func:`make_bundle` from the detector's input layout).
    """
    cvm = probe.cv_map
    k = int(cvm.kappa)
    Vt = np.asarray(cvm.Vt, np.float64)
    s = np.asarray(probe.cv_std, np.float64)
    m = np.asarray(probe.cv_mean, np.float64)
    n_r = int(getattr(probe, "n_residual", 0))
    arrays = {
        "peephole.project_w": (Vt[:, :-1] / s[:k, None]).astype(np.float32),
        "peephole.project_b": ((Vt[:, -1] - m[:k]) / s[:k]).astype(np.float32),
        "peephole.gmm_means": np.asarray(probe.means, np.float32),
        "peephole.gmm_logvar": np.log(np.asarray(probe.variances, np.float64)).astype(np.float32),
        "peephole.gmm_logweight": np.log(np.asarray(probe.weights, np.float64)).astype(np.float32),
    }
    tables = {}
    for f, t in probe.tables.items():
        arrays[f"peephole.table.{f}"] = np.asarray(t, np.float32)
        tables[f] = f"peephole.table.{f}"
    section = {
        "layer": layer or cvm.layer, "kappa": int(cvm.kappa), "in_dim": int(cvm.in_dim),
        "source": "arXiv:2604.08424 peephole (fdir.reaction_wheel.peephole)",
        "project_w": "peephole.project_w", "project_b": "peephole.project_b", "gmm_means": "peephole.gmm_means",
        "gmm_logvar": "peephole.gmm_logvar", "gmm_logweight": "peephole.gmm_logweight", "tables": tables,
        "concepts": {f: list(c) for f, c in probe.concepts.items()},
        "temperatures": {f: float(probe.temperatures.get(f, 1.0)) for f in probe.tables},
        "tau": float(probe.tau), "ll_threshold": float(probe.ll_threshold),
    }
    if n_r:
        arrays["peephole.residual.w"] = (1.0 / s[k:]).astype(np.float32)
        arrays["peephole.residual.b"] = (-m[k:] / s[k:]).astype(np.float32)
        section["residual"] = {"channels": n_r, "window": None, "layout": None, "eps": float(probe.residual_eps),
                               "w": "peephole.residual.w", "b": "peephole.residual.b",
                               "source": "per-channel reconstruction-error profile "
                                         "(fdir.reaction_wheel.peephole.probe)"}
    return section, arrays


def spot_section(thresholder, n_streams: int, l_s: int) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``detector.threshold`` section with ``"method": "spot"`` (FORMAT.md) and its float64 arrays from a fitted
    :class:`fdir.spot.SPOTThresholder` (read through its attributes ``q``, ``level``, ``depth``, ``merge_gap``,
    ``shape`` and per-stream ``tails_``): per stream t, the latest peaks (``spot.<i>.peaks``), N_t, n, the GPD fit
    (γ, σ; null for a degenerate tail), z_q and, for DSPOT, the last d non-alarm values (``spot.<i>.window``); the
    per-stream risk ``q_stream`` = q/S as :meth:`fdir.spot.SPOTThresholder.evaluate` uses it (q already holds the
    channel's share of a series budget, :meth:`fdir.spot.SPOTThresholder.share`); ``l_s`` the first scored sample
    of the forecast detector (FORMAT.md, t₀); with ``merge_gap`` g > 0 also ``quarantine`` = g (the samples after an
    alarm that are not learned, :mod:`fdir.spot`, Quarantine; format version 7). :class:`fdir.runtime.spot.SPOTStreams`
    continues from this state.

    Raises
    ------
    ValueError
        for an unfitted thresholder, a stream count other than ``n_streams``, more peaks than
        :data:`fdir.runtime.spot.MAX_PEAKS` or ``l_s`` < 0.
    """
    from fdir.runtime.spot import MAX_PEAKS

    tails_ = getattr(thresholder, "tails_", None)
    if tails_ is None:
        raise ValueError("thresholder: call fit(train_scores) first")
    if len(tails_) != int(n_streams):
        raise ValueError(f"n_streams={n_streams}: the SPOT thresholder was fitted on {len(tails_)} streams")
    if int(l_s) < 0:
        raise ValueError(f"l_s={l_s}, accepted: an integer >= 0")
    arrays, tails = {}, []
    for i, tl in enumerate(tails_):
        if len(tl.peaks) > MAX_PEAKS:
            raise ValueError(f"stream {i} holds {len(tl.peaks)} peaks, the runtime keeps at most {MAX_PEAKS}")
        arrays[f"spot.{i}.peaks"] = np.asarray(tl.peaks, np.float64)
        tails.append({"t": float(tl.t), "n": int(tl.n), "n_peaks": int(tl.n_peaks), "peaks": f"spot.{i}.peaks",
                      "gamma": None if tl.fit is None else float(tl.fit.gamma),
                      "sigma": None if tl.fit is None else float(tl.fit.sigma), "z": float(tl.z)})
        if thresholder.depth:
            arrays[f"spot.{i}.window"] = np.asarray(tl.window, np.float64)
            tails[-1]["window"] = f"spot.{i}.window"
    section = {"method": "spot", "l_s": int(l_s), "q_stream": float(thresholder.q) / len(tails_),
               "level": float(thresholder.level), "depth": int(thresholder.depth),
               "merge_gap": int(thresholder.merge_gap), "shape": str(thresholder.shape), "max_peaks": MAX_PEAKS,
               "tails": tails, "source": "fdir.spot (Siffer et al., KDD 2017, doi:10.1145/3097983.3098144)"}
    if thresholder.merge_gap:
        section["quarantine"] = int(thresholder.merge_gap)  # fdir.spot, Quarantine: version 7
    return section, arrays


def union_section(thresholder, n_streams: int, l_s: int) -> tuple[dict, dict[str, np.ndarray]]:
    """The ``detector.threshold`` section with ``"method": "spot_or_ndt"`` (FORMAT.md, version 5) and its float64
    arrays from a fitted :class:`fdir.union.SPOTOrNDT` (read through its attributes ``spot``, a fitted
    :class:`fdir.spot.SPOTThresholder`, and ``ndt``, a fitted :class:`fdir.ndt_guards.RelativeGuardNDT` with ``k``,
    ``guard_`` and ``warmup_``): ``spot`` the SPOT state as :func:`spot_section` writes it (its arrays
    ``spot.<i>.peaks`` / ``spot.<i>.window``); ``ndt`` the :class:`fdir.runtime.ndt.NDTParams` of the relative-guard
    NDT, telemanom's defaults with ``min_abs_error`` = guard_ (k x the robust scale of the training errors, score
    units), ``min_rel_scale`` = 0 and ``l_s`` = warmup_ (the training scores' first scored sample); ``l_s`` the first
    scored sample of the forecast detector (FORMAT.md, t₀); ``k`` the guard multiple (informative).
    :class:`fdir.runtime.union.SPOTOrNDTStreams` runs it.

    Raises
    ------
    ValueError
        for an unfitted thresholder, or as :func:`spot_section`.
    """
    from fdir.runtime.ndt import NDTParams

    ndt = getattr(thresholder, "ndt", None)
    if getattr(thresholder, "spot", None) is None or getattr(ndt, "guard_", None) is None:
        raise ValueError("thresholder: call fit(train_scores) first (a fitted fdir.union.SPOTOrNDT is needed)")
    spot, arrays = spot_section(thresholder.spot, n_streams, l_s)
    params = NDTParams(l_s=int(ndt.warmup_), min_abs_error=float(ndt.guard_), min_rel_scale=0.0)
    section = {"method": "spot_or_ndt", "l_s": int(l_s), "k": float(ndt.k), "spot": spot, "ndt": params.to_dict(),
               "source": "fdir.union.SPOTOrNDT: SPOT (Siffer et al., KDD 2017, doi:10.1145/3097983.3098144) or "
                         "telemanom NDT with the relative guard (Hundman et al., KDD 2018, arXiv:1802.04431; "
                         "fdir.ndt_guards.RelativeGuardNDT)"}
    return section, arrays


def standardized_windows(spec: dict, arrays: dict, xw: np.ndarray) -> np.ndarray:
    """Raw windows (N, C, W) → standardised graph inputs (N, *input.shape) in the bundle's layout."""
    inp = spec["input"]
    C = int(inp["channels"])
    xw = np.asarray(xw, np.float64)
    mean = np.zeros(C) if inp.get("mean") is None else np.asarray(arrays[inp["mean"]], np.float64)
    std = np.ones(C) if inp.get("std") is None else np.asarray(arrays[inp["std"]], np.float64)
    z = (xw - mean[None, :, None]) / std[None, :, None]
    if inp["layout"] == "samples x channels":
        z = z.transpose(0, 2, 1)
    return z.reshape(z.shape[0], *inp["shape"]).astype(np.float32)


def _max_abs_sum(layer: dict, wq: np.ndarray) -> int:
    """Largest Σ|w_q| over the weights that meet in one accumulator (one output value) of an affine layer:
    dense (in, out) per column; conv (out, in, *k) per output channel; conv_transpose2d with stride = kernel
    (in, out, kh, kw) per (output channel, kernel position)."""
    a = np.abs(np.asarray(wq, np.int64))
    if layer["op"] in ("dense", "conv_transpose2d"):      # input axis first
        return int(a.sum(axis=0).max(initial=0))
    return int(a.reshape(a.shape[0], -1).sum(axis=1).max(initial=0))


def _accumulator_fits(abs_sum: int, bias_q: np.ndarray | None, a_bits: int) -> bool:
    """Whether |Σ w_q·x_q + b_q| < 2^31 for every input with |x_q| ≤ 2^{a_bits−1} − 1 (exact worst case)."""
    worst = abs_sum * qmax(a_bits)
    if bias_q is not None and np.size(bias_q):
        worst += int(np.max(np.abs(bias_q)))
    return worst < 2**31


def activation_bits(K: int, w_bits: int, a_bits: int | str) -> int:
    """Activation bits of a layer with reduction length K: ``a_bits`` if given, else (``"auto"``) 16 when the
    int32 accumulator cannot overflow, K·(2^15 − 1)·(2^{w_bits−1} − 1) < 2^31, else 8."""
    if a_bits == "auto":
        return 16 if K * (2**15 - 1) * (2 ** (w_bits - 1) - 1) < 2**31 else 8
    if int(a_bits) not in (8, 16):
        raise ValueError(f"a_bits={a_bits!r} must be 8, 16 or 'auto'")
    if K * (2 ** (int(a_bits) - 1) - 1) * (2 ** (w_bits - 1) - 1) >= 2**31:
        raise ValueError(f"a_bits={a_bits} with K={K} terms could overflow the int32 accumulator")
    return int(a_bits)


def quantize_bundle(spec: dict, arrays: dict, calib_inputs: np.ndarray, *, w_bits: int = 8,
                    a_bits: int | str = "auto", param_bits: int = 16, percentile: float = 100.0,
                    headroom: float = 1.0) -> tuple[dict, dict[str, np.ndarray]]:
    """Fixed-point copy of a float bundle: int8 affine weights (per output channel), int32 biases, static input
    scales s_x = r/q_max with r the ``percentile`` of |x| over the inputs of each affine layer when the float
    graph runs on ``calib_inputs`` (N, *input.shape, standardised; ``percentile`` = 100 gives max|x|, lower
    values trade clipping of rare extremes for a finer step; ``headroom`` ≥ 1 multiplies r, so that inputs up to
    ``headroom`` times the calibrated range are represented instead of saturating, at the cost of log2(headroom)
    bits of resolution — an anomaly detector meets values outside its nominal calibration data by design),
    int8 probe projection, int16 GMM parameters and posterior tables. Activations are int8 or int16 per affine
    layer; ``"auto"`` uses int16 wherever the int32 accumulator provably cannot overflow for any input, i.e.
    max over output values of Σ|w_q|·(2^15 − 1) + |b_q| < 2^31 with the layer's actual quantised weights and bias
    (zero weights, e.g. of a block-diagonal folded ensemble, add nothing); an explicit ``a_bits`` is checked the
    same way. The peephole projection uses the reduction-length bound of :func:`activation_bits`.

    Raises
    ------
    ValueError
        for ``w_bits`` outside 2..8, ``param_bits`` outside 8..16, ``percentile`` outside (0, 100], ``headroom``
        < 1, an ``a_bits`` other than 8, 16, "auto" or one that could overflow, or no calibration inputs.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile={percentile!r} must be in (0, 100]")
    if not headroom >= 1.0:
        raise ValueError(f"headroom={headroom!r} must be >= 1")
    if not 2 <= int(w_bits) <= 8:
        raise ValueError(f"w_bits={w_bits!r} must be in [2, 8] (int32 accumulation of int8 products)")
    if not 8 <= int(param_bits) <= 16:
        raise ValueError(f"param_bits={param_bits!r} must be in [8, 16]")
    calib = np.asarray(calib_inputs, np.float32)
    if calib.ndim < 2 or calib.shape[0] == 0:
        raise ValueError("calib_inputs must hold at least one input")
    g = Graph(spec["layers"], arrays, tuple(spec["input"]["shape"]))
    pl = (spec.get("peephole") or {}).get("layer")
    names = [layer["name"] for layer in spec["layers"] if layer["op"] in AFFINE_OPS]
    if pl is not None and pl not in names:
        names.append(pl)
    seen = {n: np.zeros((calib.shape[0], g.inputs[n].size), np.float32) for n in names}
    for i, x in enumerate(calib):
        np.copyto(g.x, x.reshape(g.x.shape))
        g.run()
        for n in names:
            np.abs(g.inputs[n], out=seen[n][i])
    ranges = {n: headroom * max(float(np.percentile(v, percentile)), 1e-12) for n, v in seen.items()}
    if a_bits != "auto" and int(a_bits) not in (8, 16):
        raise ValueError(f"a_bits={a_bits!r} must be 8, 16 or 'auto'")
    candidates = (16, 8) if a_bits == "auto" else (int(a_bits),)
    qspec = copy.deepcopy(spec)
    qarr = dict(arrays)
    for layer in qspec["layers"]:
        if layer["op"] not in AFFINE_OPS:
            continue
        name = layer["name"]
        w = np.asarray(arrays[layer["w"]], np.float64)
        if layer["op"] == "dense":
            sw = scale_for(w.T, w_bits, per_channel=True)
            wq = quantize(w.T, w_bits, sw, np.int8).T
        elif layer["op"] == "conv_transpose2d":
            wt = w.transpose(1, 0, 2, 3)
            sw = scale_for(wt, w_bits, per_channel=True)
            wq = quantize(wt, w_bits, sw, np.int8).transpose(1, 0, 2, 3)
        else:
            sw = scale_for(w, w_bits, per_channel=True)
            wq = quantize(w, w_bits, sw, np.int8)
        qarr[layer["w"]] = np.ascontiguousarray(wq)
        qarr[f"{name}.w_scale"] = sw.astype(np.float32)
        b = None if layer.get("b") is None else np.asarray(arrays[layer["b"]], np.float64)
        abs_sum = _max_abs_sum(layer, wq)
        for ab in candidates:                     # "auto": int16 wherever the accumulator provably cannot overflow
            sx = ranges[name] / qmax(ab)
            bq = None if b is None else np.rint(b / (sx * sw))
            if _accumulator_fits(abs_sum, bq, ab):
                break
        else:
            raise ValueError(f"layer {name!r}: a_bits={ab} with Σ|w_q| = {abs_sum} could overflow the int32 "
                             "accumulator")
        if bq is not None:
            qarr[layer["b"]] = bq.astype(np.int32)
        layer["quant"] = {"x_scale": float(sx), "w_scale": f"{name}.w_scale", "a_bits": ab}
    if pl is not None:
        sec = qspec["peephole"]
        W = np.asarray(arrays[sec["project_w"]], np.float64)
        sw = scale_for(W, w_bits, per_channel=True)
        qarr[sec["project_w"]] = quantize(W, w_bits, sw, np.int8)
        qarr[f"{sec['project_w']}_scale"] = sw.astype(np.float32)
        ab = activation_bits(W.shape[1], int(w_bits), a_bits)
        sec["x_scale"] = ranges[pl] / (2 ** (ab - 1) - 1)
        sec["a_bits"] = ab
        keys = [sec["gmm_means"], sec["gmm_logvar"], sec["gmm_logweight"], *sec["tables"].values()]
        for key in keys:
            a = np.asarray(arrays[key], np.float64)
            s = scale_for(a, param_bits)
            qarr[key] = quantize(a, param_bits, s, np.int16)
            qarr[f"{key}_scale"] = np.asarray([float(s)], np.float32)
    qspec["quantization"] = {"scheme": "symmetric", "w_bits": int(w_bits), "a_bits": a_bits, "acc_bits": 32,
                             "param_bits": int(param_bits), "calibration_inputs": int(calib.shape[0]),
                             "calibration_percentile": float(percentile)}
    return qspec, qarr


def make_bundle(detector: tuple[dict, dict], *, probe=None, fdir_config=None) -> tuple[dict, dict]:
    """Combine a detector ``(spec, arrays)`` with an optional probe and :class:`fdir.runtime.logic.FdirConfig`.

    Raises
    ------
    FormatError
        when the probe's layer is not in the graph.
    """
    spec, arrays = copy.deepcopy(detector[0]), dict(detector[1])
    if probe is not None:
        sec, parr = probe_section(probe)
        if sec["layer"] not in [layer.get("name") for layer in spec["layers"]]:
            raise FormatError(f"probe layer {sec['layer']!r} is not a layer of the exported graph")
        if "residual" in sec:
            inp = spec["input"]
            if int(inp["channels"]) != sec["residual"]["channels"]:
                raise FormatError(f"probe residual profile has {sec['residual']['channels']} channels, the detector "
                                  f"input {inp['channels']}")
            sec["residual"].update(window=int(inp["window"]), layout=inp["layout"])
        spec["peephole"] = sec
        arrays.update(parr)
    if fdir_config is not None:
        spec["fdir"] = fdir_config.to_dict()
    return spec, arrays


def export_bundle(folder: str | Path, detector: tuple[dict, dict], *, probe=None, fdir_config=None,
                  fixed_point: bool = False, calib_windows: np.ndarray | None = None, w_bits: int = 8,
                  a_bits: int | str = "auto", percentile: float = 100.0) -> Path:
    """Write a bundle (float32, or fixed point calibrated on raw ``calib_windows`` (N, C, W)); returns the folder.

    Raises
    ------
    ValueError
        when ``fixed_point`` is requested without calibration windows.
    """
    spec, arrays = make_bundle(detector, probe=probe, fdir_config=fdir_config)
    if fixed_point:
        if calib_windows is None:
            raise ValueError("fixed_point export needs calib_windows (nominal raw windows)")
        spec, arrays = quantize_bundle(spec, arrays, standardized_windows(spec, arrays, calib_windows),
                                       w_bits=w_bits, a_bits=a_bits, percentile=percentile)
    return save_bundle(folder, spec, arrays)
