"""Snapshots: publishing (ministry) and the public archive, release and exports."""
from __future__ import annotations
