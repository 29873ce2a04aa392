"""``gentoys figures``: the seed's figures, with theory beside measurement.

Each figure is a PNG plus a CSV of the numbers drawn. Matplotlib's mathtext
renders the labels, so no LaTeX installation is needed.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from gentoys.checks.claims import seed  # noqa: E402
from gentoys.checks.evidence.runs import linear_run, network_run, sparse_teacher_runs  # noqa: E402
from gentoys.checks.framework.profile import Context  # noqa: E402
from gentoys.checks.outputs.files import write_atomic  # noqa: E402
from gentoys.sim.spectra import sample_gram  # noqa: E402
from gentoys.theory import gradient_flow as gf  # noqa: E402
from gentoys.theory.curves import mp_curves  # noqa: E402
from gentoys.theory.lasso import donoho_tanner, lasso_risk  # noqa: E402
from gentoys.theory.lasso_teacher import lasso_risk_teacher  # noqa: E402
from gentoys.theory.marchenko_pastur import MarchenkoPastur  # noqa: E402
from gentoys.theory.mp_limits import lambda_R  # noqa: E402

LABELS = {"gd": "GD", "ridge": "GD + ridge", "momentum": "momentum", "momentum_ridge": "momentum + ridge",
          "lasso": "lasso (prox)"}


def _save(fig, rows: list[dict], out: Path, name: str) -> list[Path]:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return [write_atomic(out / f"{name}.png", buf.getvalue()), write_atomic(out / f"{name}.csv", text.getvalue())]


def gen_linear(ctx: Context, out: Path) -> list[Path]:
    """Averaged l_gen of the four methods, the MP theory curves over epochs and the plateaus."""
    run = linear_run(ctx)
    s = run.setting
    s0, overlap = float(run.init @ run.init), float(run.init @ run.teacher)
    epochs = np.arange(s.epochs + 1)
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    rows = [{"epoch": int(e)} for e in epochs]
    for m in s.methods:
        j = run.method_index(m)
        losses = run.gen_loss[:, :, j].double().cpu().numpy()
        mean, se = losses.mean(1), losses.std(1, ddof=1) / np.sqrt(losses.shape[1])
        theory, _ = mp_curves(s.q, m, s.epochs, s0_norm2=s0, overlap=overlap)
        line, = ax.plot(epochs, mean, label=f"{LABELS[m]} (mean of {s.n_sets})")
        ax.fill_between(epochs, mean - 2 * se, mean + 2 * se, color=line.get_color(), alpha=0.2)
        ax.plot(epochs, theory, ls="--", color=line.get_color(), lw=1)
        for row, a, b, c in zip(rows, mean, se, theory):
            row.update({f"{m}_mean": a, f"{m}_se": b, f"{m}_mp_theory": c})
    eq1 = 0.5 * (1 - s.q) * float(((run.init - run.teacher) ** 2).sum())
    eq2 = gf.ridge_plateau(s.q, float(lambda_R(s.q)))
    ax.axhline(eq1, color="k", ls=":", lw=1, label=r"Eq. 1: $\frac{1}{2}(1-q)\Vert S_0-T\Vert^2$")
    ax.axhline(eq2, color="gray", ls=":", lw=1, label=r"Eq. 2 at $\lambda_R$ (MP)")
    ax.set(yscale="log", xlabel="epoch", ylabel=r"$\ell_{\rm gen}$",
           title=f"Linear teacher-student, D={s.dim}, q={s.q} (dashed: MP theory over epochs)")
    ax.legend(fontsize=8)
    for row in rows:
        row.update({"eq1": eq1, "eq2_mp": eq2})
    return _save(fig, rows, out, "gen_linear")


def gen_linear_sparse(ctx: Context, out: Path, lasso_lam: float = seed.lasso_lambdas[0]) -> list[Path]:
    """Random vs sparse teacher, GD / ridge / lasso, side by side, with the lasso's state evolution: for the one
    teacher simulated (dashed: the prior replaced by its coordinates) and averaged over the prior (dotted)."""
    runs = sparse_teacher_runs(ctx, lasso_lam)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    rows = []
    for ax, (teacher, run) in zip(axes, runs.items()):
        s = run.setting
        epochs = np.arange(s.epochs + 1)
        eps = s.sparse_dim / s.dim if teacher == "sparse" else 1.0
        prior = lasso_risk(s.q, eps, lasso_lam, s.dim).gen_loss
        this = lasso_risk_teacher(run.teacher.double().cpu().numpy(), s.q, lasso_lam).gen_loss
        for m in s.methods:
            mean = run.gen_loss[:, :, run.method_index(m)].double().mean(1).cpu().numpy()
            line, = ax.plot(epochs, mean, label=LABELS[m])
            if m == "lasso":
                ax.axhline(this, color=line.get_color(), ls="--", lw=1, label="state evolution, this teacher")
                ax.axhline(prior, color=line.get_color(), ls=":", lw=0.8, label="state evolution, teacher prior")
            rows += [{"teacher": teacher, "method": m, "epoch": int(e), "mean_gen_loss": v,
                      "lasso_state_evolution_teacher": this, "lasso_state_evolution_prior": prior}
                     for e, v in zip(epochs, mean)]
        ax.set(yscale="log", xlabel="epoch", title=f"{teacher} teacher")
        ax.legend(fontsize=8)
    axes[0].set_ylabel(r"$\ell_{\rm gen}$")
    fig.suptitle(f"Sparse (d = 0.4 D) vs random teacher, lasso $\\lambda$ = {lasso_lam:g}, "
                 f"{runs['random'].setting.n_sets} data sets, one teacher each")
    return _save(fig, rows, out, "gen_linear_sparse")


def lasso_phase(ctx: Context, out: Path, grid: int = 14) -> list[Path]:
    """The (q, eps) plane: predicted log(l_lasso / l_ridge) at the seed's larger lasso lambda (lam sqrt(D) fixed) and
    ridge at lambda_R, its zero contour, the Donoho-Tanner line, simulated points and the seed's example."""
    from gentoys.checks.claims.lasso import BOUNDARY_POINTS, log_ratio
    from gentoys.checks.evidence.lasso_runs import SEED_DIM, SEED_LAMBDAS, SEED_Q, SEED_SPARSITY, lam_at, lasso_sim

    lam_bm = SEED_LAMBDAS[0] * np.sqrt(SEED_DIM)
    qs, epss = np.linspace(0.1, 0.95, grid), np.linspace(0.05, 1.0, grid)
    ratio = np.array([[log_ratio(qv, ev, lam_bm) for qv in qs] for ev in epss])
    limit = float(np.abs(ratio).max())
    fig, ax = plt.subplots(figsize=(6.5, 5))
    mesh = ax.pcolormesh(qs, epss, ratio, cmap="RdBu_r", vmin=-limit, vmax=limit, shading="auto")
    fig.colorbar(mesh, ax=ax, label=r"predicted $\log(\ell_{\rm lasso}/\ell_{\rm ridge})$")
    ax.contour(qs, epss, ratio, levels=[0.0], colors="k", linewidths=1.2)
    line_eps = np.linspace(0.02, 0.99, 60)
    ax.plot([donoho_tanner(e) for e in line_eps], line_eps, color="k", ls="--", lw=1.2,
            label=r"Donoho-Tanner (exact recovery as $\lambda\to0$ to the right)")
    rows = [{"kind": "grid", "q": qv, "eps": ev, "log_ratio": ratio[j, i], "se": 0.0}
            for j, ev in enumerate(epss) for i, qv in enumerate(qs)]
    dim = ctx.profile.boundary_dim
    for qv, ev in BOUNDARY_POINTS:
        run = lasso_sim(ctx, dim, qv, ev, lam_at(SEED_LAMBDAS[0], dim), with_ridge=True)
        lasso, ridge = run.lasso.gen_loss.cpu().numpy(), run.ridge_gen
        measured = float(np.log(lasso.mean() / ridge.mean()))
        ax.scatter([qv], [ev], c=[measured], cmap="RdBu_r", vmin=-limit, vmax=limit, edgecolors="k", s=70, zorder=3)
        rows.append({"kind": f"simulated D={dim}", "q": qv, "eps": ev, "log_ratio": measured,
                     "se": float(np.std(lasso - ridge, ddof=1) / np.sqrt(lasso.size))})
    ax.plot([SEED_Q], [SEED_SPARSITY], marker="*", color="gold", markeredgecolor="k", ms=16, ls="",
            label="seed's example", zorder=4)
    ax.set(xlabel="q = N/D", ylabel=r"sparsity $\epsilon$ = d/D", xlim=(0.1, 0.95), ylim=(0.05, 1.0),
           title=rf"lasso ($\lambda\sqrt{{D}}$ = {lam_bm:.3f}) vs ridge ($\lambda_R$); zero contour solid")
    ax.legend(fontsize=7, loc="upper left")
    return _save(fig, rows, out, "lasso_phase")


def spectrum(ctx: Context, out: Path, q: float = 0.7) -> list[Path]:
    """Histogram of sampled eigenvalues with the MP density and the atom at zero."""
    dim = ctx.profile.dim
    gram = sample_gram(min(ctx.profile.n_sets, 20), dim, round(q * dim), seed=ctx.seed, device=ctx.device)
    ev = gram.nonzero_eigenvalues.cpu().numpy().ravel()
    law = MarchenkoPastur(q)
    fig, ax = plt.subplots(figsize=(7, 4))
    counts, edges, _ = ax.hist(ev, bins=60, density=False, alpha=0.5, label="sampled non-zero eigenvalues")
    width = edges[1] - edges[0]
    scale = ev.size / law.q * width  # histogram counts per unit of continuous mass
    x = np.linspace(*law.support(), 400)
    ax.plot(x, law.pdf(x) * scale, "k", label="Marchenko-Pastur density")
    ax.set(xlabel=r"eigenvalue of $\Sigma_{\rm tr}$", ylabel="count",
           title=f"D={dim}, q={q}: atom of mass {law.atom:.2f} at 0 ({gram.n_sets * (dim - gram.n_samples)} "
                 "zero eigenvalues not drawn)")
    ax.legend(fontsize=8)
    centers = (edges[:-1] + edges[1:]) / 2
    rows = [{"bin_center": c, "count": n, "mp_expected": float(law.pdf(c)) * scale} for c, n in zip(centers, counts)]
    return _save(fig, rows, out, "spectrum")


def factor_spectrum(ctx: Context, out: Path, lams: tuple[float, ...] = (0.5, 1.5, 3.0)) -> list[Path]:
    """Singular values of a learned factorized product vs the target's, for several weight decays."""
    import torch

    from gentoys.sim.factors import train_factors

    g = torch.Generator().manual_seed(ctx.seed)
    Y = torch.randn(12, 5, generator=g, dtype=torch.float64) @ torch.randn(5, 12, generator=g, dtype=torch.float64) / 3
    target = torch.linalg.svdvals(Y).numpy()
    fig, ax = plt.subplots(figsize=(7, 4))
    idx = np.arange(1, target.size + 1)
    ax.plot(idx, target, "ko-", label="target")
    rows = [{"index": int(i), "target": float(t)} for i, t in zip(idx, target)]
    for lam in lams:
        learned = torch.linalg.svdvals(train_factors(Y[None], 8, lam, "gd", 0.02, steps=3000, seed=ctx.seed).product[0])
        line, = ax.plot(idx, learned.numpy(), "s", label=f"learned, $\\lambda$={lam:g}")
        ax.plot(idx, np.clip(target - lam, 0, None), "--", color=line.get_color(), lw=1)
        for row, a, b in zip(rows, learned.numpy(), np.clip(target - lam, 0, None)):
            row.update({f"learned_lam{lam:g}": float(a), f"soft_threshold_lam{lam:g}": float(b)})
    ax.set(xlabel="singular value index", ylabel="singular value",
           title=r"Factors $A B^T$ ($d_k$=8) fitted with weight decay: dashed = target soft-thresholded at $\lambda$")
    ax.legend(fontsize=8)
    return _save(fig, rows, out, "factor_spectrum")


def _network_figure(ctx: Context, out: Path, model: str, name: str, title: str) -> list[Path]:
    """Averaged train and validation curves per method (validation on an axis of its own, fitted to the mean
    curves, bands clipped to it), and log10|M_ij| of lasso and ridge (first data set)."""
    run = network_run(ctx, model)
    s = run.setting
    epochs = run.epochs.numpy()
    fig, axes = plt.subplots(1, 4, figsize=(19, 4.3), gridspec_kw={"width_ratios": [1, 1, 1, 1]})
    train_ax, val_ax = axes[0], axes[1]
    rows = [{"epoch": int(e)} for e in epochs]
    val_means = []
    for method in s.methods:
        j = run.method(method.name)
        color = None
        for which, hist, ax in (("train", run.train_loss, train_ax), ("val", run.val_loss, val_ax)):
            losses = hist[:, :, j].double().cpu().numpy()
            mean, se = losses.mean(1), losses.std(1, ddof=1) / np.sqrt(losses.shape[1])
            line, = ax.plot(epochs, mean, color=color, label=method.name)
            color = line.get_color()
            if which == "val":  # the axis is fitted to the means past the first 5 % of epochs (the drop from init)
                val_means.append(mean[epochs >= 0.05 * epochs[-1]])
                ax.fill_between(epochs, mean - 2 * se, mean + 2 * se, color=color, alpha=0.15)
            for row, a, b in zip(rows, mean, se):
                row.update({f"{method.name}_{which}_mean": a, f"{method.name}_{which}_se": b})
    if model == "two_layer":
        theory = (1 - s.q) / 2
        val_ax.axhline(theory, color="k", ls="--", lw=1, label=r"linear theory $\frac{1}{2}(1-q)$")
        val_means.append(np.array([theory]))
    lo, hi = min(float(m.min()) for m in val_means), max(float(m.max()) for m in val_means)
    if hi > 10 * lo > 0:  # the curves span more than a decade: log axis, a tenth of a decade of margin
        val_ax.set(yscale="log", ylim=(lo / 10**0.1, hi * 10**0.1))
    else:
        pad = 0.08 * (hi - lo) if hi > lo else 0.05 * abs(hi)
        val_ax.set_ylim(lo - pad, hi + pad)
    train_ax.set(yscale="log", xlabel="epoch", ylabel="training loss", title=f"train, mean of {s.n_sets} data sets")
    val_ax.set(xlabel="epoch", ylabel="validation loss",
               title="validation, mean (band 2 s.e., clipped;\naxis fitted to the means after 5 % of epochs)")
    train_ax.legend(fontsize=7)
    val_ax.legend(fontsize=7)
    for ax, method in zip(axes[2:], ("lasso", "ridge")):
        j = run.method(method)
        M = run.M[j, 0].abs().double().cpu().numpy()
        order = np.argsort(-(np.linalg.norm(M, axis=0) * run.V[j, 0].abs().double().cpu().numpy()), kind="stable")
        with np.errstate(divide="ignore"):
            img = ax.imshow(np.log10(M[:, order]), aspect="auto", cmap="viridis", vmin=-6, vmax=0,
                            interpolation="nearest")
        ax.set(title=f"{method}: $\\log_{{10}}|M_{{ij}}|$ (white: exactly 0)", ylabel="input i" if method == "lasso" else "",
               xlabel=r"hidden unit, by $\Vert M_{:j}\Vert\,|V_j|$ (largest first)")
    fig.colorbar(img, ax=axes[2:], shrink=0.8)
    fig.suptitle(title, y=1.04)
    return _save(fig, rows, out, name)


def gen_deeper_weights(ctx: Context, out: Path) -> list[Path]:
    s = network_run(ctx, "two_layer").setting
    return _network_figure(ctx, out, "two_layer", "gen_deeper_weights",
                           f"Two-layer linear student S = MV, D={s.dim}, width {s.hidden}, q={s.q:g}")


def gen_non_lin_weights(ctx: Context, out: Path) -> list[Path]:
    s = network_run(ctx, "relu").setting
    return _network_figure(ctx, out, "relu", "gen_non_lin_weights",
                           f"ReLU teacher-student, D={s.dim}, widths {s.teacher_hidden} and {s.hidden}, "
                           f"{s.n_train} + {s.n_val} samples")


FIGURES = {"gen_linear": gen_linear, "gen_linear_sparse": gen_linear_sparse, "spectrum": spectrum,
           "factor_spectrum": factor_spectrum, "gen_deeper_weights": gen_deeper_weights,
           "gen_non_lin_weights": gen_non_lin_weights, "lasso_phase": lasso_phase}
