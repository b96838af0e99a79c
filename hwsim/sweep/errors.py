"""Errors raised by the sweep engine before any work starts (bad spec, bad override, unknown experiment)."""

from __future__ import annotations


class SpecError(ValueError):
    """A study spec, a command-line override or an experiment reference is invalid.

    Raised while a spec is read, overridden and bound to its experiment, always before any point runs.
    ``key`` names the offending spec key or parameter (``None`` when the problem is not tied to one key).
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class SweepLockedError(RuntimeError):
    """Another process is running a sweep (or a compaction) in the same output folder."""


class SweepMismatchError(SpecError):
    """The output folder holds a sweep of another study (another experiment or spec name); ``force`` overrides."""
