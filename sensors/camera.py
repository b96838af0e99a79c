"""Image sensor per the EMVA 1288 linear model (Release 4.0 "Linear"), with exposure and motion blur.

Simulation order per frame (hwsim sensors reference sheet §1):
photons μ_p per pixel (scene × exposure; motion blur = mean of sub-frame photon maps along the motion path)
→ × PRNU gain map → × η (quantum efficiency) → photon shot noise (Gaussian N(μ, μ) clipped at 0 by default;
exact Poisson optional) → + dark signal (μ_d,0 + dark current μ_I·t_exp with its shot noise)
→ clip to [0, full well] (electrons) → + DSNU offset map and read noise N(0, σ_read²) (readout-referred e⁻, so a
negative offset is not lost to the clip at 0) → × K (DN/e⁻) → + offset (DN) → ADC: round to nearest, clip to
[0, 2^b − 1].

Gaussian shot noise has the Poisson mean and variance exactly before clipping; it is wrong in skew and support
and is biased upwards by the clip at 0 for μ ≲ 20 e⁻: use ``shot="poisson"`` for photon-starved studies
(``jax.random.poisson`` is several times slower than NumPy's on CPU, hence not the default).

Source: EMVA Standard 1288, "Standard for Characterization of Image Sensors and Cameras", Release 4.0 Linear
(2021), European Machine Vision Association; B. Jähne, "EMVA 1288 Standard for Machine Vision", Optik & Photonik
5(1):53-54, 2010, doi:10.1002/opph.201190082.

Two engines with the same arithmetic: :func:`capture` (JAX, jit, explicit key) and :func:`capture_numpy`
(NumPy, Generator); given the same standard-normal noise arrays (:class:`CameraNoise`) they agree to float64
round-off. Arrays: ``photons`` (..., H, W) mean photons per pixel per exposure; fixed-pattern maps (H, W);
output DN codes, float array of the photons' shape with integer values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from sensors._checks import check_choice, check_int, check_range

SHOT_MODELS = ("gaussian", "poisson")


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class CameraParams:
    """EMVA 1288 linear camera parameters (a JAX pytree; ``adc_bits`` is static).

    Defaults are a generic CMOS pixel (assumed, not a specific part). Fields:
    qe (η, 0..1), gain_DN_per_e (K, DN/e⁻), read_noise_e (σ_read, e⁻ rms), dark_current_e_per_s (μ_I, e⁻/s),
    dark_offset_e (μ_d,0, e⁻), full_well_e (e⁻), offset_DN (black level, DN), dsnu_e (spatial std of the dark
    signal, e⁻), prnu (spatial std of the gain, fraction), adc_bits (b).
    """

    qe: float = 0.6
    gain_DN_per_e: float = 0.25
    read_noise_e: float = 2.5
    dark_current_e_per_s: float = 20.0
    dark_offset_e: float = 0.0
    full_well_e: float = 10000.0
    offset_DN: float = 0.0
    dsnu_e: float = 0.0
    prnu: float = 0.0
    adc_bits: int = field(default=12, metadata=dict(static=True))

    def __post_init__(self):
        check_range("qe", self.qe, 0.0, 1.0, lo_open=True)
        check_range("gain_DN_per_e", self.gain_DN_per_e, 0.0, None, lo_open=True)
        check_range("read_noise_e", self.read_noise_e, 0.0)
        check_range("dark_current_e_per_s", self.dark_current_e_per_s, 0.0)
        check_range("dark_offset_e", self.dark_offset_e, 0.0)
        check_range("full_well_e", self.full_well_e, 0.0, None, lo_open=True)
        check_range("offset_DN", self.offset_DN, 0.0)
        check_range("dsnu_e", self.dsnu_e, 0.0)
        check_range("prnu", self.prnu, 0.0, 1.0)
        check_int("adc_bits", self.adc_bits, 1, 24)

    def replace(self, **kw) -> CameraParams:
        return dataclasses.replace(self, **kw)


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class FixedPattern:
    """Per-pixel fixed-pattern maps, drawn once per sensor: ``gain`` = 1 + PRNU·N(0,1) (H, W) and
    ``dark_e`` = DSNU·N(0,1) (H, W) in e⁻."""

    gain: jax.Array | np.ndarray
    dark_e: jax.Array | np.ndarray


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class CameraNoise:
    """Standard-normal temporal noise arrays of the frame shape: photon shot, dark shot, read noise."""

    z_shot: jax.Array | np.ndarray
    z_dark: jax.Array | np.ndarray
    z_read: jax.Array | np.ndarray


def fixed_pattern(params: CameraParams, shape, key) -> FixedPattern:
    """Draw the PRNU gain map and DSNU offset map (shape (H, W)) from a ``jax.random`` key."""
    k1, k2 = jax.random.split(key)
    g = 1.0 + params.prnu * jax.random.normal(k1, tuple(shape))
    d = params.dsnu_e * jax.random.normal(k2, tuple(shape))
    return FixedPattern(g, d)


def fixed_pattern_numpy(params: CameraParams, shape, rng=None) -> FixedPattern:
    """NumPy version of :func:`fixed_pattern` (``rng``: Generator or seed)."""
    g = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    return FixedPattern(1.0 + params.prnu * g.standard_normal(tuple(shape)),
                        params.dsnu_e * g.standard_normal(tuple(shape)))


def camera_noise(key, shape, dtype=None) -> CameraNoise:
    """Standard-normal noise arrays (:class:`CameraNoise`) of ``shape`` from a ``jax.random`` key."""
    ks = jax.random.split(key, 3)
    dtype = dtype or jnp.zeros(()).dtype
    return CameraNoise(*(jax.random.normal(k, tuple(shape), dtype) for k in ks))


def camera_noise_numpy(shape, rng=None) -> CameraNoise:
    """NumPy standard-normal noise arrays (:class:`CameraNoise`)."""
    g = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    return CameraNoise(*(g.standard_normal(tuple(shape)) for _ in range(3)))


def _electrons_mean(xp, p: CameraParams, photons, t_exp_s, fpn):
    gain = 1.0 if fpn is None else fpn.gain
    dsnu = 0.0 if fpn is None else fpn.dark_e
    mu_e = xp.maximum(p.qe * gain * photons, 0.0)
    mu_dc = p.dark_current_e_per_s * t_exp_s
    return mu_e, mu_dc, dsnu


def _finish(xp, p: CameraParams, electrons, dsnu, z_read, analog: bool):
    e = xp.clip(electrons, 0.0, p.full_well_e)
    y = p.gain_DN_per_e * (e + dsnu + p.read_noise_e * z_read) + p.offset_DN
    if analog:
        return y
    return xp.clip(xp.floor(y + 0.5), 0.0, 2.0**p.adc_bits - 1.0)


def _gaussian_electrons(xp, p: CameraParams, mu_e, mu_dc, noise: CameraNoise):
    shot = xp.maximum(mu_e + xp.sqrt(mu_e) * noise.z_shot, 0.0)
    dark = xp.maximum(mu_dc + xp.sqrt(mu_dc) * noise.z_dark, 0.0)
    return shot + dark + p.dark_offset_e


def capture(params: CameraParams, photons, t_exp_s, key=None, fpn: FixedPattern | None = None,
            noise: CameraNoise | None = None, shot: str = "gaussian", analog: bool = False):
    """Simulate one exposure (JAX).

    Parameters
    ----------
    params : CameraParams
    photons : array (..., H, W)
        Mean photons per pixel collected during the exposure (see :func:`exposure_photons`,
        :func:`sensors.emva.photons_per_pixel`).
    t_exp_s : float
        Exposure time in s (sets the dark-current charge).
    key : jax.random key
        Used when ``noise`` is None or ``shot="poisson"``.
    fpn : FixedPattern, optional
        PRNU/DSNU maps broadcast over leading axes (none: ideal uniform sensor).
    noise : CameraNoise, optional
        Standard-normal arrays (Gaussian shot noise only), e.g. to compare with :func:`capture_numpy`.
    shot : "gaussian" (default) or "poisson"
    analog : return the DN value before ADC rounding/clipping (for tests).

    Returns
    -------
    y : float array (..., H, W) of DN codes in [0, 2^b - 1] (integer-valued).

    Raises ``ValueError`` for negative or non-finite concrete ``photons``/``t_exp_s`` (values traced under
    ``jit``/``vmap`` are not checked) or an unknown ``shot`` model.
    """
    check_choice("shot", shot, SHOT_MODELS)
    check_range("t_exp_s", t_exp_s, 0.0)
    check_range("photons", photons, 0.0)
    return _capture_jit(params, photons, t_exp_s, key, fpn, noise, shot=shot, analog=analog)


@partial(jax.jit, static_argnames=("shot", "analog"))
def _capture_jit(params: CameraParams, photons, t_exp_s, key, fpn: FixedPattern | None, noise: CameraNoise | None,
                 shot: str, analog: bool):
    """The jit-compiled body of :func:`capture` (inputs already checked where concrete)."""
    photons = jnp.asarray(photons)
    mu_e, mu_dc, dsnu = _electrons_mean(jnp, params, photons, t_exp_s, fpn)
    shape = jnp.shape(mu_e)
    if shot == "gaussian":
        if noise is None:
            noise = camera_noise(key, shape, mu_e.dtype)
        electrons = _gaussian_electrons(jnp, params, mu_e, mu_dc, noise)
        z_read = noise.z_read
    elif shot == "poisson":
        k1, k2, k3 = jax.random.split(key, 3)
        electrons = (jax.random.poisson(k1, mu_e, shape).astype(mu_e.dtype)
                     + jax.random.poisson(k2, jnp.broadcast_to(mu_dc, shape), shape).astype(mu_e.dtype)
                     + params.dark_offset_e)
        z_read = jax.random.normal(k3, shape, mu_e.dtype)
    else:
        raise ValueError(f"shot={shot!r}; accepted: {SHOT_MODELS}")
    return _finish(jnp, params, electrons, dsnu, z_read, analog)


def capture_numpy(params: CameraParams, photons, t_exp_s: float, rng=None, fpn: FixedPattern | None = None,
                  noise: CameraNoise | None = None, shot: str = "gaussian", analog: bool = False) -> np.ndarray:
    """NumPy engine of :func:`capture` (same arguments; ``rng`` a Generator or seed instead of a key).

    Raises ``ValueError`` for negative photons/exposure or an unknown ``shot`` model.
    """
    check_choice("shot", shot, SHOT_MODELS)
    check_range("t_exp_s", t_exp_s, 0.0)
    photons = np.asarray(photons, dtype=np.float64)
    check_range("photons", photons, 0.0)
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    mu_e, mu_dc, dsnu = _electrons_mean(np, params, photons, t_exp_s, fpn)
    if shot == "gaussian":
        if noise is None:
            noise = camera_noise_numpy(mu_e.shape, g)
        electrons = _gaussian_electrons(np, params, mu_e, mu_dc, noise)
        z_read = noise.z_read
    else:
        electrons = g.poisson(mu_e) + g.poisson(np.broadcast_to(mu_dc, mu_e.shape)) + params.dark_offset_e
        z_read = g.standard_normal(mu_e.shape)
    return _finish(np, params, electrons, dsnu, z_read, analog)


def dark_current_at(dark_current_ref_e_per_s: float, T_K: float, T_ref_K: float = 298.15,
                    T_doubling_K: float = 7.0) -> float:
    """Dark current μ_I(T) = μ_I(T_ref) · 2^((T − T_ref)/T_d) in e⁻/s (EMVA 1288 §"dark current vs temperature";
    the doubling temperature T_d, default 7 K, is sensor specific: assumed). Raises ``ValueError`` for a
    negative or non-finite current or non-positive temperatures."""
    check_range("dark_current_ref_e_per_s", dark_current_ref_e_per_s, 0.0)
    check_range("T_ref_K", T_ref_K, 0.0, None, lo_open=True)
    check_range("T_K", T_K, 0.0, None, lo_open=True)
    check_range("T_doubling_K", T_doubling_K, 0.0, None, lo_open=True)
    return float(dark_current_ref_e_per_s) * 2.0 ** ((T_K - T_ref_K) / T_doubling_K)




def exposure_photons(scene_rate, t_exp_s, velocity_px_per_s=(0.0, 0.0), n_sub: int = 16, mode: str = "nearest"):
    """Mean photons per pixel collected during an exposure of a moving scene (JAX).

    The scene (photons per pixel per second, (H, W)) translates at constant ``velocity_px_per_s`` = (v_y, v_x)
    px/s; the exposure integrates ``n_sub`` equally spaced sub-frames (bilinear resampling, edges per ``mode``
    as in ``jax.scipy.ndimage.map_coordinates``) centred on the exposure mid-point:
    photons = t_exp · mean_j scene(r − v (t_j − t_exp/2)), t_j = (j + 1/2) t_exp / n_sub.
    Blur length = |v| · t_exp pixels. Returns an (H, W) array. Raises ``ValueError`` for a negative or
    non-finite concrete scene, exposure or velocity, or ``n_sub`` < 1.
    """
    check_range("scene_rate", scene_rate, 0.0)
    check_range("t_exp_s", t_exp_s, 0.0)
    check_range("velocity_px_per_s", velocity_px_per_s)
    check_int("n_sub", n_sub, 1)
    scene = jnp.asarray(scene_rate)
    vy, vx = velocity_px_per_s
    ts = (jnp.arange(n_sub) + 0.5) / n_sub - 0.5
    yy, xx = jnp.meshgrid(jnp.arange(scene.shape[0], dtype=scene.dtype),
                          jnp.arange(scene.shape[1], dtype=scene.dtype), indexing="ij")

    def one(tj):
        return jax.scipy.ndimage.map_coordinates(scene, [yy - vy * tj * t_exp_s, xx - vx * tj * t_exp_s],
                                                 order=1, mode=mode)

    return t_exp_s * jnp.mean(jax.vmap(one)(ts), axis=0)


def exposure_photons_numpy(scene_rate, t_exp_s: float, velocity_px_per_s=(0.0, 0.0), n_sub: int = 16,
                           mode: str = "nearest") -> np.ndarray:
    """NumPy/SciPy engine of :func:`exposure_photons` (``scipy.ndimage.map_coordinates``, order 1)."""
    from scipy import ndimage

    check_range("t_exp_s", t_exp_s, 0.0)
    check_range("velocity_px_per_s", velocity_px_per_s)
    n = check_int("n_sub", n_sub, 1)
    scene = np.asarray(scene_rate, dtype=np.float64)
    check_range("scene_rate", scene, 0.0)
    if scene.ndim != 2:
        raise ValueError(f"scene_rate must have shape (H, W), got {scene.shape}")
    vy, vx = velocity_px_per_s
    yy, xx = np.meshgrid(np.arange(scene.shape[0], dtype=float), np.arange(scene.shape[1], dtype=float),
                         indexing="ij")
    acc = np.zeros_like(scene)
    for j in range(n):
        tj = (j + 0.5) / n - 0.5
        acc += ndimage.map_coordinates(scene, [yy - vy * tj * t_exp_s, xx - vx * tj * t_exp_s], order=1,
                                       mode=mode)
    return t_exp_s * acc / n
