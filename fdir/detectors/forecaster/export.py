"""Export of a trained forecaster to the embeddable layer format of :mod:`fdir.runtime` (``fdir/runtime/FORMAT.md``).
numpy only."""

from __future__ import annotations

import numpy as np

from fdir.ndt import NDTParams

__all__ = ["export_layers"]


def export_layers(model, *, name: str = "telemanom-conv-forecaster", ndt: NDTParams | None = None
                  ) -> tuple[dict, dict[str, np.ndarray]]:
    """A trained :class:`~fdir.detectors.forecaster.Forecaster` ``model`` in the embeddable layer format
    (``fdir/runtime/FORMAT.md``): ``(spec, arrays)`` for :func:`fdir.runtime.save_bundle`.

    Layers: ``[conv1d → relu] x n → flatten → dense → relu → dense``. The M members are folded into one
    network of the same depth: the convolutions and the hidden dense layer stack the members' channels/units
    with block-diagonal weights (exact; a fraction 1/M of those weights is non-zero); with
    ``combine="mean"`` the output layer averages the members (one head), with ``combine="union"`` it keeps
    each member's ``n_predictions`` outputs as its own head (block-diagonal too; ``detector.heads`` = M,
    ``detector.residual_gain`` the list of member gains, ``detector.combine`` "any": each head has its own
    NDT and a sample is flagged when any head flags it). The input is the full sample of D columns (columns
    the model does not read get zero weights in the first convolution), window ``input_length``. The detector
    rule is ``forecast`` on input channel 0 with ``residual_gain`` a (ŷ = graph output + a·newest value;
    the model's ``skip_gain``, or per head its ``head_gains``) and, for readers of the older format,
    ``residual`` (true when the mean gain is 1), with the NDT parameters.
    """
    ndt = NDTParams(l_s=model.cfg.l_s) if ndt is None else ndt
    M, C = model.n_members, model.D
    P = model.params
    layers, arrays = [], {}
    for i in range(len(model.cfg.conv_channels)):
        w = P[f"conv{i}"]["w"]                     # (M, c_out, c_in, k)
        _, co, ci, k = w.shape
        if i == 0:
            full = np.zeros((M * co, C, k), np.float32)
            for m in range(M):
                full[m * co:(m + 1) * co][:, list(model.columns), :] = w[m]
        else:
            full = np.zeros((M * co, M * ci, k), np.float32)
            for m in range(M):
                full[m * co:(m + 1) * co, m * ci:(m + 1) * ci, :] = w[m]
        arrays[f"conv{i}.w"] = full
        arrays[f"conv{i}.b"] = P[f"conv{i}"]["b"].reshape(-1).astype(np.float32)
        layers.append({"name": f"conv{i}", "op": "conv1d", "w": f"conv{i}.w", "b": f"conv{i}.b",
                       "stride": model.cfg.stride, "padding": 0})
        layers.append({"name": f"relu{i}", "op": "relu"})
    layers.append({"name": "flatten", "op": "flatten"})
    c_last, L = model.cfg.conv_channels[-1], model.cfg.lengths()[-1]
    hdim = model.cfg.hidden
    w0 = np.zeros((M * c_last * L, M * hdim), np.float32)
    for m in range(M):                              # member block: rows (m c_last + c) L + l
        w0[m * c_last * L:(m + 1) * c_last * L, m * hdim:(m + 1) * hdim] = P["dense0"]["w"][m]
    arrays["dense0.w"], arrays["dense0.b"] = w0, P["dense0"]["b"].reshape(-1).astype(np.float32)
    H = model.cfg.n_predictions
    if model.n_heads > 1:                            # one output block per member: head m = outputs m·H .. m·H+H−1
        wo = np.zeros((M * hdim, M * H), np.float32)
        for m in range(M):
            wo[m * hdim:(m + 1) * hdim, m * H:(m + 1) * H] = P["out"]["w"][m]
        arrays["out.w"], arrays["out.b"] = wo, P["out"]["b"].reshape(-1).astype(np.float32)
    else:
        arrays["out.w"] = (P["out"]["w"].reshape(M * hdim, -1) / M).astype(np.float32)
        arrays["out.b"] = P["out"]["b"].mean(axis=0).astype(np.float32)
    layers += [{"name": "dense0", "op": "dense", "w": "dense0.w", "b": "dense0.b"},
               {"name": "dense0_relu", "op": "relu"},
               {"name": "out", "op": "dense", "w": "out.w", "b": "out.b"}]
    spec = {
        "format": "hwsim-embeddable-layers", "version": 1, "name": name,
        "source": "fdir.detectors.forecaster (telemanom protocol, Hundman et al. KDD 2018, arXiv:1802.04431)",
        "input": {"channels": C, "window": model.cfg.input_length, "layout": "channels x samples",
                  "shape": [C, model.cfg.input_length], "mean": None, "std": None, "sample_period_s": None},
        "layers": layers,
        "detector": {"kind": "forecast", "target": 0, "horizon": model.cfg.n_predictions, "error": "abs",
                     "residual": model.skip_gain == 1.0, "residual_gain": model.skip_gain,
                     "smoothing_span": ndt.span,
                     "threshold": ndt.to_dict()},
    }
    if model.n_heads > 1:
        spec["detector"].update(heads=model.n_heads, combine="any",
                                residual_gain=[float(g) for g in model.head_gains])
    spec["detector"]["streams"] = [{"head": k, "error": kind} for k, kind in model.error_streams]
    return spec, arrays
