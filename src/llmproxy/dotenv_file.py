"""A ``.env`` file read the way the shell reads it with ``set -a; . ./.env; set +a``.

That shell command is how the same file reaches ``docker stack deploy`` (docs/deploy.md), so the
CLI must see the values the stacks see. python-dotenv parses the lines, but its interpolation
differs from the shell: it expands ``${VAR}`` even inside single quotes, and never expands a bare
``$VAR``. Here, as in the shell:

- ``'single quoted'``: literal, nothing is expanded;
- ``"double quoted"`` and unquoted: ``${VAR}``, ``${VAR:-default}`` and ``$VAR`` are expanded from
  the lines above and then the process environment (an unset variable is empty), and ``\\$`` is a
  literal ``$``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from dotenv.parser import parse_stream

_EXPANSION = re.compile(r"\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SINGLE_QUOTED = re.compile(r"""^\s*(?:export\s+)?(?:'[^']*'|"[^"]*"|[^=\s]+)\s*=\s*'""")


def read_dotenv(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """The file's variables in order; ``None`` for a bare ``NAME`` line without ``=``.

    Raises OSError / UnicodeDecodeError like ``open``; lines python-dotenv cannot parse are skipped.
    """
    env = os.environ if environ is None else environ
    values: dict[str, str | None] = {}

    def lookup(name: str) -> str:
        value = values[name] if name in values else env.get(name)
        return value or ""

    def expand(match: re.Match[str]) -> str:
        if match.group(0) == "\\$":
            return "$"
        if match.group(3) is not None:
            return lookup(match.group(3))
        value = lookup(match.group(1))
        default = match.group(2)
        return value if value or default is None else default

    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.key is None:
                continue
            if binding.value is None or _SINGLE_QUOTED.match(binding.original.string):
                values[binding.key] = binding.value
            else:
                values[binding.key] = _EXPANSION.sub(expand, binding.value)
    return values
