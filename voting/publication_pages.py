"""Public pages: the snapshot archive, a snapshot's page, the methodology."""
from __future__ import annotations
