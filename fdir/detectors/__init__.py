"""Telemetry anomaly detectors: forecaster with nonparametric dynamic thresholds, 2-D convolutional autoencoder
(:mod:`fdir.detectors.cae`), spiking detector and classical baselines. Nothing heavy is imported here."""
