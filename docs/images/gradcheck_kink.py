"""Draw docs/images/gradcheck_kink.png: a central difference straddling ReLU's kink.

Run: python docs/images/gradcheck_kink.py   (needs matplotlib: pip install "autograd-lite[demo]")

x = 5e-7 and the step h = 1e-6: x - h lies left of the kink at 0, x + h right of it. The
central difference (the secant through x - h and x + h) has slope 0.75, which is neither
side's derivative; the right-hand difference (x to x + h) has slope 1, the derivative at x.
The numbers drawn are computed here with ag.relu and by ag.gradcheck, not typed in.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import autograd_lite as ag  # noqa: E402

OUT = Path(__file__).with_name("gradcheck_kink.png")


def relu(v: float) -> float:
    return float(ag.relu(ag.Tensor(np.array([v]))).data[0])


def main(path: Path = OUT) -> dict:
    x, h = 5e-7, 1e-6
    left, here, right = relu(x - h), relu(x), relu(x + h)
    central = (right - left) / (2 * h)
    right_slope, left_slope = (right - here) / h, (here - left) / h
    report = ag.gradcheck(ag.relu, [np.array([x])])

    scale = 1e6  # draw in micro-units so the axes read 0.5, 1, 1.5
    t = np.linspace(-1.2e-6, 2.0e-6, 200)
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    ax.plot(t * scale, np.maximum(t, 0) * scale, color="black", lw=2, label="relu(x)")
    ax.axvline(0, color="grey", lw=0.8, ls=":")
    ax.annotate("kink at 0", (0, 0), (-1.1, 0.6), arrowprops={"arrowstyle": "->"})
    points = np.array([x - h, x, x + h])
    ax.plot(points * scale, [left * scale, here * scale, right * scale], "o", color="tab:blue")
    for p, name, (dx, dy) in zip(points, ["x - h", "x", "x + h"],
                                 [(-0.15, 0.15), (0.08, -0.2), (-0.15, 0.15)]):
        ax.annotate(name, (p * scale, relu(p) * scale), (p * scale + dx, relu(p) * scale + dy))
    ax.plot(
        [(x - h) * scale, (x + h) * scale], [left * scale, right * scale], "--", color="tab:red",
        label=f"central difference: slope {central:.2f} (neither side)",
    )
    ax.plot(
        [x * scale, (x + h) * scale], [here * scale, right * scale], "-", color="tab:green", lw=3,
        alpha=0.6, label=f"right-hand difference: slope {right_slope:.2f} = the derivative at x",
    )
    ax.plot(
        [(x - h) * scale, x * scale], [left * scale, here * scale], "-", color="tab:orange",
        lw=3, alpha=0.6, label=f"left-hand difference: slope {left_slope:.2f} (crosses the kink)",
    )
    ax.set_xlabel("input (x 1e-6)")
    ax.set_ylabel("relu (x 1e-6)")
    ax.set_title(f"x = {x:g}, step h = {h:g}: gradcheck says {report.status}")
    ax.legend(loc="upper left", fontsize=8.5)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return {"central": central, "right": right_slope, "left": left_slope, "status": report.status}


if __name__ == "__main__":
    print(main())
