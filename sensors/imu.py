"""IMU model (3-axis gyroscope or accelerometer): white noise, bias instability, rate random walk, constant
bias, scale-factor error, axis misalignment, saturation and quantisation.

Measurement per sample (IEEE Std 952-1997 for gyros; the same noise terms are used for accelerometers, IEEE Std
1293-1998; hwsim sensors reference sheet §3):
    ω_meas = sat_q( M (I + diag(S)) ω_true + b_0 + b_BI(t) + b_RRW(t) + n_w )
M = I + [γ]_× the small-angle misalignment (skew) matrix from γ = (γ_x, γ_y, γ_z) rad; S the scale-factor errors;
b_BI a 1/f process with bias-instability coefficient B, b_RRW a random walk with coefficient K, n_w white noise of
density N (see :mod:`sensors.noise`); sat_q clips to ±range and rounds to LSB = 2 range / 2^bits.

Shapes: truth (T, 3) (or (..., T, 3)) in rad/s or m/s²; noise arrays (T, 3); output like truth.
:func:`imu_measure` is pure array code (NumPy or JAX arrays: the two agree in float64); :func:`simulate_imu`
draws the noise with NumPy. Presets: :meth:`ImuParams.bmi270_gyro`, :meth:`ImuParams.bmi270_accel`
(noise densities from the Bosch BMI270 datasheet BST-BMI270-DS000; bias instability and random walk not in the
datasheet: assumed values, marked in ``source``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import jax
import numpy as np

from sensors import noise as _noise
from sensors._checks import check_int, check_range

G0_M_PER_S2 = 9.80665
DEG = math.pi / 180.0


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class ImuParams:
    """One 3-axis inertial sensor (a JAX pytree; ``bits`` and ``source`` static).

    Fields (``unit`` = rad/s for a gyro, m/s² for an accelerometer):
    N (white-noise density, unit/√Hz), B (bias instability, unit), K (rate random walk, unit/√s),
    bias (constant bias, unit, (3,)), scale_error (fraction, (3,)), misalignment_rad ((3,) small angles),
    range (full scale ±range, unit), bits (ADC bits; 0 = no quantisation), source (provenance text).
    """

    N: float = 0.0
    B: float = 0.0
    K: float = 0.0
    bias: tuple | np.ndarray = (0.0, 0.0, 0.0)
    scale_error: tuple | np.ndarray = (0.0, 0.0, 0.0)
    misalignment_rad: tuple | np.ndarray = (0.0, 0.0, 0.0)
    range: float = math.inf
    bits: int = field(default=0, metadata=dict(static=True))
    source: str = field(default="user parameters", metadata=dict(static=True))

    def __post_init__(self):
        for name in ("N", "B", "K"):
            check_range(name, getattr(self, name), 0.0)
        check_range("range", self.range, 0.0, None, lo_open=True, finite=False)
        check_int("bits", self.bits, 0, 32)
        check_range("scale_error", np.asarray(self.scale_error) if isinstance(self.scale_error, tuple)
                    else self.scale_error, -0.5, 0.5)
        check_range("misalignment_rad", np.asarray(self.misalignment_rad)
                    if isinstance(self.misalignment_rad, tuple) else self.misalignment_rad, -0.2, 0.2)
        if self.bits and isinstance(self.range, int | float) and not math.isfinite(self.range):
            raise ValueError(f"bits={self.bits} needs a finite range; got range={self.range}")

    def replace(self, **kw) -> ImuParams:
        return dataclasses.replace(self, **kw)

    @property
    def lsb(self) -> float:
        """Quantisation step 2·range/2^bits (0 when bits = 0)."""
        return 2.0 * float(self.range) / 2.0**self.bits if self.bits else 0.0

    @classmethod
    def bmi270_gyro(cls, **kw) -> ImuParams:
        """Bosch BMI270 gyroscope: N = 7 mdps/√Hz (datasheet, performance mode), ±2000 dps, 16 bit;
        B = 2 °/h and K = 1e-5 °/s/√s are assumed illustrative values (not in the datasheet)."""
        base = dict(N=7e-3 * DEG, B=2.0 / 3600.0 * DEG, K=1e-5 * DEG, range=2000.0 * DEG, bits=16,
                    source="BMI270 datasheet BST-BMI270-DS000 (N, range, bits); B, K assumed")
        return cls(**{**base, **kw})

    @classmethod
    def bmi270_accel(cls, **kw) -> ImuParams:
        """Bosch BMI270 accelerometer: N = 160 µg/√Hz (datasheet), ±8 g, 16 bit; B, K assumed."""
        base = dict(N=160e-6 * G0_M_PER_S2, B=40e-6 * G0_M_PER_S2, K=1e-6 * G0_M_PER_S2, range=8.0 * G0_M_PER_S2,
                    bits=16, source="BMI270 datasheet BST-BMI270-DS000 (N, range, bits); B, K assumed")
        return cls(**{**base, **kw})


def misalignment_matrix(gamma_rad, xp=np):
    """Small-angle misalignment matrix I + [γ]_× for γ (3,) in rad."""
    gx, gy, gz = gamma_rad[0], gamma_rad[1], gamma_rad[2]
    return xp.asarray([[1.0, -gz, gy], [gz, 1.0, -gx], [-gy, gx, 1.0]]) if xp is np else xp.stack([
        xp.stack([xp.ones_like(gx), -gz, gy]), xp.stack([gz, xp.ones_like(gx), -gx]),
        xp.stack([-gy, gx, xp.ones_like(gx)])])


def imu_measure(params: ImuParams, truth, bias_process, white_noise):
    """Deterministic part of the IMU: scale, misalignment, biases, noise, saturation, quantisation.

    ``truth``, ``bias_process`` (b_BI + b_RRW, time-varying) and ``white_noise`` are arrays (..., T, 3) of the
    same unit; NumPy or JAX (the namespace follows ``truth``). Returns the measured samples (..., T, 3).
    Raises ``ValueError`` for non-finite concrete inputs (values traced under ``jit`` are not checked).
    """
    check_range("truth", truth)
    check_range("bias_process", bias_process)
    check_range("white_noise", white_noise)
    if type(truth).__module__.startswith(("jax", "jaxlib")):
        import jax.numpy as xp
    else:
        xp = np
    truth = xp.asarray(truth)
    M = misalignment_matrix(xp.asarray(params.misalignment_rad, dtype=truth.dtype), xp)
    scaled = truth * (1.0 + xp.asarray(params.scale_error, dtype=truth.dtype))
    y = xp.einsum("ij,...tj->...ti", M, scaled) + xp.asarray(params.bias, dtype=truth.dtype) + bias_process + \
        white_noise
    y = xp.clip(y, -params.range, params.range)
    if params.bits:
        lsb = 2.0 * params.range / 2.0**params.bits
        y = xp.clip(xp.floor(y / lsb + 0.5) * lsb, -params.range, params.range - lsb)
    return y


def imu_noise(params: ImuParams, n: int, fs_Hz: float, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """Noise realisation (NumPy): (bias_process (n, 3) = bias instability + rate random walk, white (n, 3))."""
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    b = np.zeros((n, 3))
    if float(params.B) > 0:
        b = b + _noise.flicker(n, float(params.B), fs_Hz, g, (3,))
    if float(params.K) > 0:
        b = b + _noise.random_walk(n, float(params.K), fs_Hz, g, (3,))
    return b, _noise.white(n, float(params.N), fs_Hz, g, (3,))


def simulate_imu(params: ImuParams, truth, fs_Hz: float, rng=None) -> np.ndarray:
    """Measured samples (T, 3) for true rates/accelerations ``truth`` (T, 3) sampled at ``fs_Hz``.

    Raises ``ValueError`` for truth not of shape (T, 3) or not finite, fs <= 0.
    """
    truth = np.asarray(truth, dtype=np.float64)
    check_range("truth", truth)
    if truth.ndim != 2 or truth.shape[1] != 3 or truth.shape[0] < 2:
        raise ValueError(f"truth must have shape (T, 3) with T >= 2, got {truth.shape}")
    check_range("fs_Hz", fs_Hz, 0.0, None, lo_open=True)
    b, w = imu_noise(params, truth.shape[0], fs_Hz, rng)
    return imu_measure(params, truth, b, w)
