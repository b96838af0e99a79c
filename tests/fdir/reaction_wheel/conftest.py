"""Shared fixtures of the reaction-wheel tests: one quick end-to-end study (small CAE, few epochs, few episodes)
trained once per session and reused by the runtime and study tests."""

import warnings

import pytest


@pytest.fixture(scope="session")
def quick_study(tmp_path_factory):
    from fdir.reaction_wheel.peephole.study import RWStudyConfig, run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small GMMs may warn about convergence in the quick configuration
        cfg = RWStudyConfig.quick()
        res, art = run_study(cfg, cache_dir=tmp_path_factory.mktemp("cache"))
    return cfg, res, art
