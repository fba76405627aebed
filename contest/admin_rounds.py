"""Ministry console API: rounds, their lifecycle and protocol versions (ministry only)."""
from __future__ import annotations
