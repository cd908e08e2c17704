"""The top-level ``credentials`` list (the successor scripts' form): extra credentials, written out
in full, that llmproxy manages like the ones it derives from providers.

As the successor: they come before the providers' credentials, and a name used twice (in the list
or by a provider's ``<provider>-<interface>``) is an error. Unlike it: a value written as
``os.environ/VAR`` is refused, since LiteLLM never resolves one stored in a credential (the
upstream would get the literal text); ``${VAR}`` is resolved by llmproxy and kept secret.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.config.paths import FileFor, JsonPath, format_path
from llmproxy.config.schema import ConfigFile
from llmproxy.desired.model import Credential
from llmproxy.errors import ConfigIssue
from llmproxy.redaction import is_env_reference


def compile_literal_credentials(config: ConfigFile, generated: Sequence[Credential], file_for: FileFor,
                                ) -> tuple[list[Credential], list[ConfigIssue]]:
    """The listed credentials, and the problems found (clashes name both JSON paths)."""
    issues: list[ConfigIssue] = []
    out: list[Credential] = []
    seen = {c.name: c.source for c in generated}

    def issue(message: str, path: JsonPath) -> None:
        issues.append(ConfigIssue(message, format_path(path), file_for(path)))

    for index, entry in enumerate(config.credentials or []):
        where: JsonPath = ("credentials", index)
        name = entry.credential_name
        if name in seen:
            issue(f"credential {name!r} is already defined at {seen[name]}; rename one of them",
                  (*where, "credential_name"))
            continue
        refs = [k for k, v in entry.credential_values.items() if is_env_reference(v)]
        if refs:
            issue(f"credential {name!r}: LiteLLM never resolves os.environ/ in a stored credential (the upstream "
                  'would get the text itself); write "${VAR}" (llmproxy resolves it)',
                  (*where, "credential_values", refs[0]))
            continue
        seen[name] = format_path(where)
        out.append(Credential(name=name, values=dict(entry.credential_values),
                              info=dict(entry.credential_info or {}), source=format_path(where)))
    return out, issues
