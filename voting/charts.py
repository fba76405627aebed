"""Geometry for the server-rendered SVG charts (the template only draws what this computes)."""
from __future__ import annotations

import math

CI_WIDTH, LABEL_W, ROW_H, PAD = 640, 180, 30, 16


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = 10 ** math.floor(math.log10(max(high - low, 1e-9) / count))
    for mult in (1, 2, 5, 10):
        if (high - low) / (step * mult) <= count:
            step *= mult
            break
    start = math.ceil(low / step) * step
    return [round(start + i * step, 6) for i in range(int((high - start) // step) + 1)]


def ci_chart(models: list[dict]) -> dict:
    """Ratings with their confidence intervals as horizontal error bars, one row per ranked model (a
    too-few-votes model's wide interval would stretch the axis and look like a claim; the table has it)."""
    models = [m for m in models if m.get("rank") is not None]
    if not models:
        return {"rows": [], "ticks": [], "width": CI_WIDTH, "height": 0}
    low = min(m["ci"][0] for m in models)
    high = max(m["ci"][1] for m in models)
    pad = max((high - low) * 0.05, 5.0)
    low, high = low - pad, high + pad
    plot = CI_WIDTH - LABEL_W - PAD

    def x(v: float) -> float:
        return round(LABEL_W + (v - low) / (high - low) * plot, 1)

    rows = [{"label": m["name"], "y": PAD + i * ROW_H + ROW_H / 2, "x_low": x(m["ci"][0]), "x_high": x(m["ci"][1]),
             "x": x(m["rating"]), "rating": m["rating"], "ci": m["ci"], "provisional": m["provisional"]}
            for i, m in enumerate(models)]
    height = PAD * 2 + len(models) * ROW_H + 20
    return {"rows": rows, "width": CI_WIDTH, "height": height, "axis_y": height - PAD - 20,
            "ticks": [{"x": x(v), "label": f"{v:g}"} for v in _ticks(low, high)]}


def _colour(rate: float | None) -> str:
    """White at 50%, blue above, red below (readable text stays dark)."""
    if rate is None:
        return "#eeeeee"
    t = abs(rate - 0.5) * 2
    if rate >= 0.5:
        return f"rgb({round(255 - 180 * t)},{round(255 - 120 * t)},255)"
    return f"rgb(255,{round(255 - 150 * t)},{round(255 - 150 * t)})"


def heatmap(pairs: dict, cell: int = 48, label_w: int = 190) -> dict:
    """Win rate of row over column for every pair, as coloured cells with their percentages."""
    names = [m["name"] for m in pairs["models"]]
    cells = []
    for i, row in enumerate(pairs["win_rate"]):
        for j, rate in enumerate(row):
            if i == j:
                continue
            cells.append({"x": label_w + j * cell, "y": label_w + i * cell, "fill": _colour(rate),
                          "text": "–" if rate is None else f"{round(rate * 100)}%", "row": names[i], "col": names[j],
                          "battles": pairs["battles"][i][j]})
    # Column labels are rotated: the last one leans right of the grid, so leave room for it.
    height = label_w + len(names) * cell + 8
    return {"names": names, "cells": cells, "cell": cell, "label_w": label_w, "height": height,
            "width": height + label_w // 2}
