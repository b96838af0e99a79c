"""Hand-built runtime bundles (numpy only, no training): a persistence forecaster and a PCA autoencoder with an
FDIR table, so the runtime tests need neither JAX nor a trained model."""

import numpy as np
import pytest

from fdir.runtime.logic import FdirConfig


def persistence_forecaster(W=30, D=2, l_s=None, std=None, horizon_stream=False, batch_size=70, window_size=30):
    """Dense 'forecaster' whose prediction of channel 0 is its last value (layout samples x channels), so every
    expected forecast and error is known in closed form: ŷ_{t+1} = z_t, e_t = |z_t − z_{t−1}|. With
    ``horizon_stream`` it predicts h = 3 steps (all equal to z_t) and thresholds the horizon-mean error too."""
    H = 3 if horizon_stream else 1
    w = np.zeros((W * D, H), np.float32)
    w[(W - 1) * D + 0, :] = 1.0
    det = {"kind": "forecast", "target": 0, "horizon": H,
           "threshold": {"batch_size": batch_size, "window_size": window_size, "l_s": W if l_s is None else l_s}}
    if horizon_stream:
        det["streams"] = [{"head": 0, "error": "first_step"}, {"head": 0, "error": "horizon_mean"}]
    arrays = {"fc.w": w, "fc.b": np.zeros(H, np.float32)}
    inp = {"channels": D, "window": W, "layout": "samples x channels", "shape": [W * D], "mean": None, "std": None}
    if std is not None:
        arrays["in.mean"] = np.zeros(D, np.float32)
        arrays["in.std"] = np.full(D, std, np.float32)
        inp.update(mean="in.mean", std="in.std")
    spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": "persistence", "input": inp,
            "layers": [{"name": "fc", "op": "dense", "w": "fc.w", "b": "fc.b"}], "detector": det}
    return spec, arrays


def nominal_windows(n, C=2, W=16, seed=0):
    """Nominal raw windows (n, C, W): two phase-shifted sines of random phase plus small noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(W) / W
    ph = rng.uniform(0, 2 * np.pi, (n, 1))
    x = np.stack([np.sin(2 * np.pi * t + ph), np.cos(2 * np.pi * t + ph)], axis=1)
    return x + 0.01 * rng.normal(size=x.shape)


def pca_autoencoder(C=2, W=16, k=2, fdir=True):
    """Linear autoencoder: encoder Vᵀ (k principal directions of nominal windows), decoder V, threshold = 4 x the
    largest nominal score (standardised MSE). Layout channels x samples, (C, W) input."""
    x = nominal_windows(400, C, W).reshape(400, -1)
    V = np.linalg.svd(x, full_matrices=False)[2][:k].T                       # (C·W, k), orthonormal
    scores = np.mean((x - x @ V @ V.T) ** 2, axis=1)
    arrays = {"enc.w": V.astype(np.float32), "enc.b": np.zeros(k, np.float32),
              "dec.w": V.T.astype(np.float32), "dec.b": np.zeros(C * W, np.float32)}
    spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": "pca-ae",
            "input": {"channels": C, "window": W, "layout": "channels x samples", "shape": [C * W],
                      "mean": None, "std": None},
            "layers": [{"name": "enc", "op": "dense", "w": "enc.w", "b": "enc.b"},
                       {"name": "dec", "op": "dense", "w": "dec.w", "b": "dec.b"}],
            "detector": {"kind": "reconstruction", "score": "mse", "threshold": float(4 * scores.max())}}
    if fdir:
        spec["fdir"] = FdirConfig(n_of_m=(3, 5)).to_dict()
    return spec, arrays


class _StubForecaster:
    """Stub forecaster detector (fdir.detectors.base.Detector) of column 0 with a closed-form error (NaN for t < W,
    W = ``window`` = 30) and a one-layer dense bundle (``_weights``) that the numpy runtime runs to the same
    forecasts; subclasses give ``scores`` and ``_weights``."""

    family = "stub (test)"
    bundle_name = "stub"
    stream_names = ("first_step",)
    min_train_length = 60
    window = 30

    def fit(self, train):
        from fdir.detectors.base import as_series

        self.D = as_series(train, "train", min_length=self.min_train_length).shape[1]
        return self

    def workload(self):
        raise NotImplementedError

    def _weights(self) -> np.ndarray:
        raise NotImplementedError

    def export(self):
        W, D = self.window, self.D
        w = self._weights()
        spec = {"format": "hwsim-embeddable-layers", "version": 1, "name": self.bundle_name,
                "input": {"channels": D, "window": W, "layout": "samples x channels", "shape": [W * D],
                          "mean": None, "std": None},
                "layers": [{"name": "fc", "op": "dense", "w": "fc.w", "b": "fc.b"}],
                "detector": {"kind": "forecast", "target": 0, "horizon": 1, "threshold": {"l_s": W}}}
        return spec, {"fc.w": w, "fc.b": np.zeros(w.shape[1], np.float32)}


class Persistence(_StubForecaster):
    """Predicts z_t = z_{t−1} of column 0, so its error is |Δz_t|; its bundle is the same persistence graph (a dense
    layer selecting the newest sample)."""

    family = "persistence (test)"
    bundle_name = "persistence"

    def scores(self, x):
        from fdir.detectors.base import as_series

        W = self.window
        z = as_series(x)[:, 0]
        e = np.full(z.size, np.nan)
        e[W:] = np.abs(np.diff(z))[W - 1:]
        return e[None]

    def _weights(self) -> np.ndarray:
        w = np.zeros((self.window * self.D, 1), np.float32)
        w[(self.window - 1) * self.D, 0] = 1.0
        return w


class MeanForecaster(_StubForecaster):
    """Forecasts the training mean of column 0 (0 in standardised units), so its error is |z_t| and a level shift
    raises the error for as long as it lasts; its bundle is a dense layer with zero weights and bias."""

    family = "mean (test)"
    bundle_name = "mean"

    def scores(self, x):
        from fdir.detectors.base import as_series

        z = as_series(x)[:, 0]
        e = np.full(z.size, np.nan)
        e[self.window:] = np.abs(z[self.window:])
        return e[None]

    def _weights(self) -> np.ndarray:
        return np.zeros((self.window * self.D, 1), np.float32)


class TwoHeadMeanForecaster(MeanForecaster):
    """The same stub with two forecast heads (both the training mean), so S = 2 error streams per channel."""

    stream_names = ("first_step", "first_step_2")

    def scores(self, x):
        e = super().scores(x)
        return np.vstack([e, e])

    def _weights(self) -> np.ndarray:
        return np.zeros((self.window * self.D, 2), np.float32)

    def export(self):
        spec, arrays = super().export()
        spec["detector"].update(heads=2, combine="any", residual_gain=[0.0, 0.0])
        return spec, arrays


class Reconstruction(Persistence):
    """The same stub exported as a reconstruction (window) bundle, which has no limit checks in the runtime."""

    def export(self):
        spec, arrays = super().export()
        spec["detector"] = {"kind": "reconstruction", "score": "mse", "threshold": 1.0}
        return spec, arrays


def memory_growth(step, xs) -> int:
    """Bytes the traced memory grows by while ``step`` is called on every item of ``xs`` (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for x in xs:
        step(x)
    cur, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return cur - base


def assert_bounded_memory(rt, x, warmup=300, n=2000, limit=32 * 1024) -> None:
    """After ``rt.reset()`` and ``warmup`` steps on rows of ``x`` (T, D), stepping ``n`` more rows grows the traced
    memory by at most ``limit`` bytes (a runtime's buffers are allocated at load)."""
    rt.reset()
    for i in range(warmup):
        rt.step(x[i])
    grown = memory_growth(rt.step, x[warmup:warmup + n])
    assert grown <= limit, f"memory grew by {grown} bytes"


def assert_version_gate(spec, folder, version, monkeypatch) -> None:
    """The bundle saved in ``folder`` declares ``version``: a runtime that reads only up to ``version`` − 1 refuses
    it (FormatError naming the version), and ``spec`` labelled ``version`` − 1 is refused by this runtime."""
    import fdir.runtime.bundle as bundle
    from fdir.runtime import load
    from fdir.runtime.graph import FormatError

    monkeypatch.setattr(bundle, "FORMAT_VERSION", version - 1)
    with pytest.raises(FormatError, match=rf"version={version} is not supported \(accepted: 1 to {version - 1}\)"):
        load(folder)
    monkeypatch.undo()
    with pytest.raises(FormatError, match=f"need version {version}"):
        bundle.check_spec({**spec, "version": version - 1})


@pytest.fixture
def builders():
    """The bundle builders of this module (conftest helpers are not importable under importlib mode)."""
    return {"forecaster": persistence_forecaster, "autoencoder": pca_autoencoder, "nominal": nominal_windows,
            "memory_growth": memory_growth, "bounded_memory": assert_bounded_memory,
            "persistence_detector": Persistence, "reconstruction_detector": Reconstruction,
            "mean_detector": MeanForecaster, "two_head_mean_detector": TwoHeadMeanForecaster,
            "version_gate": assert_version_gate}
