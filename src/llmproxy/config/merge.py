"""Deep merge of config documents (deepmerge) with the ``$delete`` directive.

Objects merge recursively; lists, scalars and type changes are replaced by the override. Inside
an override object, ``"$delete": ["key", ...]`` removes those inherited keys at that level before
the merge (so ``{"$delete": ["models"], "models": {...}}`` replaces instead of merging). The
directive is kept in the result (the union of both sides) so that a later merge of the same
object — ``$extend``, ``default_model`` — applies it too; ``strip_directives`` removes it at the
end. The same merge serves ``config.local.json`` over ``config.json``, ``$extend`` and model
defaults.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from deepmerge import Merger
from deepmerge.strategy.dict import DictStrategies

DELETE = "$delete"
SCHEMA = "$schema"


def _delete_then_merge(merger: Merger, path: list[Any], base: dict[str, Any], nxt: dict[str, Any]) -> dict[str, Any]:
    deletes = nxt.get(DELETE)
    if isinstance(deletes, list):
        for key in deletes:
            if isinstance(key, str):
                base.pop(key, None)
    inherited = base.get(DELETE)
    merged = DictStrategies.strategy_merge(merger, path, base, {k: v for k, v in nxt.items() if k != DELETE})
    if isinstance(deletes, list):
        previous = inherited if isinstance(inherited, list) else []
        merged[DELETE] = list(dict.fromkeys([*previous, *deletes]))
    return merged


_MERGER = Merger([(dict, [_delete_then_merge])], ["override"], ["override"])


def merge(base: Any, override: Any) -> Any:
    """``override`` deep-merged over ``base``; neither argument is modified."""
    return _MERGER.merge(copy.deepcopy(base), copy.deepcopy(override))


def strip_directives(value: Any) -> Any:
    """A copy without ``$delete`` and ``$schema`` keys, at every level."""
    if isinstance(value, dict):
        return {k: strip_directives(v) for k, v in value.items() if k not in (DELETE, SCHEMA)}
    if isinstance(value, list):
        return [strip_directives(v) for v in value]
    return value


def lookup(doc: Any, path: Sequence[str | int]) -> tuple[bool, Any]:
    """``(True, value)`` when ``path`` exists in ``doc``."""
    node = doc
    for part in path:
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            return False, None
    return True, node

