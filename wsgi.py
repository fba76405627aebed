"""WSGI entry point for gunicorn: `gunicorn -c gunicorn.conf.py wsgi:app` (also `flask --app wsgi`)."""
import sys

from app import create_app
from app.config import ConfigError

BOOT_ERROR = 3  # gunicorn's "worker failed to boot": the master stops instead of respawning workers

try:
    app = create_app()
except ConfigError as exc:  # an operator's mistake: the reason in one line, not a traceback
    print(f"arena: cannot start: {exc}", file=sys.stderr)
    sys.exit(BOOT_ERROR)
