"""Exact discrete-time iterates, one eigenmode at a time.

GD, heavy-ball momentum, each with or without ridge, act on a mode with
curvature h (and ridge lam) as a linear recurrence on its distance to the
mode's fixed point. We solve the recurrences with ``rsolve`` and rewrite the
heavy-ball solution in a form that stays finite where the two roots of the
characteristic polynomial coincide:

    e_t = rho^(t-1) e_1 U_{t-1}(c) - rho^t e_0 U_{t-2}(c),
    rho = sqrt(beta), c = (1 + beta - eta h) / (2 rho),

U_n being Chebyshev polynomials of the second kind (U_{-1} = 0, U_{-2} = -1).
These curves are the reference the simulator must follow. The first heavy-ball step is a plain GD step (velocity starts at
zero, as in torch.optim.SGD), so e_1 = (1 - eta h) e_0.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from gentoys.theory.core import derivation
from gentoys.theory.core.lambdified import lambdify
from gentoys.theory.core.domain import MOMENTUM, NON_NEGATIVE, POSITIVE, REAL, Domain, validate_int
from gentoys.theory.core.symbols import S0, T, beta, eta, h, lam, n_steps


@derivation.derived
def derive():
    """The per-mode recurrences solved with rsolve, and their Chebyshev form (runs once, on first use)."""
    discrete = derivation.new(
        "iterates",
        "Discrete-time iterates per eigenmode",
        r"GD with ridge: $S_{t+1}=S_t-\eta[h(S_t-T)+\lambda S_t]$; heavy ball adds $\beta(S_t-S_{t-1})$ "
        r"with $S_{-1}=S_0$. In terms of the distance $e_t=S_t-S^*$ to the fixed point:",
    )
    _St = sp.Symbol("S_t", real=True)
    fixed_point = discrete.step(
        "Fixed point of the step (the same with and without momentum):",
        sp.solve(sp.Eq(_St, _St - eta * (h * (_St - T) + lam * _St)), _St)[0],
    )
    _hh = sp.Symbol("h_\\lambda", nonnegative=True)  # effective curvature h + lam
    _e = sp.Function("e")
    gd_solution = discrete.step(
        r"GD, $e_{t+1}=(1-\eta h_\lambda)e_t$ with $h_\lambda=h+\lambda$:",
        sp.rsolve(_e(n_steps + 1) - (1 - eta * _hh) * _e(n_steps), _e(n_steps), {_e(0): S0}),
    )
    _e0 = sp.Symbol("e_0", real=True)
    hb_recurrence = _e(n_steps + 2) - (1 + beta - eta * _hh) * _e(n_steps + 1) + beta * _e(n_steps)
    hb_solution = discrete.step(
        r"Heavy ball, $e_{t+2}=(1+\beta-\eta h_\lambda)e_{t+1}-\beta e_t$, $e_1=(1-\eta h_\lambda)e_0$ (rsolve):",
        sp.rsolve(hb_recurrence, _e(n_steps), {_e(0): _e0, _e(1): (1 - eta * _hh) * _e0}),
    )
    _rho, _c = sp.symbols("rho c", positive=True)
    chebyshev_form = (
        _rho ** (n_steps - 1) * (1 - eta * _hh) * sp.chebyshevu(n_steps - 1, _c) - _rho**n_steps * sp.chebyshevu(n_steps - 2, _c)
    )
    _cheb_check = [
        sp.simplify(
            (_e0 * chebyshev_form.subs(n_steps, n) - hb_solution.subs(n_steps, n)).subs(
                {_c: (1 + beta - eta * _hh) / (2 * sp.sqrt(beta)), _rho: sp.sqrt(beta)}
            )
        )
        for n in range(2, 6)
    ]
    discrete.step(
        r"Chebyshev form $e_t/e_0$, with $\rho=\sqrt\beta$, $c=(1+\beta-\eta h_\lambda)/(2\rho)$:",
        chebyshev_form,
    )
    discrete.step(r"Its difference to the rsolve solution at $t=2..5$:", sp.Matrix(_cheb_check).T)
    #: e_t / e_0 from the closed form, one step count at a time (tests check it against ``mode_errors``).
    closed_form_error = lambdify(
        (n_steps, beta, eta, _hh),
        chebyshev_form.subs({_rho: sp.sqrt(beta), _c: (1 + beta - eta * _hh) / (2 * sp.sqrt(beta))}),
        modules=["scipy", "numpy"],
    )
    return locals()


__getattr__ = derivation.module_getattr(derive, __name__)


def mode_errors(curvature, eta_value, beta_value, steps: int, lam_value=0.0) -> np.ndarray:
    """Distance to the fixed point after t = 0..steps, per unit initial distance.

    ``curvature`` holds the eigenvalues h (any shape); ``eta_value``,
    ``beta_value`` and ``lam_value`` broadcast against it. Returns an array of
    shape ``(steps + 1, *broadcast_shape)``: e_t / e_0.

    All steps are wanted at once, so the Chebyshev three-term recurrence
    U_{n+1} = 2c U_n - U_{n-1} (the characteristic recurrence above, solved
    by ``chebyshev_form``) is run forward: O(steps) per mode and exact to
    rounding, where evaluating each U_n afresh would cost O(n).
    """
    hs = Domain(0.0, np.inf, low_open=False).validate("curvature", curvature)
    etas = POSITIVE.validate("eta", eta_value)
    betas = MOMENTUM.validate("beta", beta_value)
    lams = NON_NEGATIVE.validate("lam", lam_value)
    steps = validate_int("steps", steps, minimum=0)
    hh, etas, betas = np.broadcast_arrays(hs + lams, etas, betas)
    try:
        out = np.empty((steps + 1,) + hh.shape)
    except MemoryError:
        raise ValueError(f"steps={steps} needs a ({steps + 1}, *{hh.shape}) array of errors, beyond this "
                         f"machine's memory") from None
    out[0] = 1.0
    if steps:
        out[1] = 1.0 - etas * hh
    trace = 1.0 + betas - etas * hh
    with np.errstate(over="ignore", invalid="ignore"):
        for n in range(2, steps + 1):
            out[n] = trace * out[n - 1] - betas * out[n - 2]
    if not np.isfinite(out).all():
        n = int(np.argwhere(~np.isfinite(out).reshape(steps + 1, -1).all(axis=1))[0, 0])
        raise ValueError(f"mode_errors overflows the float range at step {n}: with eta up to {np.max(etas):g} the "
                         f"iteration diverges (eta (curvature + lam) must stay below 2 (1 + beta) to contract)")
    return out


def mode_trajectory(curvature, S_init, teacher, eta_value, beta_value, steps: int, lam_value=0.0) -> np.ndarray:
    """S_t for t = 0..steps, per mode: fixed point + e_t (shape ``(steps + 1, ...)``)."""
    hs = Domain(0.0, np.inf, low_open=False).validate("curvature", curvature)
    lams = NON_NEGATIVE.validate("lam", lam_value)
    REAL.validate("S_init", S_init)
    REAL.validate("teacher", teacher)
    star = np.where(hs + lams > 0, hs * np.asarray(teacher) / np.where(hs + lams > 0, hs + lams, 1.0), S_init)
    return star + (np.asarray(S_init) - star) * mode_errors(hs, eta_value, beta_value, steps, lams)
