"""Closed forms of the generalization toy models, derived with SymPy.

Each formula is a :class:`~theory.formula.Formula`: callable on numbers and
numpy arrays (validating its domain), with ``.expr`` (SymPy) and ``.mp``
(mpmath). Nothing is derived at import: a module's SymPy derivation runs the
first time one of its formulas is used, so ``from gentoys.theory import
lambda_R`` costs an import, and ``lambda_R(0.7)`` derives what it needs.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "MarchenkoPastur": "marchenko_pastur",
    "mp_edges": "marchenko_pastur",
    "lambda_R": "mp_limits",
    "eta_gd": "mp_limits",
    "eta_ridge": "mp_limits",
    "beta_momentum": "mp_limits",
    "eta_momentum": "mp_limits",
    "eta_momentum_ridge": "mp_limits",
    "rate_gd": "mp_limits",
    "rate_momentum": "mp_limits",
    "momentum_step_speedup": "momentum_speedup",
    "momentum_step_speedup_limit": "momentum_speedup",
    "momentum_steps": "momentum_speedup",
    "momentum_factor_ratio": "momentum_speedup",
    "ridge_correction": "ridge",
    "ridge_correction_sup": "ridge",
    "ridge_correction_crossing": "ridge",
    "unregularized_plateau": "gradient_flow",
    "ridge_plateau": "gradient_flow",
    "mode_errors": "iterates",
    "mp_curves": "curves",
    "expected_curves": "curves",
    "mp_hyperparameters": "curves",
    "soft_threshold": "prox",
    "prox_lasso": "prox",
    "two_layer_mu": "two_layer",
    "two_layer_ridge_plateau": "two_layer",
    "group_ridge_solution": "two_layer",
    "lasso_risk": "lasso",
    "lasso_optimal_lam": "lasso",
    "lasso_risk_teacher": "lasso_teacher",
    "donoho_tanner": "lasso",
    "donoho_tanner_sparsity": "lasso",
}
__all__ = sorted(_EXPORTS) + ["tuning"]


def __getattr__(name: str):
    if name == "tuning":
        return importlib.import_module(".tuning", __name__)
    if name not in _EXPORTS:
        raise AttributeError(f"module 'theory' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def load_all() -> None:
    """Run every derivation (the docs writer needs them all); each runs once, the first time it is asked for."""
    for module in sorted(set(_EXPORTS.values()) | {"tuning", "factorization"}):
        derive = getattr(importlib.import_module(f".{module}", __name__), "derive", None)
        if derive is not None:
            derive()


def __dir__() -> list[str]:
    return __all__
