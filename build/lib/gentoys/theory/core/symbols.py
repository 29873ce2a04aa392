"""The SymPy symbols shared by every derivation, with their assumptions."""
import sympy as sp

q = sp.Symbol("q", positive=True)            # sample ratio N_tr / D
s = sp.Symbol("s", positive=True)            # sqrt(q), used to keep radicals tidy
x = sp.Symbol("x", positive=True)            # an eigenvalue of Sigma_tr
z = sp.Symbol("z")                           # spectral parameter (complex)
lam = sp.Symbol("lambda", positive=True)     # ridge strength
t = sp.Symbol("t", nonnegative=True)         # time (flow) or step count
eta = sp.Symbol("eta", positive=True)        # step size
beta = sp.Symbol("beta", nonnegative=True)   # heavy-ball momentum
h = sp.Symbol("h", nonnegative=True)         # a curvature (Hessian eigenvalue)
lam_i = sp.Symbol("lambda_i", nonnegative=True)
lam_min = sp.Symbol("lambda_min", positive=True)  # smallest non-zero eigenvalue
lam_max = sp.Symbol("lambda_max", positive=True)  # largest eigenvalue
S0 = sp.Symbol("S_0", real=True)
T = sp.Symbol("T", real=True)
w = sp.Symbol("w", real=True)              # a weight (any sign)
# squared norms that enter the plateaus
norm_delta0 = sp.Symbol("norm2_S0_minus_T", positive=True)
norm_S0 = sp.Symbol("mean_norm2_S0", positive=True)
norm_T = sp.Symbol("norm2_T", positive=True)
#: how the docs typeset symbols whose names are not LaTeX
LATEX_NAMES = {norm_delta0: r"\Vert S_0-T\Vert^2", norm_S0: r"\langle\Vert S_0\Vert^2\rangle",
               norm_T: r"\Vert T\Vert^2"}
k = sp.Symbol("k", integer=True, nonnegative=True)
n_steps = sp.Symbol("n", integer=True, nonnegative=True)


def from_s(expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression in s = sqrt(q) back in terms of q."""
    return sp.simplify(expr.subs(s, sp.sqrt(q)))


def below_one(expr: sp.Expr) -> sp.Expr:
    """Simplify using 0 < q < 1, which SymPy's assumptions cannot express."""
    p = sp.Symbol("p", positive=True)  # p = 1 - q > 0
    return sp.simplify(sp.simplify(expr.subs(q, 1 - p)).subs(p, 1 - q))
