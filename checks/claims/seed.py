"""The seed's formulas, transcribed as SymPy expressions and kept apart.

Nothing here is derived and nothing in ``theory`` reads it: these are the
statements under test. Symbols are the shared ones of ``theory.symbols`` so a
transcription and a derivation can be compared directly. Locations refer to
the sections of the seed document (seed/generalization_toys_II.md).
"""
import sympy as sp

from gentoys.theory.core.symbols import S0, T, h, lam, lam_max, lam_min, norm_delta0, norm_S0, norm_T, q, t, w

sqrt_q = sp.sqrt(q)

# Marchenko-Pastur edges, written with D / N_tr = 1 / q ("Numerics").
edges = ((1 - sp.sqrt(1 / q)) ** 2, (1 + sp.sqrt(1 / q)) ** 2)

# Unregularized gradient flow, one mode with eigenvalue h ("Unregularized case").
gf_solution = T + (S0 - T) * sp.exp(-h * t)
gf_gen_loss = (S0 - T) ** 2 * sp.exp(-2 * h * t) / 2
eq1 = (1 - q) / 2 * norm_delta0
eq1_random_init = (1 - q) / 2 * (norm_S0 + norm_T)

# Ridge ("Ridge regularization"): the penalty is named lam ||S||^2.
_S = sp.Symbol("S_i", real=True)
ridge_penalty = lam * _S**2
ridge_flow_rhs = -(h + lam) * _S + h * T
ridge_solution = (S0 - h * T / (lam + h)) * sp.exp(-(lam + lam) * t) + h * T / (lam + h)
eq2_mode = lam**2 / (lam + h) ** 2 / 2  # per unit ||T||^2, before averaging
eq3 = (1 - q) / 2  # per unit ||T||^2, up to O(lam^2)

# Initial student: entries N(0, 1/sqrt(D)) with E ||S0||^2 = 1 ("Numerics").
s0_second_argument = lambda D: 1 / sp.sqrt(D)  # noqa: E731
s0_expected_norm2 = 1

# Step sizes and rates ("Numerics"), lam_- the smallest non-zero eigenvalue.
eta_gd = 2 / (lam_max + lam_min)
eta_ridge = 2 / (lam_max + 2 * lam)
_kappa = lam_max / lam_min
rate_gd = (_kappa - 1) / (_kappa + 1)
rate_ridge = (lam_max / lam) / (lam_max / lam + 2)
lambda_R = lam_max * lam_min / (lam_max - lam_min)

# Marchenko-Pastur limits ("Numerics").
mp_lambda_R = (1 - q) ** 2 / (4 * q ** sp.Rational(3, 2))
mp_eta_gd = q / (1 + q)
mp_eta_ridge = 4 * q ** sp.Rational(3, 2) / ((1 + q) * (1 + sqrt_q) ** 2)
ridge_correction_bound = sp.Rational(3, 100)

# Momentum (last paragraph of "Numerics").
mp_beta = q
mp_eta_momentum = q
mp_eta_momentum_ridge = (1 - sqrt_q) ** 2 / mp_lambda_R
mp_rate_momentum = sp.sqrt(q)
momentum_speedup_bound = sp.Rational(1, 2)  # "up to 50 % faster"
# The linear experiment behind the loss-curve figure ("Numerics"; epochs from NOTES.md, the author's notebook).
linear_example = {"dim": 1000, "q": sp.Rational(7, 10), "epochs": 200}

# Proximal L1 ("Gradient descent with L1 regularization").
soft_threshold = sp.sign(w) * sp.Max(sp.Abs(w) - lam, 0)

# Weight decay on factors ("Skatching ideas"): at fixed r = q k the penalty is minimized at k = sqrt(r) with value lam r.
from gentoys.theory.factorization import a1, a2, b1, b2, c12, d12, ph1, ph2, r1, r2, th1, th2, u, v
from gentoys.theory.factorization import lam as wd_lam
from gentoys.theory.factorization import r as wd_r
from gentoys.theory.factorization import x as px
from gentoys.theory.factorization import y as py

wd_scalar_min = wd_lam * wd_r
pair_bracket = 1 + px**2 + py**2 - 2 * px * a1 * b1 - 2 * py * a2 * b2 + 2 * px * py * c12 * d12
pair_wd = wd_lam * (r1**2 + r2**2 + px**2 * u**2 * v**2 / r1**2 + py**2 * u**2 * v**2 / r2**2)
pair_r1_sq = u * v * px
pair_wd_min = wd_lam * u * v * (px + py)
pair_Lambda = wd_lam * u * v
pair_angles_2d = (1 + px**2 + py**2 - 2 * px * sp.cos(th1) * sp.cos(ph1) - 2 * py * sp.cos(th2) * sp.cos(ph2)
                  + 2 * px * py * sp.cos(th1 - th2) * sp.cos(ph1 - ph2))
pair_aligned = 1 + px**2 + py**2 - 2 * (px + py)  # plus Lambda (x + y)

# Numbers the seed states about its experiments (seed/NOTES.md records the settings behind them).
lasso_lambdas = (5e-3, 1.2e-3)  # lasso strength: the text's value, then the notebook's final run
sparse_example = {"dim": 1000, "q": 0.7, "sparsity": 0.4}  # the sparse-teacher example: D, N_tr / D, d / D
two_layer_lasso_columns = 3  # "lasso used only three columns of M"
relu_lasso_zero_fraction = 0.89  # "set about 89 % of the hidden-layer weights to zero"

# ---------------------------------------------------------------------------------------------------------------
# Statements added on review (group G). Each is what the seed states, transcribed; nothing here is derived.
# ---------------------------------------------------------------------------------------------------------------

# The sparse example's figure caption calls the teacher "70 % sparse" (read: 70 % of its entries are zero);
# the text pads a unit vector on d = 400 of the D = 1000 coordinates with zeros ("Toy Examples").
sparse_caption_zero_share = sp.Rational(70, 100)
sparse_text_support = {"dim": 1000, "d": 400}

# "The vanishing eigenvalues ... don't affect the convergence rate" ("Numerics"): the rate is set by the Hessian's
# smallest and largest non-vanishing eigenvalues, Sigma_tr's [lam_min, lam_max] for GD, Sigma_tr + lam I's
# [lam, lam_max + lam] with ridge; the seed's R_0 and R_lambda above are its rates.
null_modes_rate_gd = rate_gd
null_modes_rate_ridge = rate_ridge

# The two network examples (seed/NOTES.md, the author's notebook): L1 strength lambda_1 of the soft threshold
# applied after SGD with momentum, and the extra shrink w <- w / (1 + lr c) after it. The seed says the step
# "incorporates" the L1 norm: the problem solved is read as the lasso with strength lambda_1.
network_l1 = {"two_layer": {"l1": 3.5e-4, "momentum": 0.9, "shrink": 0.1},
              "relu": {"l1": 1e-3, "momentum": 0.5, "shrink": 0.05}}
network_l1_strength = sp.Symbol("lambda_1", real=True)  # the L1 strength of the problem solved, as the seed reads it

# "As seen from Eq. 2, the generalization loss is an increasing function of lambda" ("Numerics"): the sign of
# d/d lambda of Eq. 2's mode term (eq2_mode above) is claimed positive.
gen_loss_increasing_sign = 1

# "R_lambda shows that learning in the lambda -> 0 limit will be very slow" ("Numerics"): R_lambda -> 1.
small_lambda_rate_limit = 1

# The first post's figure draws the ridge theory line at (1 - q)/2 * 1.03 (seed/NOTES.md), "including the finite
# lambda correction to Eq. 3" (the caption of the figure in "Ridge regularization").
ridge_figure_factor = sp.Rational(103, 100)
ridge_figure_line = (1 - q) / 2 * ridge_figure_factor
