"""The citizen panel's report (ministry) and board (public, beside the open board)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.auth import guard_blueprint
from app.db import get_session, utcnow
from app.errors import NotFound, Unprocessable
from app.i18n import current_lang
from app.openapi import api_doc
from contest.panels import PanelError, find_panel
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


def panel_board_json(panel_id: str) -> dict:
    """`GET /api/leaderboard?panel=`: the public weighted board of a panel whose round is public."""
    session = get_session()
    panel = _panel(panel_id)
    round_ = round_of(session, panel)
    if round_.status == "draft":
        raise NotFound(code="unknown_panel")
    settings = board_settings_for(round_.protocol, current_app.config)
    return panel_leaderboard(session, panel, settings, current_lang(), utcnow())


bp.register_blueprint(report_bp)
