"""Public routes of the hash-chained vote log: the daily roots."""
from __future__ import annotations
