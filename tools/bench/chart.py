"""`build/bench.png`: each targeted figure as a bar against its target (matplotlib, drawn off-screen)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: draw into memory
import matplotlib.pyplot as plt  # noqa: E402

GOOD, OVER, TARGET, TRACK = "#00a3ad", "#d64541", "#787878", "#e6e9ee"
SCALE_MAX = 1.5  # the axis reaches 150 % of each target


def bar_chart(title: str, bars: list[tuple[str, float, float]], footer: str = "") -> bytes:
    """One horizontal bar per (label, value, target), as a share of its target: teal within it, red beyond."""
    height_px = 70 + 64 * len(bars) + 40
    figure, axes = plt.subplots(figsize=(7.6, height_px / 100), dpi=100)
    shares = [value / target if target else 0.0 for _, value, target in bars]
    rows = list(range(len(bars)))[::-1]
    axes.barh(rows, [SCALE_MAX] * len(bars), color=TRACK, height=0.5)
    axes.barh(rows, [min(share, SCALE_MAX) for share in shares], height=0.5,
              color=[GOOD if share <= 1 else OVER for share in shares])
    axes.axvline(1.0, color=TARGET, linewidth=1.5)
    for row, (label, value, target), share in zip(rows, bars, shares, strict=True):
        axes.text(0, row + 0.38, f"{label}: {value:g} (target <= {target:g})", fontsize=9, va="bottom")
        axes.text(SCALE_MAX + 0.02, row, f"{share * 100:.0f}%", fontsize=9, va="center")
    axes.set_xlim(0, SCALE_MAX + 0.15)
    axes.set_ylim(-0.6, len(bars) - 0.1)
    axes.axis("off")
    axes.set_title(title, loc="left", fontsize=12)
    if footer:
        figure.text(0.02, 0.02, footer, fontsize=8, color=TARGET)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=100)
    plt.close(figure)
    return out.getvalue()
