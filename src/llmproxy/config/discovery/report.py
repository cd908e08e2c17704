"""What discovery contributed to a desired state, in one line per model list (for validate and plan)."""

from __future__ import annotations

from collections.abc import Iterable

from llmproxy.desired.model import Deployment

#: Names shown per line (``render`` and the plan's changes show every one).
SHOWN = 12


def discovery_lines(deployments: Iterable[Deployment]) -> list[str]:
    """``"3 models discovered at URL (credential p-openai): a, b, c"``, one per credential and URL."""
    groups: dict[tuple[str, str], list[str]] = {}
    for d in deployments:
        if d.discovered_from:
            groups.setdefault((d.credential or "", d.discovered_from), []).append(d.model_name)
    return [f"{len(names)} model{'s' if len(names) != 1 else ''} discovered at {url} "
            f"(credential {credential}): {_some(names)}"
            for (credential, url), names in groups.items()]


def _some(names: list[str], shown: int = SHOWN) -> str:
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")
