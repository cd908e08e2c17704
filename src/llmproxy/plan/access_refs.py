"""References of teams and users: every name in their ``models`` must be something LiteLLM can
grant, in the config or already in LiteLLM.

LiteLLM (``auth_checks.check_model_access_helper``) lets a request for model M through when the
allowed list holds M itself, an access group M belongs to (``model_info.access_groups``), a
wildcard that matches M, a name an alias resolves M to, or one of its special names. A name that
is none of these grants nothing: the key, team or user "works for nothing" (a typo such as
``Generl``). Such a name is a broken reference: the plan is refused, naming the JSON path.
"""

from __future__ import annotations

from collections.abc import Iterable

from llmproxy.config.schema_errors import did_you_mean
from llmproxy.desired.model import DesiredState
from llmproxy.desired.patterns import is_pattern, pattern_matches
from llmproxy.live.model import LiveState
from llmproxy.plan.model import Finding

#: litellm/proxy/_types.py SpecialModelNames, and "*" (every model).
SPECIAL_NAMES = frozenset({"*", "all-proxy-models", "all-team-models", "no-default-models"})


class GrantableNames:
    """What a ``models`` list may name: model names, aliases and access groups of the desired and
    the live state, wildcards matching one of those, and LiteLLM's special names."""

    def __init__(self, desired: DesiredState, live: LiveState) -> None:
        infos = [*((d.model_name, d.model_info) for d in desired.deployments or ()),
                 *((d.model_name, d.model_info) for d in live.deployments)]
        self.models = {name for name, _ in infos}
        self.aliases = set(desired.aliases or {}) | set(live.router.aliases)
        self.groups = {str(g) for _, info in infos for g in _groups(info.get("access_groups"))}
        self.exact = self.models | self.aliases | self.groups

    def grants(self, name: str) -> bool:
        if name in SPECIAL_NAMES or name in self.exact:
            return True
        names = self.models | self.aliases
        if is_pattern(name):  # an allowed-list wildcard: it must match something served
            return any(pattern_matches(name, n) for n in names)
        return any(is_pattern(n) and pattern_matches(n, name) for n in names)  # a pattern deployment serves it

    def hint(self, name: str) -> str:
        return did_you_mean(name, sorted(self.exact))


def _groups(value: object) -> Iterable[object]:
    return value if isinstance(value, (list, tuple)) else ()


def broken_model_references(kind: str, records: Iterable[tuple[str, str, Iterable[str] | None]],
                            names: GrantableNames) -> list[Finding]:
    """``records``: (key, JSON path of the record, its ``models``) -> a finding per unknown name."""
    out: list[Finding] = []
    for key, source, models in records:
        for index, name in enumerate(models or ()):
            if not names.grants(name):
                out.append(Finding(
                    kind, key, "broken_reference",
                    f"{source}.models[{index}]: {name!r} is not a model name, alias or access group in the "
                    f"config or in LiteLLM{names.hint(name)}; it would grant nothing", "broken_reference"))
    return out
