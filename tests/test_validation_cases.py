"""Every known-answer case that a package registers for ``hwsim validate`` runs here too, with its tolerance."""

import pytest

from hwsim.harness import collect, run_case

CASES = collect()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.package}/{c.case}" for c in CASES])
def test_validation_case(case):
    r = run_case(case)
    assert r.error is None, r.error
    assert r.passed, (
        f"{case.package}/{case.case}: got {r.got!r}, expected {r.expected!r} "
        f"({case.mode} tolerance {case.tolerance}) [{case.source}]"
    )
