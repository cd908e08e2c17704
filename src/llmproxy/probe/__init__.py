"""``--probe``: one minimal real request through the gateway per model group, to prove it serves.

``targets`` picks the names (what a sync created or changed; every managed group and alias),
``runner`` sends the requests (``llmproxy.litellm.dataplane``), ``report`` holds and shows them.
"""

from llmproxy.probe.report import ProbeReport, ProbeResult, render_probe_text
from llmproxy.probe.runner import run_probe
from llmproxy.probe.targets import changed_names, managed_names

__all__ = ["ProbeReport", "ProbeResult", "changed_names", "managed_names", "render_probe_text", "run_probe"]
