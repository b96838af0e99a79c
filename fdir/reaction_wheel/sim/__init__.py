"""Reaction-wheel assembly (RWA) telemetry simulator with injectable faults and labelled ground truth.

Four wheels in a pyramid, each reporting {motor current [A], winding temperature [K], commanded voltage [V],
speed [rad/s]} every 4 s, from a brushless-DC wheel model (motor constant, Coulomb + viscous friction, two-node
thermal model) under a PI speed loop with anti-windup, driven by slew manoeuvres, disturbance torques and momentum
dumps. Faults: offset, step, impulse, noise, stuck, friction increase / bearing degradation, correlation change, on
one channel, one wheel or all wheels.

Modules: :mod:`~fdir.reaction_wheel.sim.params` (parameters), :mod:`~fdir.reaction_wheel.sim.pyramid` (distribution
matrix), :mod:`~fdir.reaction_wheel.sim.maneuvers` (torque demands), :mod:`~fdir.reaction_wheel.sim.dynamics` (Numba RK4
integrator), :mod:`~fdir.reaction_wheel.sim.faults` (fault injection), :mod:`~fdir.reaction_wheel.sim.simulate`
(:func:`~fdir.reaction_wheel.sim.simulate.simulate`), :mod:`~fdir.reaction_wheel.sim.dataset` (windows, concept labels,
fault campaigns). Nothing heavy is imported here.
"""
