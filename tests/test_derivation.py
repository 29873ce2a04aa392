"""gentoys.theory.core.derivation: records with named steps, unique keys, and derivations run on first use."""
import os
import subprocess
import sys

import pytest
import sympy as sp

from gentoys.theory.core import derivation


def test_steps_are_reached_by_name_and_names_are_unique():
    d = derivation.Derivation("k", "title", "model")
    x = sp.Symbol("x")
    assert d.step("first", x**2, name="square") == x**2
    d.step("a sentence without an expression")
    assert d["square"] == x**2
    with pytest.raises(KeyError, match="no step named 'cube'"):
        d["cube"]
    with pytest.raises(ValueError, match="already has a step named 'square'"):
        d.step("again", x, name="square")


def test_a_derivation_key_names_one_derivation(monkeypatch):
    monkeypatch.setattr(derivation, "REGISTRY", {})
    derivation.new("once", "A", "m")
    with pytest.raises(ValueError, match="key 'once' is already taken"):
        derivation.new("once", "B", "m")


def test_checks_raise_instead_of_vanishing_under_python_O():
    with pytest.raises(ArithmeticError, match="derivation check failed: an identity"):
        derivation.check(False, "an identity")
    out = subprocess.run([sys.executable, "-O", "-c", "from gentoys.theory.core import derivation as d\n"
                          "try:\n    d.check(False, 'x')\nexcept ArithmeticError:\n    print('raised')"],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "raised", out.stderr


def test_derived_runs_once_and_serves_its_names():
    calls = []

    @derivation.derived
    def derive():
        calls.append(1)
        value = 42
        return locals()

    assert not derive.done
    assert derive().value == 42 and derive().value == 42 and calls == [1]
    assert derivation.module_getattr(derive, "m")("value") == 42
    with pytest.raises(AttributeError, match="module 'm' has no attribute 'nothing'"):
        derivation.module_getattr(derive, "m")("nothing")


def test_importing_theory_derives_nothing_until_a_formula_is_used():
    """`from gentoys.theory import lambda_R` and importing the simulators run no SymPy derivation; the first
    call of a formula runs just the derivations it needs."""
    code = ("from gentoys.theory.core.derivation import REGISTRY\n"
            "from gentoys.theory import lambda_R, MarchenkoPastur, ridge_correction, soft_threshold\n"
            "import gentoys.sim.linear, gentoys.sim.networks, gentoys.theory.two_layer, gentoys.theory.factorization\n"
            "assert not REGISTRY, sorted(REGISTRY)\n"
            "lambda_R(0.7)\n"
            "print(' '.join(sorted(REGISTRY)))\n")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "GENTOYS_NO_CACHE": "1"})
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert set(fresh.stdout.split()) == {"marchenko_pastur", "mp_limits", "tuning_gd", "tuning_momentum"}
    # from the disk cache (filled by the first call of a process that may use it), no more than that
    for _ in range(2):
        cached = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert cached.returncode == 0, cached.stderr[-2000:]
        assert set(cached.stdout.split()) <= set(fresh.stdout.split())
