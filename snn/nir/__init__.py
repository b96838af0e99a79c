"""NIR (Neuromorphic Intermediate Representation) in and out of snn.

``from_nir(graph, dt_s)`` imports a NIR graph (:mod:`snn.nir.importer`) into an :class:`NIRNetwork` that the Numba
and JAX engines run; ``to_nir(net)`` / ``network_from_nir(graph)`` export an hwsim network and restore it exactly
(:mod:`snn.nir.exporter`); ``nir_workload(source)`` measures one inference in the hwsim network IR
(:mod:`snn.nir.workload`). Node semantics: :mod:`snn.nir.maps`; neuron discretisation:
:class:`snn.neurons.EulerLIF`.

Source: Pedersen et al., Nat. Commun. 15, 8122 (2024), doi:10.1038/s41467-024-52259-9; ``nir`` package.
"""

from snn.nir.exporter import network_from_nir, to_nir
from snn.nir.importer import NIRNetwork, Readout, from_nir
from snn.nir.workload import nir_workload

__all__ = ["NIRNetwork", "Readout", "from_nir", "network_from_nir", "nir_workload", "to_nir"]
