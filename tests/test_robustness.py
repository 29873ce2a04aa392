"""Robustness of the public API: any input gives a finite, correct answer or a named ValueError / TypeError.

Hypothesis feeds every exported function of ``gentoys.theory`` (each Formula, the solvers, the
MarchenkoPastur methods), the two ``prox_lasso`` (numpy and torch), ``L1Prox`` and the settings dataclasses
``LinearSetting`` / ``NetworkSetting`` with ``wild_values`` (tests/strategies.py): NaN, infinities, negative,
subnormal and huge floats, big integers, bools, complex numbers, numeric strings, None, lists. One argument
of each probe is wild, the others are ordinary; the probe passes when

* the call raises ValueError or TypeError whose message names the wild argument, or
* it returns an answer whose numbers are finite and right: a Formula against its derived expression in mpmath
  (tests/mp_reference.py, 1e-12 relative), the soft thresholds against numpy, the laws and solvers against
  their defining properties (cdf in [0, 1] and inverted by ppf, the crossing's correction equal to its level,
  the first L1Prox step equal to the soft threshold of the SGD step, ...).

Survey mode (``GENTOYS_ROBUSTNESS_REPORT=path.json``) records every probe and every failure instead of
stopping at the first, and writes their counts: that is how the numbers in docs/testing.md were taken.
"""
from __future__ import annotations

import atexit
import json
import math
import os

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mp_reference import reference
from strategies import examples, one_torch_thread, wild_values  # noqa: F401

from gentoys import theory
from gentoys.theory import tuning
from gentoys.theory.core.formula import Formula

REPORT = os.environ.get("GENTOYS_ROBUSTNESS_REPORT")
PROBES: set[str] = set()
FAILURES: dict[str, str] = {}


def _write_report() -> None:
    if REPORT:
        by_target: dict[str, int] = {}
        for probe in FAILURES:
            by_target[probe.split("(")[0]] = by_target.get(probe.split("(")[0], 0) + 1
        with open(REPORT, "w", encoding="utf-8") as fh:
            json.dump({"probes": len(PROBES), "failures": len(FAILURES), "failing_by_target": by_target,
                       "examples": dict(list(FAILURES.items())[:200])}, fh, indent=1)


atexit.register(_write_report)


class Wrong(AssertionError):
    """An answer that is not finite or not right."""


_NOTHING = object()


def wrong_type(value, admits: tuple = ()) -> bool:
    """A value that is no real number (a string, a bool, a complex number, None), unless the parameter admits it."""
    if any(value is a if a is None else isinstance(value, a) for a in admits):
        return False
    if value is None or isinstance(value, (str, bytes, bool, np.bool_, complex, np.complexfloating)):
        return True
    return isinstance(value, list) and any(wrong_type(v) for v in value)


def probe(target: str, wild: str, args: tuple, call, verify=None, *, value=_NOTHING, admits: tuple = ()) -> None:
    """Run one probe: a named error for ``wild``, or an answer ``verify`` accepts (see the module docstring).
    A ``value`` of the wrong type (``wrong_type``) has one right outcome: a TypeError naming ``wild``, even
    where the call could make sense of it ("0.5" read as 0.5, True as 1, 0.5 + 0j as 0.5)."""
    key = f"{target}({', '.join(map(repr, args))})"[:300]
    PROBES.add(key)
    problem = None
    refuse = value is not _NOTHING and wrong_type(value, admits)
    try:
        out = call()
    except (ValueError, TypeError) as exc:
        if wild not in str(exc):
            problem = f"{type(exc).__name__} not naming {wild!r}: {exc}"
        elif refuse and not isinstance(exc, TypeError):
            problem = f"{type(exc).__name__}, not a TypeError, for {value!r}: {exc}"
    except Exception as exc:  # noqa: BLE001 - any other exception is a failure of the probe
        problem = f"raw {type(exc).__name__}: {exc}"
    else:
        try:
            if refuse:
                raise Wrong(f"{wild}={value!r} accepted")
            if verify is not None:
                verify(out)
        except Wrong as exc:
            problem = f"wrong answer: {exc}"
        except Exception as exc:  # noqa: BLE001
            problem = f"answer fails its check: {type(exc).__name__}: {exc}"
    if problem is not None:
        FAILURES[key] = problem
        if not REPORT:
            raise AssertionError(f"{key}: {problem}")


def finite(*values) -> None:
    for v in values:
        arr = np.asarray(v, dtype=complex if np.iscomplexobj(v) else float)
        if not np.isfinite(arr).all():
            raise Wrong(f"not finite: {v!r}")


def _pick(draw, params: list[tuple[str, st.SearchStrategy]]):
    """One wild parameter, the others from their ordinary strategies."""
    i = draw(st.integers(0, len(params) - 1))
    values = tuple(draw(wild_values) if j == i else draw(s) for j, (_, s) in enumerate(params))
    return params[i][0], values, values[i]


SETTINGS = settings(max_examples=examples(40), suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.filter_too_much])
ratio = st.sampled_from([0.05, 0.3, 0.5, 0.7, 0.95])
positive = st.sampled_from([1e-3, 0.04, 0.5, 2.0, 30.0])


# -- every Formula: against its derived expression -------------------------------------------------------------

def _formulas() -> list[Formula]:
    names = [n for n in theory.__all__ if isinstance(getattr(theory, n), Formula)]
    found = [getattr(theory, n) for n in names]
    found += [f for f in vars(tuning).values() if isinstance(f, Formula)]
    return found


FORMULAS = _formulas()


def _ordinary(param) -> st.SearchStrategy:
    label = param.label
    if label == "q":
        return ratio
    if label == "x":
        return st.sampled_from([-2.0, -0.1, 0.0, 0.3, 5.0])
    if label == "threshold":
        return st.sampled_from([0.0, 0.2, 1.0])
    if label == "lam_min":
        return st.sampled_from([0.01, 0.3])
    if label == "lam_max":
        return st.sampled_from([1.0, 4.0])
    return positive


def _against_reference(formula: Formula, args: tuple):
    def verify(out):
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in args))
        got = np.broadcast_to(np.asarray(out, dtype=float), arrays[0].shape)
        finite(got)
        for index in np.ndindex(got.shape):
            want = reference(formula, *(float(a[index]) for a in arrays))
            if abs(got[index] - want) > max(1e-12 * abs(want), 1e-300):
                raise Wrong(f"{got[index]!r} vs {mpmath.nstr(want, 17)} at {[float(a[index]) for a in arrays]}")
    return verify


@pytest.mark.parametrize("formula", FORMULAS, ids=[f.name for f in FORMULAS])
@SETTINGS
@given(st.data())
def test_formulas(formula, data):
    wild, args, value = data.draw(st.composite(
        lambda draw: _pick(draw, [(p.label, _ordinary(p)) for p in formula.params]))())
    probe(formula.name, wild, args, lambda: formula(*args), _against_reference(formula, args), value=value)


# -- the other theory functions ------------------------------------------------------------------------------

def _ridge_correction_verify(args):
    from gentoys.theory.ridge import _correction, correction_at_lambda_R

    def verify(out):
        formula, point = (correction_at_lambda_R, args[:1]) if len(args) == 1 or args[1] is None \
            else (_correction, args)
        _against_reference(formula, point)(out)
    return verify


def _crossing_verify(level):
    def verify(out):
        from gentoys.theory.ridge import correction_at_lambda_R

        lv = float(np.asarray(level, dtype=float).reshape(()))
        if out is None:
            if lv < float(theory.ridge_correction_sup()):
                raise Wrong(f"None for level={lv} below the supremum")
            return
        finite(out)
        if not 0 < out < 1 or abs(correction_at_lambda_R(out) - lv) > 1e-9 * lv:
            raise Wrong(f"crossing q={out!r} has correction {correction_at_lambda_R(out)!r}, not {lv!r}")
    return verify


def _edges_verify(q):
    def verify(out):
        finite(*out)
        qs = np.asarray(q, dtype=float)
        for index in np.ndindex(qs.shape):
            with mpmath.workdps(50):
                r = 1 / mpmath.sqrt(mpmath.mpf(float(qs[index])))
                for got, want in zip(out, ((1 - r) ** 2, (1 + r) ** 2)):
                    g = np.asarray(got)[index] if np.ndim(got) else got
                    if abs(g - want) > 1e-12 * abs(want) + 1e-300:
                        raise Wrong(f"edge {g!r} vs {mpmath.nstr(want, 17)}")
    return verify


def _soft_verify(x, t):
    def verify(out):
        xs, ts = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
        want = np.sign(xs) * np.maximum(np.abs(xs) - ts, 0.0)
        if not np.array_equal(np.asarray(out, dtype=float), want):
            raise Wrong(f"{out!r} vs {want!r}")
    return verify


def _risk_verify(out):
    finite(out.gen_loss, out.support_fraction, out.tau, out.alpha)
    if not (0 <= out.support_fraction <= 1 and out.gen_loss >= 0):
        raise Wrong(repr(out))


def _unit_interval(out):
    finite(out)
    if not 0 < out <= 1:
        raise Wrong(repr(out))


THEORY_CALLS = {
    "mp_edges": ([("q", ratio)], lambda q: theory.mp_edges(q), _edges_verify),
    "ridge_correction": ([("q", ratio), ("lam", positive)], lambda q, lam: theory.ridge_correction(q, lam),
                         lambda q, lam: _ridge_correction_verify((q, lam))),
    "ridge_correction(q)": ([("q", ratio)], lambda q: theory.ridge_correction(q),
                            lambda q: _ridge_correction_verify((q,))),
    "ridge_correction_crossing": ([("level", st.sampled_from([1e-6, 0.01, 0.03]))],
                                  lambda level: theory.ridge_correction_crossing(level), _crossing_verify),
    "prox_lasso": ([("x", st.sampled_from([-1.0, 0.0, 2.5])), ("l1reg", st.sampled_from([0.0, 0.5])),
                    ("scaling", st.sampled_from([1.0, 0.1]))],
                   lambda x, l1reg, scaling: theory.prox_lasso(x, l1reg, scaling),
                   lambda x, l1reg, scaling: _soft_verify(x, np.asarray(l1reg, dtype=float)
                                                          * np.asarray(scaling, dtype=float))),
    "two_layer_mu": ([("q", ratio), ("lam", st.sampled_from([0.01, 0.04])), ("norm_T", st.sampled_from([1.0, 2.0]))],
                     lambda q, lam, norm_T: theory.two_layer_mu(q, lam, norm_T), lambda *a: finite),
    "two_layer_ridge_plateau": ([("q", ratio), ("lam", st.sampled_from([0.01, 0.04])),
                                 ("norm_T", st.sampled_from([1.0, 2.0]))],
                                lambda q, lam, norm_T: theory.two_layer_ridge_plateau(q, lam, norm_T),
                                lambda *a: finite),
    "donoho_tanner": ([("sparsity", st.sampled_from([0.1, 0.4, 1.0]))], lambda s: theory.donoho_tanner(s),
                      lambda s: _unit_interval),
    "donoho_tanner_sparsity": ([("q", st.sampled_from([0.3, 0.7, 1.0]))], lambda q: theory.donoho_tanner_sparsity(q),
                               lambda q: _unit_interval),
    "lasso_risk": ([("q", st.sampled_from([0.5, 0.7])), ("sparsity", st.sampled_from([0.2, 1.0])),
                    ("lam", st.sampled_from([1e-3, 5e-3])), ("dim", st.just(1000)), ("noise", st.just(0.0))],
                   lambda q, s, lam, dim, noise: theory.lasso_risk(q, s, lam, dim, noise), lambda *a: _risk_verify),
    "mp_hyperparameters": ([("q", ratio), ("method", st.sampled_from(["gd", "momentum"]))],
                           lambda q, method: theory.mp_hyperparameters(q, method),
                           lambda *a: (lambda out: finite(*(v for v in vars(out).values())))),
    "mode_errors": ([("curvature", st.sampled_from([0.5, 2.0])), ("eta", st.sampled_from([0.1, 0.5])),
                     ("beta", st.sampled_from([0.0, 0.5])), ("steps", st.sampled_from([0, 3])),
                     ("lam", st.sampled_from([0.0, 0.1]))],
                    lambda c, e, b, n, lam: theory.mode_errors(c, e, b, n, lam), lambda *a: finite),
}


@pytest.mark.parametrize("name", list(THEORY_CALLS))
@SETTINGS
@given(st.data())
def test_theory_functions(name, data):
    params, call, verify = THEORY_CALLS[name]
    wild, args, value = data.draw(st.composite(lambda draw: _pick(draw, params))())
    admits = {("ridge_correction", "lam"): (None,), ("mp_hyperparameters", "method"): (str,)}.get((name, wild), ())
    probe(name, wild, args, lambda: call(*args), lambda out: verify(*args)(out), value=value, admits=admits)


# -- MarchenkoPastur -------------------------------------------------------------------------------------------

def _law_verify(law_args, method, arg):
    def verify(out):
        law = theory.MarchenkoPastur(*law_args)
        values = np.asarray(out, dtype=complex if method == "stieltjes" else float)
        if method.startswith("log"):
            values = values[values != -np.inf]
        finite(values)
        if method in ("cdf", "sf") and not ((values >= 0) & (values <= 1)).all():
            raise Wrong(f"{method} outside [0, 1]: {out!r}")
        if method == "pdf" and (values < 0).any():
            raise Wrong(f"negative density {out!r}")
        if method == "ppf":
            ps = np.asarray(arg, dtype=float)
            if ((values < 0) | (values > law.upper * (1 + 1e-12))).any() or \
                    (np.asarray(law.cdf(values)) < ps - 1e-9).any():
                raise Wrong(f"ppf({arg!r}) = {out!r} is not a quantile")
        if method == "rvs" and ((values < 0) | (values > law.upper * (1 + 1e-12))).any():
            raise Wrong(f"draws outside the support: {out!r}")
    return verify


LAW_METHODS = {
    "pdf": st.sampled_from([0.5, 1.0, 2.0]), "cdf": st.sampled_from([0.0, 1.0, 3.0]),
    "sf": st.sampled_from([0.0, 1.0]), "logpdf": st.sampled_from([1.0]), "ppf": st.sampled_from([0.1, 0.5, 0.9]),
    "isf": st.sampled_from([0.1, 0.5]), "moment": st.sampled_from([0, 1, 3]), "stieltjes": st.sampled_from([-1.0, 2j]),
    "interval": st.sampled_from([0.5, 0.9]), "rvs": st.sampled_from([1, 5]), "expect": st.sampled_from([None]),
}


@pytest.mark.parametrize("method", list(LAW_METHODS))
@SETTINGS
@given(st.data())
def test_marchenko_pastur(method, data):
    wild_in_law = data.draw(st.booleans())
    q = data.draw(wild_values) if wild_in_law else data.draw(st.sampled_from([0.3, 0.7, 1.0, 1 - 1e-14]))
    arg = data.draw(LAW_METHODS[method]) if wild_in_law else data.draw(wild_values)
    name = "q" if wild_in_law else {"pdf": "x", "cdf": "x", "sf": "x", "logpdf": "x", "ppf": "p", "isf": "p",
                                    "moment": "k", "stieltjes": "z", "interval": "confidence", "rvs": "size",
                                    "expect": "lb"}[method]

    def call():
        law = theory.MarchenkoPastur(q)
        if method == "expect":
            return law.expect(lambda v: v, lb=arg) if arg is not None else law.expect()
        if method == "rvs":
            return law.rvs(arg, random_state=0)
        return getattr(law, method)(arg)

    admits = (None,) if (name, method) == ("lb", "expect") else (complex, np.complexfloating) if name == "z" else ()
    probe(f"MarchenkoPastur.{method}", name, (q, arg), call, _law_verify((q,), method, arg),
          value=q if wild_in_law else arg, admits=admits)


# -- prox_lasso (torch) and L1Prox -----------------------------------------------------------------------------

def _torch_soft_verify(x, t):
    """The derived soft threshold evaluated in x's dtype, written out by hand: the same numbers bit for bit."""
    def verify(out):
        tt = torch.tensor(float(np.asarray(t, dtype=float)), dtype=x.dtype)
        want = torch.sign(x) * torch.clamp(x.abs() - tt, min=0)
        if out.dtype != x.dtype or not torch.equal(out, want):
            raise Wrong(f"{out!r} vs {want!r}")
    return verify


@SETTINGS
@given(st.data())
def test_sim_prox_lasso(data):
    from gentoys.sim.prox import prox_lasso

    dtype = data.draw(st.sampled_from([torch.float32, torch.float64, torch.float16]))
    x = torch.tensor([-2.0, -0.25, 0.0, 0.5, 3.0], dtype=dtype)
    wild, (l1reg, scaling), value = data.draw(st.composite(lambda draw: _pick(
        draw, [("l1reg", st.sampled_from([0.0, 0.1, 1.0])), ("scaling", st.sampled_from([1.0, 0.5]))]))())
    if wild == "l1reg" and data.draw(st.booleans()):
        l1reg = torch.tensor(l1reg) if isinstance(l1reg, (int, float)) and not isinstance(l1reg, bool) else l1reg
    def verify(out):
        threshold = np.asarray(l1reg.item() if isinstance(l1reg, torch.Tensor) else l1reg, dtype=float) * \
            np.asarray(scaling, dtype=float)
        _torch_soft_verify(x, min(float(threshold), float(torch.finfo(dtype).max)))(out)

    probe("sim.prox_lasso", wild, (dtype, l1reg, scaling), lambda: prox_lasso(x, l1reg, scaling), verify,
          value=value)


@SETTINGS
@given(st.data())
def test_l1prox(data):
    from gentoys.sim.prox import L1Prox

    wild, (l1reg, momentum, dampening, lr), value = data.draw(st.composite(lambda draw: _pick(draw, [
        ("l1reg", st.sampled_from([0.0, 0.05, 0.5])), ("momentum", st.sampled_from([0.0, 0.5, 0.9])),
        ("dampening", st.sampled_from([0.0, 0.3])), ("lr", st.sampled_from([0.1, 0.01]))]))())
    w0 = torch.tensor([1.0, -0.3, 0.02, -2.0], dtype=torch.float64)
    grad = torch.tensor([0.5, -0.1, 0.0, 1.0], dtype=torch.float64)

    def call():
        w = torch.nn.Parameter(w0.clone())
        opt = L1Prox(torch.optim.SGD([w], lr=0.1, momentum=0.5), 0.05, "momentum")
        group = opt.param_groups[0]
        group.update(l1reg=l1reg, momentum=momentum, dampening=dampening, lr=lr)  # set after construction
        w.grad = grad.clone()
        opt.step()
        return w.detach(), group

    def verify(out):
        w, group = out
        mu = float(group["momentum"])
        s = float(group["lr"]) * (1 - float(group["dampening"])) / (1 - mu) if mu else float(group["lr"])
        t = float(group["l1reg"]) * s if group["l1reg"] else 0.0
        moved = w0 - float(group["lr"]) * grad  # SGD's first step: the buffer is the gradient itself
        want = torch.sign(moved) * torch.clamp(moved.abs() - t, min=0)
        finite(w.numpy())
        if not torch.allclose(w, want, rtol=1e-12, atol=1e-15):
            raise Wrong(f"{w.tolist()} vs {want.tolist()}")

    probe("L1Prox.step", wild, (l1reg, momentum, dampening, lr), call, verify, value=value)


# -- the settings dataclasses ----------------------------------------------------------------------------------

def _setting_verify(field, value):
    def verify(out):
        got = getattr(out, field)
        if isinstance(got, (bool, np.bool_)) and field != "teacher_per_set":
            raise Wrong(f"{field}={got!r} accepted as a number")
        if isinstance(got, (float, int, np.floating, np.integer)) and not isinstance(got, bool):
            finite(got)
        elif field != "teacher_per_set" and got is not None and not isinstance(got, (str, tuple, torch.dtype)):
            raise Wrong(f"{field}={got!r} ({type(got).__name__}) accepted")
        if field == "teacher_per_set" and not isinstance(got, bool):
            raise Wrong(f"teacher_per_set={got!r} is not a bool")
    return verify


#: what each field's own type admits besides a real number
_ADMITS = {**{f: (str,) for f in ("teacher", "tuning", "gradient", "extremes", "device", "model", "methods")},
           **{f: (None,) for f in ("init_variance", "chunk_sets", "threads")}, "teacher_per_set": (bool, np.bool_)}
LINEAR_FIELDS = ["dim", "q", "epochs", "n_sets", "methods", "teacher", "sparse_dim", "teacher_per_set",
                 "init_variance", "tuning", "zero_tol", "lasso_eta", "lasso_lam", "seed", "device", "dtype",
                 "chunk_sets", "threads", "gradient", "extremes"]
NETWORK_FIELDS = ["model", "dim", "hidden", "n_train", "epochs", "methods", "n_sets", "teacher_hidden", "n_val",
                  "n_test", "record_every", "seed", "device", "dtype", "chunk_sets", "threads"]


@pytest.mark.parametrize("field", LINEAR_FIELDS)
@settings(max_examples=examples(15), suppress_health_check=[HealthCheck.too_slow])
@given(value=wild_values)
def test_linear_setting(field, value):
    from gentoys.sim.linear import LinearSetting

    probe(f"LinearSetting.{field}", field, (value,), lambda: LinearSetting(**{field: value}),
          _setting_verify(field, value), value=value, admits=_ADMITS.get(field, ()))


@pytest.mark.parametrize("field", NETWORK_FIELDS)
@settings(max_examples=examples(15), suppress_health_check=[HealthCheck.too_slow])
@given(value=wild_values)
def test_network_setting(field, value):
    from gentoys.sim.networks import RELU

    probe(f"NetworkSetting.{field}", field, (value,), lambda: RELU.with_(**{field: value}),
          _setting_verify(field, value), value=value, admits=_ADMITS.get(field, ()))
