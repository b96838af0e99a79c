"""fdir: onboard spacecraft telemetry anomaly detection for fault detection, isolation and recovery.

Telemetry data sets (NASA SMAP/MSL, ESA OPS-SAT-AD) and a reaction-wheel simulator with injectable faults,
detectors (forecaster with nonparametric dynamic thresholds, convolutional autoencoder, spiking, classical
baselines), peephole probes that say which unit/channel and fault type, event-wise metrics, FDIR logic, and a
numpy-only runtime (``fdir.runtime``) to embed a trained detector. Importing ``fdir`` imports nothing heavy.
"""
