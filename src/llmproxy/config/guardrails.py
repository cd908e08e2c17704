"""Validated config -> guardrails and the public model hub (``guardrails``, ``public_model_hub``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from llmproxy.config.paths import FileFor, format_path
from llmproxy.config.schema import ConfigFile
from llmproxy.desired.model import Guardrail
from llmproxy.errors import ConfigIssue


def compile_guardrails(config: ConfigFile, file_for: FileFor, aliases: Mapping[str, str] | None = None,
                       derived: Sequence[str] = ()
                       ) -> tuple[tuple[Guardrail, ...] | None, tuple[str, ...] | None, list[ConfigIssue]]:
    """Guardrails and public model groups (None where the config omits them), and the problems found.

    The public groups, as the seed scripts' successor resolves them: an explicit
    ``public_model_hub`` list is the list; without one, the model names ``derived`` from the
    successor's ``is_public_model_hub`` flags (unless ``public_model_hub_autofill_disabled``; see
    ``public_hub``) and, with
    ``public_model_hub_aliases_autofill_enabled``, every alias (``aliases``: the config's, after
    expansion); none of these: the section is omitted (LiteLLM's public model hub is left alone)."""
    issues: list[ConfigIssue] = []
    guardrails: list[Guardrail] = []
    for name, entry in config.guardrails.entries() if config.guardrails else []:
        where = ("guardrails", name)
        params = entry.litellm_params.model_dump(exclude_none=True) if entry.litellm_params else {}
        missing = [k for k in ("guardrail", "mode") if k not in params]
        if missing:
            path = (*where, "litellm_params", missing[0])
            issues.append(ConfigIssue(f"guardrail {name!r} needs litellm_params.{missing[0]} (e.g. "
                                      '"guardrail": "litellm_content_filter", "mode": "pre_call")',
                                      format_path(path), file_for(path)))
            continue
        guardrails.append(Guardrail(name=name, litellm_params=params, info=dict(entry.guardrail_info or {}),
                                    source=format_path(where)))
    public: tuple[str, ...] | None = None
    if config.public_model_hub is not None:
        public = tuple(dict.fromkeys(config.public_model_hub))
    else:
        auto = [] if config.public_model_hub_autofill_disabled else list(derived)
        if config.public_model_hub_aliases_autofill_enabled and aliases:
            auto += list(aliases)
        public = tuple(dict.fromkeys(auto)) or None
    return (tuple(guardrails) if config.guardrails is not None else None), public, issues
