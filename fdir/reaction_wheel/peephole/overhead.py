"""Cost of a peephole probe in the network IR (:mod:`hwsim.ir`) and its overhead relative to the detector.

Per window the probe (reference sheet §11) computes

* the corevector projection cv = Vᵀ_{:κ} [x; 1] of the d-dimensional layer input, with the corevector
  standardisation folded into Vᵀ and its bias column: one ``linear`` row, K = d, N = κ, bias κ;
* the diagonal-GMM log-joint [z², z] · G + c: an ``elementwise`` row (κ squares) and a ``linear`` row with
  K = 2κ, N = K_gmm, bias K_gmm;
* responsibilities (log-sum-exp / softmax over K_gmm components): ``elementwise`` row;
* the posterior γ · P over all concept classes (n_c summed over families): ``linear`` row, K = K_gmm, N = n_c;
* temperature scaling (log, scale, exp, normalise) per class: ``elementwise`` row;
* optionally (``n_residual`` > 0, :mod:`fdir.reaction_wheel.peephole.probe`) the per-channel residual profile: the
  squared residual is already computed by the detector's score, the probe sums it per channel (``elementwise`` row,
  n_residual x window additions) and takes the log (``elementwise`` row); the GMM row then has K = 2(κ + n_residual)
  and the standardisation of the residual features adds 2·n_residual parameters (scale, offset).

Overheads are ratios of :func:`hwsim.ir.dense_macs` sums (compute) and :func:`hwsim.ir.parameter_count`
(memory: stored parameters) of the probe table to the detector table.
"""

from __future__ import annotations

import numpy as np

__all__ = ["overhead", "probe_workload"]


def probe_workload(d: int, kappa: int, n_components: int, n_concepts: int, *, n_residual: int = 0, window: int = 16,
                   w_bits: int = 32, a_bits: int = 32, acc_bits: int = 32, w_format: str = "fp",
                   prefix: str = "probe"):
    """IR table of one probe on a layer with input size ``d``, κ = ``kappa``, ``n_components`` GMM components
    and ``n_concepts`` posterior classes (summed over families); ``n_residual`` residual-profile features pooled
    over ``window`` samples each (0: corevector only).

    Raises
    ------
    ValueError
        for any size < 1, or ``n_residual`` < 0.
    """
    from hwsim import ir

    for name, v in (("d", d), ("kappa", kappa), ("n_components", n_components), ("n_concepts", n_concepts),
                    ("window", window)):
        if not (isinstance(v, int | np.integer) and v >= 1):
            raise ValueError(f"{name}={v!r} must be an integer >= 1")
    if not (isinstance(n_residual, int | np.integer) and n_residual >= 0):
        raise ValueError(f"n_residual={n_residual!r} must be an integer >= 0")
    q = {"w_bits": w_bits, "a_bits": a_bits, "acc_bits": acc_bits, "w_format": w_format}
    K = int(n_components)
    nf = int(kappa) + int(n_residual)
    rows = [ir.linear(f"{prefix}.project", 1, int(kappa), int(d), bias=True, **q)]
    if n_residual:
        rows += [ir.op(layer=f"{prefix}.residual_pool", kind="elementwise", M=int(n_residual) * int(window), N=1,
                       K=1, **q),
                 ir.op(layer=f"{prefix}.residual_log", kind="elementwise", M=int(n_residual), N=1, K=1, **q),
                 ir.op(layer=f"{prefix}.residual_scale", kind="elementwise", M=int(n_residual), N=1, K=1,
                       weight_elems=2 * int(n_residual), **q)]
    rows += [
        ir.op(layer=f"{prefix}.square", kind="elementwise", M=nf, N=1, K=1, **q),
        ir.linear(f"{prefix}.gmm", 1, K, 2 * nf, bias=True, **q),
        ir.op(layer=f"{prefix}.softmax", kind="elementwise", M=K, N=1, K=1, **q),
        ir.linear(f"{prefix}.posterior", 1, int(n_concepts), K, bias=False, **q),
        ir.op(layer=f"{prefix}.temperature", kind="elementwise", M=int(n_concepts), N=1, K=1, **q),
    ]
    return ir.make(rows)


def overhead(detector_ir, probe_ir) -> dict[str, float]:
    """Compute and memory of the probe relative to the detector (dimensionless ratios) and the raw counts.

    Returns ``compute_ratio`` = Σ MACs(probe)/Σ MACs(detector), ``memory_ratio`` = params(probe)/params(detector),
    ``detector_macs``, ``probe_macs``, ``detector_params``, ``probe_params``.

    Raises
    ------
    ValueError
        when the detector has no MACs or no parameters.
    """
    from hwsim import ir

    dm = float(np.sum(ir.dense_macs(detector_ir)))
    pm = float(np.sum(ir.dense_macs(probe_ir)))
    dp = float(ir.parameter_count(detector_ir))
    pp = float(ir.parameter_count(probe_ir))
    if dm <= 0 or dp <= 0:
        raise ValueError("detector_ir must have MACs and parameters > 0")
    return {"compute_ratio": pm / dm, "memory_ratio": pp / dp, "detector_macs": dm, "probe_macs": pm,
            "detector_params": dp, "probe_params": pp}
