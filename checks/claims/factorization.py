"""Group E: weight decay on factors, and the seed's two-pair example."""
from __future__ import annotations

import numpy as np
import sympy as sp
from scipy import optimize

from gentoys.checks.claims import seed
from gentoys.checks.evidence import simulated
from gentoys.checks.framework.claim import Evidence, Outcome, Reading, SeedFormula, SeedStatement
from gentoys.checks.framework.judging import against_seed_all, judged
from gentoys.checks.framework.profile import Context
from gentoys.checks.framework.registry import claim
from gentoys.theory import factorization as fz

_POS = {s: (s, 0.2, 2.0) for s in (fz.v, fz.u, fz.r1, fz.r2, fz.x, fz.y, fz.lam)}
_DOTS = {s: (s, -1.0, 1.0) for s in (fz.a1, fz.b1, fz.a2, fz.b2, fz.c12, fz.d12)}


def _ranges(*symbols) -> tuple:
    table = {**_POS, **_DOTS}
    return tuple(table[s] for s in symbols)


WD_RANK1 = SeedStatement(
    "For M = sum_i q_i k_i^T, (lambda/2) sum (q_i^2 + k_i^2) at fixed r_i = q_i k_i is smallest at k_i = sqrt(r_i), "
    "where it equals lambda sum r_i.", "Sketching ideas",
    (SeedFormula("minimum over k of (lambda/2)(r^2/k^2 + k^2)", lambda: seed.wd_scalar_min, lambda: fz.scalar_min,
                 ((fz.r, 0.01, 5.0), (fz.lam, 0.01, 2.0)), "wd_scalar"),))


@claim("wd_factor_rank1", "E", "S N", WD_RANK1)
def wd_factor_rank1(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, WD_RANK1)
    rng = np.random.default_rng(ctx.seed)
    worst = 0.0
    for rv, lv in zip(rng.uniform(-5, 5, 50), rng.uniform(0.01, 2, 50)):
        res = optimize.minimize_scalar(lambda lk: lv / 2 * ((rv / np.exp(lk)) ** 2 + np.exp(2 * lk)), bounds=(-10, 10),
                                       method="bounded", options={"xatol": 1e-12})
        worst = max(worst, abs(res.fun - lv * abs(rv)) / (lv * abs(rv)))
    evn = Evidence("N", "bounded Brent over log k at 50 random (r, lambda), r of either sign: minimum vs lambda |r|",
                   {"max_rel_error": worst}, agrees=worst < 1e-8)
    return judged(ok, [ev, evn], "lambda |r_i| per term", f"minimum {fz.scalar_min}",
                  readings=[Reading("per rank-one term of a given decomposition", "confirmed" if ok else "refuted",
                                     "lambda |r_i|, with |r_i| for negative products"),
                             Reading("as the weight decay of M itself", "refuted",
                                     "sum |r_i| depends on the decomposition; its minimum over all of them is the "
                                     "nuclear norm ||M||_* (see wd_factor_nuclear)")])


def _nuclear_numbers(ctx: Context) -> tuple[dict, bool]:
    rng = np.random.default_rng(ctx.seed + 7)
    dim, rank, dk = 8, 3, 5
    M = rng.normal(size=(dim, rank)) @ rng.normal(size=(rank, dim))
    U, sv, Vt = np.linalg.svd(M)
    nuclear = float(sv.sum())
    A0, B0 = U[:, :dk] * np.sqrt(sv[:dk]), Vt[:dk].T * np.sqrt(sv[:dk])
    balanced = 0.5 * (np.sum(A0**2) + np.sum(B0**2))
    # every other factorization A R, B R^-T of the same M costs at least as much: minimize over R
    cost = lambda R: 0.5 * (np.sum((A0 @ R.reshape(dk, dk)) ** 2)  # noqa: E731
                            + np.sum((B0 @ np.linalg.inv(R.reshape(dk, dk)).T) ** 2))
    randoms = [cost(np.eye(dk) + 0.5 * rng.normal(size=(dk, dk))) for _ in range(200)]
    best = optimize.minimize(cost, (np.eye(dk) + 0.5 * rng.normal(size=(dk, dk))).ravel(), method="BFGS").fun
    ok = abs(balanced - nuclear) < 1e-9 * nuclear and min(randoms) >= nuclear - 1e-9 and abs(best - nuclear) < 1e-5 * nuclear
    return {"nuclear_norm": nuclear, "balanced_svd_factors": balanced, "min_of_200_random_factorizations": min(randoms),
            "bfgs_over_factorizations": best}, ok


def _shrinkage_numbers(ctx: Context, lam: float = 0.5) -> tuple[dict, bool]:
    """Fit factors to Y with weight decay by L-BFGS and compare the product's singular values with SVT."""
    rng = np.random.default_rng(ctx.seed + 8)
    dim, dk = 6, 6
    Y = rng.normal(size=(dim, dim))
    target = np.clip(np.linalg.svd(Y, compute_uv=False) - lam, 0, None)

    def f(p):
        A, B = p[: dim * dk].reshape(dim, dk), p[dim * dk:].reshape(dim, dk)
        R = A @ B.T - Y
        val = 0.5 * np.sum(R**2) + lam / 2 * (np.sum(A**2) + np.sum(B**2))
        return val, np.concatenate([(R @ B + lam * A).ravel(), (R.T @ A + lam * B).ravel()])

    res = optimize.minimize(f, 0.1 * rng.normal(size=2 * dim * dk), jac=True, method="L-BFGS-B",
                            options={"maxiter": 20000, "gtol": 1e-12, "ftol": 1e-15})
    A, B = res.x[: dim * dk].reshape(dim, dk), res.x[dim * dk:].reshape(dim, dk)
    learned = np.linalg.svd(A @ B.T, compute_uv=False)
    gap = float(np.abs(learned - target).max())
    return {"target_singular_values": np.linalg.svd(Y, compute_uv=False).tolist(), "soft_thresholded": target.tolist(),
            "learned": learned.tolist(), "max_abs_gap": gap, "lambda": lam}, gap < 1e-4


@claim("wd_factor_nuclear", "E", "S N M", SeedStatement(
    "(Beyond the seed, its general form.) min over W^Q W^K^T = M of (lambda/2)(||W^Q||^2 + ||W^K||^2) is "
    "lambda ||M||_*, and fitting factors with weight decay soft-thresholds the singular values.", "Sketching ideas"))
def wd_factor_nuclear(ctx: Context) -> Outcome:
    ev = Evidence("S", "||A B^T||_* <= ||A||_F ||B||_F <= (||A||^2 + ||B||^2)/2, with equality for the balanced "
                  "SVD factors A = U sqrt(S), B = V sqrt(S) (needs d_k >= rank M); hence 1/2||A B^T - Y||^2 + "
                  "(lambda/2)(||A||^2 + ||B||^2) has the minimum of 1/2||Z - Y||^2 + lambda ||Z||_*, whose minimizer "
                  "soft-thresholds the singular values of Y at lambda (keeping the d_k largest when d_k < rank)",
                  agrees=None)
    nuc, ok1 = _nuclear_numbers(ctx)
    shr, ok2 = _shrinkage_numbers(ctx)
    evn = [Evidence("N", "8 x 8 rank-3 M with d_k = 5: balanced factors vs 200 random factorizations and BFGS over "
                    "the invertible mixing R", nuc, agrees=ok1),
           Evidence("N", "L-BFGS on the factors of a 6 x 6 target with weight decay: singular values of the product "
                    "vs the soft-thresholded target", shr, agrees=ok2)]
    ok = ok1 and ok2
    return judged(ok, [ev, *evn, simulated.factor_shrinkage(ctx)],
                  key=f"||M||_* = {nuc['nuclear_norm']:.4g} = balanced cost; SVT gap {shr['max_abs_gap']:.1e}",
                  correction=lambda: f"balanced cost {nuc['balanced_svd_factors']:.6g} vs ||M||_* "
                  f"{nuc['nuclear_norm']:.6g}, best factorization {nuc['bfgs_over_factorizations']:.6g}; learned "
                  f"singular values {shr['learned']} vs soft-thresholded {shr['soft_thresholded']}")


@claim("pair_loss_expansion", "E", "S", SeedStatement(
    "||V U^T - v1 u1^T - v2 u2^T||_F^2 expands into the six printed terms.", "Simple example"))
def pair_loss_expansion(ctx: Context) -> Outcome:
    residuals = {f"D={d}": sp.sstr(fz.frobenius_expansion_residual(d)) for d in (2, 3, 4)}
    ok = all(r == "0" for r in residuals.values())
    return judged(ok, [Evidence("S", "Frobenius norm minus the six terms, symbolic vectors", residuals, agrees=None)],
                  "residual 0 in D = 2, 3, 4" if ok else "nonzero residual",
                  lambda: f"the Frobenius norm differs from the six printed terms by {residuals}")


PAIR_NORMALIZED = SeedStatement(
    "With r1 s1 = x u v and r2 s2 = y u v the loss is v^2 u^2 [1 + x^2 + y^2 - 2x(v.v1)(u.u1) - 2y(v.v2)(u.u2) + "
    "2xy(u1.u2)(v1.v2)].", "Simple example",
    (SeedFormula("the loss over u^2 v^2 after the substitution", lambda: seed.pair_bracket, lambda: fz.bracket,
                 _ranges(fz.x, fz.y, fz.a1, fz.b1, fz.a2, fz.b2, fz.c12, fz.d12), "two_pair"),))


@claim("pair_loss_normalized", "E", "S", PAIR_NORMALIZED)
def pair_loss_normalized(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, PAIR_NORMALIZED)
    return judged(ok, [ev], "matches" if ok else "differs", f"bracket = {fz.bracket}")


PAIR_WD = SeedStatement(
    "The weight decay becomes L_WD = lambda (r1^2 + r2^2 + x^2 u^2 v^2/r1^2 + y^2 u^2 v^2/r2^2).", "Simple example",
    (SeedFormula("(lambda/2)(r1^2 + r2^2 + s1^2 + s2^2) with s_i eliminated", lambda: seed.pair_wd, lambda: fz.wd_expr,
                 _ranges(fz.lam, fz.r1, fz.r2, fz.x, fz.y, fz.u, fz.v), "two_pair"),))


@claim("pair_wd_expression", "E", "S", PAIR_WD)
def pair_wd_expression(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, PAIR_WD)
    ratio = sp.simplify(seed.pair_wd / fz.wd_expr)
    ev.numbers["seed_over_derived"] = sp.sstr(ratio)
    return judged(ok, [ev], f"seed / derived = {ratio}",
                  lambda: f"L_WD = {sp.sstr(fz.wd_expr)}: the seed's expression is {sp.sstr(ratio)} times it. The next "
                  f"step's minimum {sp.sstr(fz.wd_min)} follows from this form, so the conclusion survives")


PAIR_WD_MINIMUM = SeedStatement(
    "Minimizing over r1, r2 gives r1^2 = u v x, r2^2 = u v y and L_WD = lambda u v (x + y).", "Simple example",
    (SeedFormula("minimizing r1^2", lambda: seed.pair_r1_sq, lambda: fz.wd_r1_sq, _ranges(fz.lam, fz.x, fz.y, fz.u, fz.v),
                 "two_pair"),
     SeedFormula("minimal weight decay (from the correct lambda/2 form)", lambda: seed.pair_wd_min, lambda: fz.wd_min,
                 _ranges(fz.lam, fz.x, fz.y, fz.u, fz.v), "two_pair")))


@claim("pair_wd_minimum", "E", "S N", PAIR_WD_MINIMUM)
def pair_wd_minimum(ctx: Context) -> Outcome:
    (ev1, ev2), ok = against_seed_all(ctx, PAIR_WD_MINIMUM)
    from_seed_form = sp.simplify(seed.pair_wd.subs({fz.r1: sp.sqrt(fz.u * fz.v * fz.x), fz.r2: sp.sqrt(fz.u * fz.v * fz.y)}))
    ev2.numbers["minimum_of_the_seed's_displayed_L_WD"] = sp.sstr(from_seed_form)
    f = sp.lambdify((fz.r1, fz.r2), fz.wd_expr.subs({fz.lam: 0.7, fz.u: 1.3, fz.v: 0.8, fz.x: 0.6, fz.y: 1.1}))
    res = optimize.minimize(lambda p: f(*np.exp(p)), [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14})
    direct = float(res.fun)
    expect = float(fz.wd_min.subs({fz.lam: 0.7, fz.u: 1.3, fz.v: 0.8, fz.x: 0.6, fz.y: 1.1}))
    evn = Evidence("N", "Nelder-Mead over (log r1, log r2) at one point", {"direct": direct, "derived": expect},
                   agrees=abs(direct - expect) < 1e-8)
    return judged(ok, [ev1, ev2, evn], "r1^2 = uvx; lambda u v (x + y)",
                  readings=[Reading("as the minimum of the correct penalty", "confirmed" if ok else "refuted",
                                     "it follows from (lambda/2)(...)"),
                             Reading("as the minimum of the seed's displayed L_WD",
                                     "confirmed" if sp.simplify(from_seed_form - seed.pair_wd_min) == 0 else "refuted",
                                     f"that expression's minimum is {from_seed_form}")])


PAIR_LAMBDA = SeedStatement(
    "The full loss is then 1 + x^2 + y^2 - 2x... + 2xy... + Lambda (x + y) with Lambda = lambda u v.",
    "Simple example",
    (SeedFormula("L_WD over u^2 v^2, per unit (x + y)", lambda: seed.pair_Lambda, lambda: fz.Lambda,
                 _ranges(fz.lam, fz.u, fz.v), "two_pair"),))


@claim("pair_lambda_normalization", "E", "S", PAIR_LAMBDA)
def pair_lambda_normalization(ctx: Context) -> Outcome:
    ([ev], ok) = against_seed_all(ctx, PAIR_LAMBDA)
    return judged(ok, [ev], f"Lambda = {sp.sstr(fz.Lambda)}",
                  lambda: f"dividing the loss by u^2 v^2 gives Lambda = {sp.sstr(fz.Lambda)}, not "
                  f"{sp.sstr(seed.pair_Lambda)} (the two agree only where {sp.sstr(sp.Eq(fz.Lambda, seed.pair_Lambda))}); "
                  "the conclusion, an L1 penalty on (x, y), survives with that strength")


def _random_3d_pair_products(rng, phi1: float, phi2: float, n: int = 200) -> tuple[float, float]:
    """Range of u1.u2 over unit vectors at angles phi1, phi2 from u = e1 in R^3."""
    az = rng.uniform(0, 2 * np.pi, size=n)
    u1 = np.array([np.cos(phi1), np.sin(phi1), 0.0])
    u2 = np.stack([np.full(n, np.cos(phi2)), np.sin(phi2) * np.cos(az), np.sin(phi2) * np.sin(az)], axis=1)
    dots = u2 @ u1
    return float(dots.min()), float(dots.max())


PAIR_ANGLES = SeedStatement(
    "For D = 2 the loss is 1 + x^2 + y^2 - 2x cos th1 cos ph1 - 2y cos th2 cos ph2 + 2xy cos(th1-th2) cos(ph1-ph2) "
    "+ Lambda (x + y), independent of the dimension.", "Simple example",
    (SeedFormula("D = 2 loss without the L1 term", lambda: seed.pair_angles_2d, lambda: fz.angles_2d - fz.Lambda * (fz.x + fz.y),
                 ((fz.x, 0.1, 2), (fz.y, 0.1, 2), (fz.th1, -3, 3), (fz.th2, -3, 3), (fz.ph1, -3, 3), (fz.ph2, -3, 3),
                  (fz.lam, 0.1, 1), (fz.u, 0.5, 2), (fz.v, 0.5, 2)), "two_pair"),))


@claim("pair_angles_2d", "E", "S N", PAIR_ANGLES)
def pair_angles_2d(ctx: Context) -> Outcome:
    ([ev], ok2d) = against_seed_all(ctx, PAIR_ANGLES)
    lo, hi = _random_3d_pair_products(np.random.default_rng(ctx.seed), 0.6, 0.9)
    evn = Evidence("N", "in R^3, unit vectors u1, u2 at fixed angles 0.6 and 0.9 from u: u1.u2 over random azimuths "
                   "(the D = 2 form fixes it at cos(0.6 - 0.9) or cos(0.6 + 0.9))",
                   {"min": lo, "max": hi, "cos(phi1-phi2)": float(np.cos(0.3)), "cos(phi1+phi2)": float(np.cos(1.5))},
                   agrees=hi <= np.cos(0.3) + 1e-12 and lo >= np.cos(1.5) - 1e-12)
    spread = hi - lo > 0.1
    readings = [Reading("the D = 2 formula", "confirmed" if ok2d else "refuted", "it follows with signed angles"),
                Reading("independent of the dimension", "refuted" if spread else "confirmed",
                        f"in D = 3 the pair product u1.u2 still varies over [{lo:.3f}, {hi:.3f}] at fixed angles")]
    holds = ok2d and not spread
    return judged(holds, [ev, evn], f"D=2 form {'matches' if ok2d else 'differs'}; D=3: u1.u2 in [{lo:.2f}, {hi:.2f}]",
                  readings=readings)


def _angle_minimum(x: float, y: float, rng) -> float:
    f = sp.lambdify((fz.th1, fz.th2, fz.ph1, fz.ph2), fz.bracket.subs(fz.angles_2d_substitution).subs({fz.x: x, fz.y: y}))
    best = np.inf
    for start in rng.uniform(-np.pi, np.pi, size=(12, 4)):
        best = min(best, optimize.minimize(lambda a: f(*a), start, method="BFGS").fun)
    return float(best)


PAIR_ALIGNED = SeedStatement(
    "The minimum over the angles is at all angles 0, giving 1 + x^2 + y^2 - 2(x + y) + Lambda (x + y).",
    "Simple example",
    (SeedFormula("the D = 2 loss at all angles zero (without the L1 term)", lambda: seed.pair_aligned,
                 lambda: sp.expand(fz.aligned_bracket), ((fz.x, 0.1, 2), (fz.y, 0.1, 2)), "two_pair"),))


@claim("pair_aligned_minimum", "E", "S N M", PAIR_ALIGNED)
def pair_aligned_minimum(ctx: Context) -> Outcome:
    at_zero = PAIR_ALIGNED.formulas[0].derived_expr()
    ([ev], ok_value) = against_seed_all(ctx, PAIR_ALIGNED)
    ev.numbers["missing_term"] = sp.sstr(sp.expand(at_zero - seed.pair_aligned))
    rng = np.random.default_rng(ctx.seed)
    grid = {}
    zero_is_min = {}
    for xv in (0.2, 0.45, 0.8, 1.5):
        for yv in (0.2, 0.45, 0.8, 1.5):
            best = _angle_minimum(xv, yv, rng)
            zero = float(at_zero.subs({fz.x: xv, fz.y: yv}))
            grid[f"x={xv}, y={yv}"] = {"min_over_angles": best, "at_zero_angles": zero}
            zero_is_min[(xv, yv)] = zero <= best + 1e-9
    rule = all(v == (x_ + y_ <= 1) for (x_, y_), v in zero_is_min.items())
    evn = Evidence("N", "BFGS from 12 random starts over the four angles vs the value at zero angles; agreement: "
                   "zero angles are minimal exactly at the grid points with x + y <= 1", grid, agrees=rule)
    where = sorted(k for k, v in zero_is_min.items() if v)
    holds = ok_value and all(zero_is_min.values())
    return judged(holds, [ev, evn, simulated.two_pair_training(ctx)],
                  f"zero angles minimal at {len(where)}/{len(zero_is_min)} grid points; missing {ev.numbers['missing_term']}",
                  lambda: f"at zero angles the loss is {sp.sstr(sp.factor(at_zero))} + Lambda (x + y): the seed "
                  f"misses the term {ev.numbers['missing_term']}; and zero angles minimize over the angles only "
                  f"at the grid points {where} (x + y <= 1 {'at every one' if rule else 'not at every one'}). The "
                  f"section's conclusion survives: the aligned optimum has x + y = {sp.sstr(fz.aligned_sum_optimum)}, "
                  f"with an L1 penalty on (x, y) of strength Lambda = {sp.sstr(fz.Lambda)}")
