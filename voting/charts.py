"""Geometry for the server-rendered SVG charts (the template only draws what this computes).

Each chart comes in two layouts drawn at the size they are shown, so no text is scaled below its font
size: "wide" for desktops and "narrow" (at most NARROW_WIDTH units) for phones, one of which the page's
CSS shows. Labels are never cut: the wide layout makes room for the longest name, the narrow CI chart
puts each name on its own line above its bar, and the narrow heatmap numbers its models (the legend
beside it names them).
"""
from __future__ import annotations

import math
import unicodedata

CI_WIDTH, ROW_H, PAD = 640, 30, 16
NARROW_WIDTH = 340  # a 390 px phone shows about 358 px of content
FONT = 13  # label size in the charts' units, which are shown at one px each (>= 11 px on a phone)
MIN_SPAN = 100.0  # the axis covers at least this many rating points: a narrow band never looks like certainty


def text_width(text: str, size: float = FONT) -> float:
    """Roughly how wide `text` is drawn at `size` px (wide East Asian characters count a full em)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.62 for ch in text)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = 10 ** math.floor(math.log10(max(high - low, 1e-9) / count))
    for mult in (1, 2, 5, 10):
        if (high - low) / (step * mult) <= count:
            step *= mult
            break
    start = math.ceil(low / step) * step
    return [round(start + i * step, 6) for i in range(int((high - start) // step) + 1)]


def _axis(models: list[dict]) -> tuple[float, float]:
    """The rating range drawn: every interval with a margin, and never narrower than MIN_SPAN."""
    low = min(m["ci"][0] for m in models)
    high = max(m["ci"][1] for m in models)
    pad = max((high - low) * 0.05, 5.0)
    low, high = low - pad, high + pad
    if high - low < MIN_SPAN:
        middle = (low + high) / 2
        low, high = middle - MIN_SPAN / 2, middle + MIN_SPAN / 2
    return low, high


def _ci_layout(models: list[dict], low: float, high: float, narrow: bool) -> dict:
    """One layout: the wide one has names left of the bars, the narrow one on a line above each bar."""
    if narrow:
        width, label_w, row_h = NARROW_WIDTH, PAD, 44
    else:
        width, row_h = CI_WIDTH, ROW_H
        label_w = min(max(text_width(m["name"]) for m in models) + 2 * PAD, CI_WIDTH * 0.45)
    plot = width - label_w - PAD

    def x(v: float) -> float:
        return round(label_w + (v - low) / (high - low) * plot, 1)

    rows = []
    for i, m in enumerate(models):
        top = PAD + i * row_h
        y = top + 30 if narrow else top + row_h / 2  # the bar
        rows.append({"label": m["name"], "label_x": PAD if narrow else 4, "label_y": top + 14 if narrow else y + 4,
                     "y": y, "x_low": x(m["ci"][0]), "x_high": x(m["ci"][1]), "x": x(m["rating"]),
                     "rating": m["rating"], "ci": m["ci"]})
    height = PAD * 2 + len(models) * row_h + 20
    return {"layout": "narrow" if narrow else "wide", "rows": rows, "width": width, "height": height,
            "axis_y": height - PAD - 20, "ticks": [{"x": x(v), "label": f"{v:g}"} for v in _ticks(low, high)]}


def ci_chart(models: list[dict]) -> dict:
    """Ratings with their confidence intervals as horizontal error bars, one row per ranked model.

    A model below the round's minimum (too few votes to rank, or provisional under the first method) is
    left out: its wide interval would stretch the axis, and drawn at all it would look like a claim.
    """
    models = [m for m in models if m.get("rank") is not None and not m.get("provisional")]
    if not models:
        return {"layouts": []}
    low, high = _axis(models)
    return {"layouts": [_ci_layout(models, low, high, narrow=False), _ci_layout(models, low, high, narrow=True)]}


def _colour(rate: float | None) -> str:
    """White at 50%, blue above, red below (readable text stays dark)."""
    if rate is None:
        return "#eeeeee"
    t = abs(rate - 0.5) * 2
    if rate >= 0.5:
        return f"rgb({round(255 - 180 * t)},{round(255 - 120 * t)},255)"
    return f"rgb(255,{round(255 - 150 * t)},{round(255 - 150 * t)})"


def rank_order(names: list[str], board_models: list[dict]) -> list[int]:
    """Indices of `names` in the board's order (best first), the models without a row last."""
    position = {m["name"]: i for i, m in enumerate(board_models)}
    return sorted(range(len(names)), key=lambda i: (position.get(names[i], len(position)), i))


def _heat_layout(names: list[str], grid: list[tuple], narrow: bool) -> dict:
    """Wide: numbered names left of the rows; narrow: numbers only (the legend names them)."""
    n = len(names)
    top = 28
    if narrow:
        label_w = 28
        cell = max(30, min(48, (NARROW_WIDTH - label_w) // max(n, 1)))
    else:
        cell = 56
        label_w = int(max(text_width(f"{i + 1}. {name}", 12) for i, name in enumerate(names)) + 12)
    cells = [{"x": label_w + j * cell, "y": top + i * cell, "fill": _colour(rate),
              "text": "–" if rate is None else f"{round(rate * 100)}%", "row": names[i], "col": names[j],
              "battles": battles} for i, j, rate, battles in grid]
    rows = [{"label": str(i + 1) if narrow else f"{i + 1}. {name}", "y": top + i * cell + cell / 2 + 4}
            for i, name in enumerate(names)]
    columns = [{"label": str(j + 1), "x": label_w + j * cell + cell / 2} for j in range(n)]
    return {"layout": "narrow" if narrow else "wide", "cells": cells, "rows": rows, "columns": columns,
            "cell": cell, "label_w": label_w, "top": top, "width": label_w + n * cell + 4,
            "height": top + n * cell + 4}


def heatmap(pairs: dict, board_models: list[dict] | None = None) -> dict:
    """Win rate of row over column for every pair, as coloured cells with their percentages, the models
    in the board's order (the table's) so that row 1 is rank 1."""
    names_in = [m["name"] for m in pairs["models"]]
    order = rank_order(names_in, board_models or [])
    names = [names_in[i] for i in order]
    grid = [(i, j, pairs["win_rate"][a][b], pairs["battles"][a][b])
            for i, a in enumerate(order) for j, b in enumerate(order) if i != j]
    return {"names": names, "cells": _heat_layout(names, grid, False)["cells"],
            "layouts": [_heat_layout(names, grid, False), _heat_layout(names, grid, True)]}
