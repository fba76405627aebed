"""Public pages of the published results: the snapshot archive, one snapshot, the methodology."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app.db import could_be_id, get_session
from app.errors import NotFound
from app.i18n import current_lang
from voting import charts, methodology
from voting.blueprint import bp
from voting.publication_view import archive, snapshot_view
from voting.snapshot_views import download_paths

pages_bp = Blueprint("publications", __name__)
# The pages' strings join the catalogue when the pages are registered on an app.

# The release is three files in one folder (names as the verifier reads them), then one command.
RELEASE_FILES = (("json", "snapshot.json"), ("votes", "votes.jsonl"), ("log", "log.jsonl"))
VERIFY_COMMANDS = ("python -m voting.verify release", "flask --app wsgi snapshots verify release")


def download_links(snapshot_id: str) -> dict[str, str]:
    """Where the snapshot's public files are served: its JSON, then the votes, the log and the board CSV,
    and the consented conversations (served once the round has closed)."""
    return {"json": f"/api/snapshots/{snapshot_id}", **download_paths(snapshot_id),
            "conversations": f"/api/snapshots/{snapshot_id}/conversations"}


def verify_script(snapshot_id: str) -> list[str]:
    """The shell lines that fetch the release of this snapshot and verify it."""
    site = request.host_url.rstrip("/")
    links = download_links(snapshot_id)
    fetches = [f"curl -s {site}{links[key]} > release/{name}" for key, name in RELEASE_FILES]
    return ["mkdir release", *fetches, VERIFY_COMMANDS[0]]


@pages_bp.get("/snapshots")
def archive_page():
    """Every published snapshot, by round; superseded ones marked."""
    return render_template("voting/snapshots.html", rounds=archive(get_session()))


@pages_bp.get("/snapshots/<snapshot_id>")
def snapshot_page(snapshot_id: str):
    """One published snapshot: board, charts, statistics, provenance, downloads, how to verify."""
    view = snapshot_view(get_session(), snapshot_id, current_lang()) if could_be_id(snapshot_id) else None
    if view is None:
        raise NotFound(code="unknown_snapshot")
    return render_template("voting/snapshot.html", **view, ci_chart=charts.ci_chart(view["models"]),
                           heatmap=charts.heatmap(view["matrix"], view["models"]), downloads=download_links(snapshot_id),
                           verify_script=verify_script(snapshot_id), verify_commands=VERIFY_COMMANDS)


@pages_bp.get("/methodology")
def methodology_page():
    """How the ranking is computed, in plain words."""
    return render_template("voting/methodology.html", sections=methodology.SECTIONS)


bp.register_blueprint(pages_bp)
