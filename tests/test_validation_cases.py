"""Every known-answer case that a package registers for ``hwsim validate`` runs here too, with its tolerance."""

import ast
import inspect
import textwrap

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


# ---------------------------------------------------------------- independence of the expected values (issue 18)

# case-name prefix -> names whose use on the expected side would mean the code under test computes its own answer
UNDER_TEST = {
    ("hwsim", "V3 decode bf16 A100"): {"evaluate_arrays", "load", "catalogue", "a100_sxm4_80gb", "targets"},
    ("hwsim", "V10 MTJ core energy per spike"): {"compact", "neuron", "default_signed_mtj_neuron", "energy_per_spike",
                                                 "_energy_per_spike", "simulate", "load", "catalogue", "readout"},
    ("hwsim", "V13 MTJ core energy per spike"): {"mtj_energy", "spike_energy", "providers", "load", "catalogue",
                                                 "readout"},
    ("hwsim", "V15 Loihi DVS gesture"): {"evaluate_arrays", "load", "catalogue", "targets", "loihi", "calibrate",
                                          "fit_loihi", "dvs_gesture_workload", "validation_loihi", "_v15"},
    **{("sensors", f"S{n}"): {"MicParams", "figure", "energy", "energy_figures", "mic", "adc_energy_per_conversion",
                              "sampled_sensor_energy", "walden_floor_J", "schreier_floor_J"} for n in range(23, 28)},
}
# cases whose expected value was the code's own fit or a second typed copy of its inputs: they must stay out
CIRCULAR = ("V6 Loihi keyword spotting calibrated", "V6 Loihi primitive energies", "V7 Horowitz")


def _code_names(code) -> set[str]:
    """Global and attribute names a code object uses, nested code (lambdas, comprehensions) included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _code_names(const)
    return names


def _functions_called(fn, depth: int = 2) -> list:
    """``fn`` and the functions of its own module that it calls, ``depth`` levels down."""
    out, todo = [], [(fn, 0)]
    while todo:
        f, d = todo.pop()
        if f in out:
            continue
        out.append(f)
        if d < depth:
            for name in _code_names(f.__code__):
                g = f.__globals__.get(name)
                if inspect.isfunction(g) and g.__module__ == f.__module__:
                    todo.append((g, d + 1))
    return out


def _tree(fn) -> ast.AST | None:
    if fn.__name__ == "<lambda>":
        return None
    return ast.parse(textwrap.dedent(inspect.getsource(fn)))


def _identifiers(fn) -> set[str]:
    names = _code_names(fn.__code__)
    tree = _tree(fn)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.ImportFrom):
            names.update((node.module or "").split("."))
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(p for a in node.names for p in a.name.split("."))
    return names


def _returns_expected(fn) -> bool:
    tree = _tree(fn)
    if tree is None:
        return "expected" in fn.__code__.co_consts
    return any(isinstance(node, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "expected"
                                                  for k in node.keys) for node in ast.walk(tree))


@pytest.mark.parametrize("key", sorted(UNDER_TEST), ids=lambda k: f"{k[0]}/{k[1]}")
def test_named_cases_expected_not_computed_by_code_under_test(key):
    pkg, prefix = key
    chosen = [c for c in CASES if c.package == pkg and c.case.startswith(prefix)]
    assert chosen, f"no {pkg} case starts with {prefix!r}"
    for c in chosen:
        for f in _functions_called(c.compute):
            assert not _returns_expected(f), f"{c.case}: compute {f.__name__} returns its own 'expected'"
        if callable(c.expected):
            for f in _functions_called(c.expected):
                used = _identifiers(f) & UNDER_TEST[key]
                assert not used, f"{c.case}: expected side {f.__name__} uses code under test {sorted(used)}"
        else:
            assert isinstance(c.expected, int | float), c.case


def test_circular_cases_are_gone():
    assert not [c.case for c in CASES if c.case.startswith(CIRCULAR)]
