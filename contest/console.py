"""The ministry's console pages (ministry only); they drive the admin API."""
from __future__ import annotations
