"""`make run`: migrate, seed the demo contest and serve it with no other service needed."""
from __future__ import annotations

import os

from app import create_app
from app.cli import upgrade_db
from app.config import ROOT
from app.db import new_session, utcnow
from contest.demo import seed_demo


def main() -> None:
    (ROOT / "instance").mkdir(exist_ok=True)
    port = int(os.environ.get("PORT", "5000"))
    app = create_app({"DEMO_SEED": True, "LOG_JSON": False})
    upgrade_db(app.config["DATABASE_URL"])
    with app.app_context():
        with new_session() as session:
            created = seed_demo(session, utcnow())
            session.commit()
    print(f"demo data ready ({created}); serving on http://127.0.0.1:{port}/", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
