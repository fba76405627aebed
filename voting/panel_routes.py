"""The citizen panel's report (ministry) and board (public, beside the open board)."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from app.auth import guard_blueprint, guard_pages
from app.db import get_session, utcnow
from app.errors import NotFound, Unprocessable
from app.i18n import current_lang
from app.openapi import api_doc
from app.i18n import t
from contest.panels import PanelError, find_panel, list_panels, panel_json
from voting.blueprint import bp
from voting.panel_report import panel_leaderboard, report, report_csv, round_of
from voting.runtime import board_settings_for

report_bp = Blueprint("panel_report", __name__, url_prefix="/api/admin/panels")
guard_blueprint(report_bp, "ministry")


def _panel(panel_id: str):
    try:
        return find_panel(get_session(), panel_id)
    except PanelError:
        raise NotFound(code="unknown_panel") from None


def _report(panel_id: str) -> dict:
    session = get_session()
    panel = _panel(panel_id)
    settings = board_settings_for(round_of(session, panel).protocol, current_app.config)
    return report(session, panel, settings, current_lang(), utcnow())


@report_bp.get("/<panel_id>/report")
@api_doc(tags=["admin"])
def panel_report(panel_id: str):
    """Recruitment and completion by stratum, weights, the weighted board, the open board and their difference."""
    return jsonify(_report(panel_id))


@report_bp.get("/<panel_id>/report.csv")
@api_doc(tags=["admin"])
def panel_report_csv(panel_id: str):
    """The report as CSV (`?part=board`, the default, or `?part=strata`) for the evaluation committee."""
    part = request.args.get("part", "board")
    if part not in ("board", "strata"):
        raise Unprocessable(code="invalid_field")
    text = report_csv(_report(panel_id), part)
    return Response("\ufeff" + text, mimetype="text/csv",  # the byte-order mark: Excel reads Korean as UTF-8
                    headers={"Content-Disposition": f'attachment; filename="{panel_id}-{part}.csv"'})


PANEL_BOARD_FRESH_S = 10.0  # a public panel board is recomputed (raking, member bootstrap) at most this often
_panel_boards: dict[tuple[str, str, str], tuple[float, dict]] = {}


def panel_board_json(panel_id: str, round_id: str | None) -> dict:
    """`GET /api/leaderboard?panel=`: the public weighted board of a panel whose round is public (and is
    the `round` named, if one is), computed at most every PANEL_BOARD_FRESH_S seconds per process."""
    session = get_session()
    panel = _panel(panel_id)
    round_ = round_of(session, panel)
    if round_.status == "draft" or (round_id and round_id != round_.id):
        raise NotFound(code="unknown_panel")
    key = (str(session.get_bind().url), panel.id, current_lang())
    cached = _panel_boards.get(key)
    if cached is None or time.monotonic() - cached[0] > PANEL_BOARD_FRESH_S:
        settings = board_settings_for(round_.protocol, current_app.config)
        cached = _panel_boards[key] = (time.monotonic(),
                                       panel_leaderboard(session, panel, settings, current_lang(), utcnow()))
    return cached[1]


report_pages_bp = Blueprint("panel_report_pages", __name__, url_prefix="/admin/panels")
guard_pages(report_pages_bp, "ministry")
PAGE_STRINGS = ("panel.codes_issued", "panel.failed", "panel.offline")


@report_pages_bp.get("")
def panels_page():
    """The ministry's panels (the console's panel section)."""
    return render_template("voting/panel_list.html", panels=[panel_json(p) for p in list_panels(get_session())])


@report_pages_bp.get("/<panel_id>")
def panel_report_page(panel_id: str):
    """One panel's report: recruitment, completion, weights, both boards and their difference."""
    panel = _panel(panel_id)
    return render_template("voting/panel_report.html", panel=panel_json(panel), report=_report(panel_id),
                           panel_strings={k.removeprefix("panel."): t(k) for k in PAGE_STRINGS})


bp.register_blueprint(report_bp)
bp.register_blueprint(report_pages_bp)
