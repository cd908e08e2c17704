"""``llmproxy status``: can I sync (LiteLLM up, admin key, database, store_model_in_db, valid
config), and is anything drifting (the plan's summary)?"""

from llmproxy.status.report import Check, StatusReport, render_json, render_text
from llmproxy.status.service import run_status

__all__ = ["Check", "StatusReport", "render_json", "render_text", "run_status"]
