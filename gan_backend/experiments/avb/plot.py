"""The toy figure of the AVB paper: posterior samples coloured by data point over the prior."""
from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_posteriors"]

_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def plot_posteriors(panels, path, *, lim: float = 3.5, max_points: int = 1500, suptitle: str | None = None) -> Path:
    """One panel per model: ``panels`` maps a title to samples of shape (K, n, 2).

    Each posterior ``q(z|x_k)`` is one colour; the contours are those of the prior
    N(0, I) at 1, 2 and 3 standard deviations. Returns the path written.
    """
    import matplotlib  # lazy: matplotlib costs ~0.4 s at CLI start-up

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above

    items = list(panels.items())
    if not items:
        raise ValueError("`panels` must not be empty")
    fig, axes = plt.subplots(1, len(items), figsize=(4.6 * len(items), 4.6), squeeze=False)
    g = np.linspace(-lim, lim, 201)
    gx, gy = np.meshgrid(g, g)
    r2 = gx ** 2 + gy ** 2
    for ax, (title, z) in zip(axes[0], items):
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 3 or z.shape[2] != 2:
            raise ValueError(f"panel {title!r}: samples must have shape (K, n, 2); got {z.shape}")
        ax.contour(gx, gy, r2, levels=[1.0, 4.0, 9.0], colors="0.55", linewidths=0.8)
        for k in range(z.shape[0]):
            pts = z[k, :max_points]
            ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.5, color=_COLOURS[k % len(_COLOURS)],
                       label=f"q(z|x{k + 1})", rasterized=True)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_title(title, fontsize=10)
    leg = axes[0][0].legend(loc="upper left", fontsize=7, markerscale=3)
    for h in leg.legend_handles:
        h.set_alpha(1.0)
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
