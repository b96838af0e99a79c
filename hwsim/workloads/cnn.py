"""Reference convolution layers and small CNNs as IR tables (the problem shapes of published reference runs).

* :func:`mobilenet_v1_conv1`: MobileNet-v1 first layer, C 3, M 32, P = Q 112, R = S 3, stride 2 (Howard et al.,
  arXiv:1704.04861, Table 1), the default problem of the Timeloop/Accelergy ``eyeriss_like`` exercise.
* :func:`alexnet_conv1`: AlexNet first layer, C 3, M 96, P = Q 55, R = S 11, stride 4 (Krizhevsky et al., NeurIPS
  2012), the exercise's AlexNet layer-1 example.
* :func:`cmsis_cifar10`: the CIFAR-10 CNN of the CMSIS-NN paper (Lai, Suda, Chandra, arXiv:1801.06601): conv
  5x5x32, pool, conv 5x5x32, pool, conv 5x5x64, pool, fully connected 10 ('same' padding).
"""

from __future__ import annotations

import pandas as pd

from hwsim import ir


def mobilenet_v1_conv1(*, bits: int = 8, w_format: str = "int") -> pd.DataFrame:
    """MobileNet-v1 conv1 (10,838,016 MACs), weights and activations at ``bits``."""
    return ir.make([ir.conv2d("conv1", C=3, K_out=32, P=112, Q=112, R=3, S=3, stride=2, bias=False,
                              w_bits=bits, a_bits=bits, w_format=w_format)])


def alexnet_conv1(*, bits: int = 16, w_format: str = "int") -> pd.DataFrame:
    """AlexNet conv1 (105,415,200 MACs), weights and activations at ``bits``."""
    return ir.make([ir.conv2d("conv1", C=3, K_out=96, P=55, Q=55, R=11, S=11, stride=4, bias=False,
                              w_bits=bits, a_bits=bits, w_format=w_format)])


def cmsis_cifar10(*, bits: int = 8) -> pd.DataFrame:
    """The CMSIS-NN CIFAR-10 network (12,298,240 MACs) at ``bits`` (q7 = 8)."""
    p = {"w_bits": bits, "a_bits": bits, "w_format": "int"}
    return ir.make([
        ir.conv2d("conv1", C=3, K_out=32, P=32, Q=32, R=5, S=5, **p),
        ir.conv2d("conv2", C=32, K_out=32, P=16, Q=16, R=5, S=5, **p),
        ir.conv2d("conv3", C=32, K_out=64, P=8, Q=8, R=5, S=5, **p),
        ir.linear("fc", M=1, N=10, K=4 * 4 * 64, bias=True, **p),
    ])
