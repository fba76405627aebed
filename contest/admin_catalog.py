"""Ministry console API: teams, models, prompt and bank uploads, role grants, the audit log (ministry only)."""
from __future__ import annotations
