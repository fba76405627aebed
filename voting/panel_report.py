"""The citizen panel's board and the ministry's report: the panel's counted votes weighted to the
population (voting.panel_maths), beside the open board of the same round.

The panel's votes are its members' counted votes on their assigned battles (a designed sample: a
member's other battles in the open contest are not the panel's, and an excluded vote, e.g. for conflict of
interest or moderation, is excluded here too). The weights are raked over the members who voted (the
respondents): a member who never voted stands for nobody, and their stratum's share is carried by the
others of it. Weights that miss a margin (respondents so far cannot be weighted to it, e.g. every older
member lives in the capital) are refused rather than shown as weighted.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import iso_z
from contest.models import Battle, Model, Round
from contest.panel_models import Panel, PanelAssignment, PanelMember
from voting import queries
from voting.board import DISCONNECTED, BoardSettings, compute_board
from voting.leaderboard import model_name, roster_cells, team_name
from voting.models import Vote
from voting.panel_maths import PanelBoard, PanelVotes, WeightingError, panel_board, points, rake
from voting.rating import OUTCOME_OF_WINNER, tally_from_cells

MARGIN_TOLERANCE = 1e-6  # largest relative miss of a population margin the report still calls weighted


@dataclass(frozen=True)
class PanelData:
    """What the report is computed from, read once."""

    models: list[Model]
    members: list[PanelMember]
    votes: PanelVotes  # member indices into `members`
    respondents: np.ndarray  # indices of members with a counted vote


def panel_data(session: Session, panel: Panel) -> PanelData:
    models = queries.roster_models(session, panel.round_id)
    index = {m.id: i for i, m in enumerate(models)}
    members = list(session.scalars(select(PanelMember).where(PanelMember.panel_id == panel.id)
                                   .order_by(PanelMember.seq)))
    position = {m.id: i for i, m in enumerate(members)}
    rows = session.execute(
        select(Vote.model_a_id, Vote.model_b_id, Vote.winner, PanelMember.id)
        .join(PanelAssignment, PanelAssignment.battle_id == Vote.battle_id)
        .join(PanelMember, PanelMember.id == PanelAssignment.member_id)
        .where(PanelMember.panel_id == panel.id, Vote.round_id == panel.round_id, Vote.excluded.is_(False))
        .order_by(Vote.id))
    a, b, o, who = [], [], [], []
    for ma, mb, winner, member_id in rows:
        if ma in index and mb in index:
            a.append(index[ma])
            b.append(index[mb])
            o.append(OUTCOME_OF_WINNER[winner])
            who.append(position[member_id])
    who_arr = np.asarray(who, dtype=np.int64)
    respondents = np.unique(who_arr)
    votes = PanelVotes(np.asarray(a, np.int64), np.asarray(b, np.int64), np.asarray(o, np.int64), who_arr,
                       np.zeros(len(members)), len(models))
    return PanelData(models, members, votes, respondents)


@dataclass(frozen=True)
class Weighted:
    """The panel's weights over its respondents (None when there are none or they cannot be weighted),
    and why not."""

    data: PanelData
    weights: Any  # PanelWeights | None
    problem: str | None


def weigh(panel: Panel, data: PanelData) -> Weighted:
    if data.respondents.size == 0:
        return Weighted(data, None, "no_votes")
    dims = list(panel.strata)
    levels = np.array([[panel.strata[d].index(data.members[k].stratum[d]) for d in dims]
                       for k in data.respondents.tolist()], dtype=np.int64)
    margins = [np.array([panel.margins[d][lv] for lv in panel.strata[d]]) for d in dims]
    # A level none of the respondents belong to cannot be weighted up from nobody: its share is spread
    # over the dimension's other levels, and the report names it.
    missing = []
    for k, d in enumerate(dims):
        present = np.bincount(levels[:, k], minlength=len(panel.strata[d])) > 0
        if (~present & (margins[k] > 0)).any():
            missing += [f"{d}:{panel.strata[d][i]}" for i in np.flatnonzero(~present & (margins[k] > 0))]
            kept = np.where(present, margins[k], 0.0)
            margins[k] = kept / kept.sum()
    try:
        pw = rake(levels, margins, trim=(panel.trim_low, panel.trim_high))
    except WeightingError:
        return Weighted(data, None, "cannot_weight")
    if pw.margin_error > MARGIN_TOLERANCE:
        return Weighted(data, None, "cannot_weight")
    return Weighted(data, pw, ("empty_levels:" + ",".join(missing)) if missing else None)


def weighted_board(panel: Panel, w: Weighted, settings: BoardSettings) -> PanelBoard | None:
    if w.weights is None:
        return None
    member_weights = np.zeros(len(w.data.members))
    member_weights[w.data.respondents] = w.weights.weights
    v = w.data.votes
    votes = PanelVotes(v.a, v.b, v.outcome, v.member, member_weights, v.n_models)
    rng = np.random.default_rng([panel.seed, settings.seed])
    return panel_board(votes, settings.rounds, rng, settings.params, settings.confidence,
                       settings.provisional_below)


def _row(m: Model, lang: str, rank: int | None, rating: float, ci: tuple[float, float], battles: int,
         pts: float, component: int | None) -> dict:
    """One model's row on either board (the panel's and the open contest's) as the report shows it."""
    rated = rank is not None
    return {"rank": rank, "name": model_name(m), "team": team_name(m, lang),
            "rating": round(float(rating), 2) if rated else None,
            "ci": [round(float(ci[0]), 2), round(float(ci[1]), 2)] if rated else None,
            "battles": int(battles), "points": round(float(pts), 2) if rated and np.isfinite(pts) else None,
            "status": "ranked" if rated else "too_few_votes", "component": component if rated else None}


def _points(rating: np.ndarray, components: list, max_points: float) -> np.ndarray:
    """Points need one scale: none when the models fall into groups that never met (see `warnings`)."""
    return points(rating, max_points) if len(components) <= 1 else np.full(rating.shape, np.nan)


def _best_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["rank"] is None, r["component"] or 0, r["rank"] or 0, -(r["rating"] or 0)))


def board_rows(models: list[Model], board: PanelBoard | None, lang: str, max_points: float) -> list[dict]:
    if board is None:
        return []
    pts = _points(board.rating, board.components, max_points)
    return _best_first([_row(m, lang, board.rank[i], board.rating[i], (board.low[i], board.high[i]),
                             board.battles[i], pts[i], board.component[i])
                        for i, m in enumerate(models) if board.battles[i] > 0])


def _groups(models: list[Model], components: list, prefix: str = "") -> dict:
    """A board's components by model name, and the warning when there is more than one."""
    return {f"{prefix}components": [[model_name(models[i]) for i in g] for g in components],
            f"{prefix}warnings": [DISCONNECTED] if len(components) > 1 else []}


def panel_leaderboard(session: Session, panel: Panel, settings: BoardSettings, lang: str, now: datetime) -> dict:
    """`GET /api/leaderboard?panel=`: the weighted board with its effective sample size."""
    data = panel_data(session, panel)
    w = weigh(panel, data)
    board = weighted_board(panel, w, settings)
    return {"round": panel.round_id, "panel": panel.id, "computed_at": iso_z(now),
            "votes": int(data.votes.a.size), "method": "bradley-terry-mle-weighted",
            "weighting": "raking to population margins, trimmed", "intervals": "bootstrap over members",
            "respondents": int(data.respondents.size),
            "effective_sample_size": round(board.effective_members, 1) if board is not None else 0,
            "design_effect": round(w.weights.design_effect, 4) if w.weights is not None else None,
            "problem": w.problem, **_groups(data.models, board.components if board is not None else []),
            "models": board_rows(data.models, board, lang, panel.max_points)}


def report(session: Session, panel: Panel, settings: BoardSettings, lang: str, now: datetime) -> dict:
    """The ministry's report: recruitment and completion by stratum, weights, both boards, the difference."""
    data = panel_data(session, panel)
    w = weigh(panel, data)
    board = weighted_board(panel, w, settings)
    rows = board_rows(data.models, board, lang, panel.max_points)
    open_rows, open_components = _open_board(session, panel.round_id, data.models, settings, lang,
                                             panel.max_points)
    return {"panel": panel.id, "round": panel.round_id, "computed_at": iso_z(now),
            "size": sum(next(iter(panel.targets.values())).values()),
            "members": len(data.members), "respondents": int(data.respondents.size),
            "votes": int(data.votes.a.size),
            "recruitment": _recruitment(session, panel, data),
            "weights": {**w.weights.summary(), "respondents": int(data.respondents.size)}
            if w.weights is not None else None,
            "problem": w.problem,
            "effective_sample_size": round(board.effective_members, 1) if board is not None else 0,
            **_groups(data.models, board.components if board is not None else []),
            **_groups(data.models, open_components, "open_"), "board": rows, "open_board": open_rows,
            "difference": _difference(rows, open_rows)}


def _open_board(session: Session, round_id: str, models: list[Model], settings: BoardSettings, lang: str,
                max_points: float) -> tuple[list[dict], list[list[int]]]:
    """The open contest's board of the same round, from SQL (every counted vote), and its components."""
    cells = roster_cells(models, queries.counted_cells(session, round_id))
    board = compute_board(tally_from_cells(len(models), cells), settings)
    rating = np.full(len(models), np.nan)
    for r in board.rows:
        if r.rank is not None:
            rating[r.index] = r.rating
    pts = _points(rating, board.components, max_points)
    rows = [_row(models[r.index], lang, r.rank, r.rating, r.ci, r.battles, pts[r.index], r.component)
            for r in board.rows]
    return _best_first(rows), board.components


def _difference(panel_rows: list[dict], open_rows: list[dict]) -> list[dict]:
    """Per model on either board: panel minus open, in rating (each board centred on its own rated
    models' mean) and in rank and points."""
    by_open = {r["name"]: r for r in open_rows}
    names = [r["name"] for r in panel_rows] + [r["name"] for r in open_rows
                                                if r["name"] not in {p["name"] for p in panel_rows}]
    by_panel = {r["name"]: r for r in panel_rows}
    out = []
    for name in names:
        r = by_panel.get(name, {"name": name, "rating": None, "rank": None, "points": None, "component": None})
        o = by_open.get(name, {})
        out.append({"name": r["name"], "panel_rating": r["rating"], "open_rating": o.get("rating"),
                    "rating_delta": _delta(r["rating"], o.get("rating")),
                    "panel_rank": r["rank"], "open_rank": o.get("rank"),
                    "panel_group": r["component"], "open_group": o.get("component"),
                    "panel_points": r["points"], "open_points": o.get("points"),
                    "points_delta": _delta(r["points"], o.get("points"))})
    return out


def _delta(x: float | None, y: float | None) -> float | None:
    return None if x is None or y is None else round(x - y, 2)


def _recruitment(session: Session, panel: Panel, data: PanelData) -> dict:
    """Per dimension and level: target, members, respondents, assigned and completed battles."""
    done_by_member = dict(session.execute(
        select(PanelAssignment.member_id, func.count())
        .join(Battle, Battle.id == PanelAssignment.battle_id)
        .join(PanelMember, PanelMember.id == PanelAssignment.member_id)
        .where(PanelMember.panel_id == panel.id, Battle.status == "voted")
        .group_by(PanelAssignment.member_id)).all())
    responded = {data.members[k].id for k in data.respondents.tolist()}
    out: dict[str, dict] = {}
    for dim, levels in panel.strata.items():
        members = Counter(m.stratum[dim] for m in data.members)
        answered = Counter(m.stratum[dim] for m in data.members if m.id in responded)
        done = Counter()
        for m in data.members:
            done[m.stratum[dim]] += done_by_member.get(m.id, 0)
        out[dim] = {lv: {"target": panel.targets[dim][lv], "members": members[lv], "respondents": answered[lv],
                         "assigned": members[lv] * panel.quota, "completed": done[lv],
                         "completion": round(done[lv] / (members[lv] * panel.quota), 4) if members[lv] else None}
                    for lv in levels}
    return out


def report_csv(body: dict, part: str) -> str:
    """The report as CSV for the evaluation committee: the boards side by side, or the strata."""
    out = io.StringIO()
    writer = csv.writer(out)
    if part == "strata":
        writer.writerow(["dimension", "level", "target", "members", "respondents", "assigned", "completed",
                         "completion"])
        for dim, levels in body["recruitment"].items():
            for level, r in levels.items():
                writer.writerow([dim, level, r["target"], r["members"], r["respondents"], r["assigned"],
                                 r["completed"], "" if r["completion"] is None else r["completion"]])
        return out.getvalue()
    # A rank compares only within its group (models that met); groups count from 0, the largest first.
    writer.writerow(["model", "panel_rank", "panel_rating", "panel_ci_low", "panel_ci_high", "panel_points",
                     "open_rank", "open_rating", "open_points", "rating_delta", "points_delta", "panel_group",
                     "open_group"])
    ci = {r["name"]: r["ci"] for r in body["board"]}
    for d in body["difference"]:
        low, high = ci.get(d["name"]) or (None, None)
        writer.writerow([_cell(v) for v in (d["name"], d["panel_rank"], d["panel_rating"], low, high,
                                             d["panel_points"], d["open_rank"], d["open_rating"], d["open_points"],
                                             d["rating_delta"], d["points_delta"], d["panel_group"],
                                             d["open_group"])])
    return out.getvalue()


def _cell(value: Any) -> Any:
    text = "" if value is None else value
    # A model name is data a team chose: never let a spreadsheet read it as a formula.
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def round_of(session: Session, panel: Panel) -> Round:
    return session.get(Round, panel.round_id)
