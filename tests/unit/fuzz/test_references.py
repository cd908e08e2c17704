"""Random alias and fallback graphs over random model names.

Aliases come with cycles, self-references, wildcard keys (``fast-*``), names of models and
dangling targets; fallback rules with comma-joined and empty sources, unknown names, duplicates
and self-fallbacks; sometimes ``context_window_fallbacks`` too, and sometimes no ``models``
section (then names cannot be checked, but cycles and the rules' shape still can).

Checked both ways against rules computed here: when the rules find nothing wrong the config loads,
every pushed alias points straight at its final model group (no chains), every wildcard alias is
pattern deployments mirroring that group, and fallbacks are pushed as written; when
they find a problem, loading fails with a ConfigError that names each offending alias and
fallback name.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from llmproxy.desired.model import DesiredState
from llmproxy.errors import ConfigError
from tests.unit.fuzz.support import ConfigDir, check_config_error, fuzz_settings, oracle_resolve, wildcard_match

MODEL_NAMES = ["gpt-4o", "claude-opus", "claude-sonnet", "gemini/flash", "openai/*"]
ALIAS_NAMES = ["fast", "smart", "cheap", "fast-*", "claude-*", "gpt-4o", "*-latest"]
OTHER_NAMES = ["ghost", "fast-1", "claude-x", "smart-latest", "openai/gpt-5", "Fast"]
NAMES = st.sampled_from(MODEL_NAMES * 3 + ALIAS_NAMES * 2 + OTHER_NAMES)  # mostly names that can resolve
SEPARATORS = st.sampled_from([",", ", ", " ,"])


@st.composite
def fallback_sources(draw: st.DrawFn) -> str:
    parts = draw(st.lists(NAMES, min_size=1, max_size=3))
    return draw(SEPARATORS).join(parts)


SOURCES = st.one_of(fallback_sources(), fallback_sources(), fallback_sources(), st.sampled_from([",", "fast,", " "]))
FALLBACKS = st.lists(st.dictionaries(SOURCES, st.lists(NAMES, max_size=3), max_size=2), max_size=3)
DOCUMENTS = st.fixed_dictionaries({}, optional={
    "models": st.lists(st.sampled_from(MODEL_NAMES), unique=True, max_size=5).map(
        lambda names: [{"model_name": n, "litellm_params": {"model": f"openai/m{i}"}} for i, n in enumerate(names)]),
    "aliases": st.dictionaries(st.sampled_from(ALIAS_NAMES), NAMES, max_size=5),
    "fallbacks": FALLBACKS,
    "router_settings": st.fixed_dictionaries({"context_window_fallbacks": st.lists(
        st.dictionaries(NAMES | st.just(""), st.lists(NAMES, max_size=2), max_size=2), max_size=2)}),
})


class Expectation:
    """What the documented rules say about a document: the names any error must mention."""

    def __init__(self, doc: dict[str, Any]) -> None:
        models = doc.get("models")
        self.models = {m["model_name"] for m in models} if models is not None else None
        self.aliases: dict[str, str] = doc.get("aliases") or {}
        self.must_name: list[set[str]] = []  # each set: some issue mentions all of its names
        self.problems = 0
        self._aliases()
        self._fallbacks(doc.get("fallbacks") or [], "fallbacks", split=True)
        cw = (doc.get("router_settings") or {}).get("context_window_fallbacks")
        self._fallbacks(cw or [], "router_settings.context_window_fallbacks", split=False)

    def resolves(self, name: str) -> bool:
        if self.models is None:
            return True
        names = self.models | set(self.aliases)
        return name in names or any("*" in p and wildcard_match(p, name) for p in names)

    def _problem(self, *names: str) -> None:
        self.problems += 1
        self.must_name.append(set(names))

    def _aliases(self) -> None:
        for alias, target in self.aliases.items():
            if self.models is not None and alias in self.models:
                self._problem(alias)
            if not self.resolves(target):
                self._problem(alias, target)
        for loop in alias_cycles(self.aliases):
            self._problem(*loop)
        for alias, target in self.aliases.items():
            if "*" not in alias:
                continue
            if self.models is None:
                self._problem(alias)  # a wildcard needs deployments to mirror
                continue
            group = oracle_resolve(target, self.models, self.aliases)
            if group is not None and group not in self.models:
                self._problem(alias)  # reaches a group only through a pattern deployment
        if self.models is not None:
            patterns = [n for n in [*self.aliases, *self.models] if "*" in n]
            for alias, target in self.aliases.items():
                end, seen = target, set()
                while end in self.aliases and "*" not in end and end not in seen:
                    seen.add(end)
                    end = self.aliases[end]
                if end in seen or not any(wildcard_match(p, end) for p in patterns):
                    continue  # a plain cycle or an unknown name: reported as such
                if oracle_resolve(target, self.models, self.aliases) is None:
                    self._problem(alias, target)  # loops through a wildcard alias

    def _fallbacks(self, entries: list[dict[str, list[str]]], where: str, split: bool) -> None:
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            if not entry:
                self._problem(f"{where}[{index}]")
            for key, targets in entry.items():
                parts = [p.strip() for p in key.split(",")] if split else [key]
                if not all(parts):
                    self._problem(f"{where}[{index}]")
                sources = [p for p in parts if p]
                for source in sources:
                    if source in seen:
                        self._problem(source)
                    seen.add(source)
                    if "*" in source and source != "*":
                        self._problem(source)  # LiteLLM matches fallback keys exactly
                    elif source != "*" and not self.resolves(source):
                        self._problem(source)
                if sources and not targets:
                    self._problem(f"{where}[{index}]")
                for target in targets if sources else ():
                    if target in sources or not self.resolves(target):
                        self._problem(target)


def alias_cycles(aliases: dict[str, str]) -> list[list[str]]:
    """Every loop of the alias graph (an alias pointing at another alias by its exact name)."""
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in aliases:
        path: list[str] = []
        node = start
        while node in aliases and node not in done and node not in path:
            path.append(node)
            node = aliases[node]
        if node in path:
            loops.append(path[path.index(node):])
        done.update(path)
    return loops


def check_loaded_state(desired: DesiredState, doc: dict[str, Any]) -> None:
    """The invariants of a loaded state, checked on the state itself."""
    aliases = dict(desired.aliases or {})
    written: dict[str, str] = doc.get("aliases") or {}
    checkable = desired.deployments is not None
    models = {m["model_name"] for m in doc["models"]} if checkable else None
    assert set(aliases) == {a for a in written if "*" not in a}
    for alias, target in aliases.items():
        assert target == oracle_resolve(written[alias], models, written), (alias, target)
        assert target not in aliases or not checkable, f"alias chain {alias} -> {target}"
    deployments = desired.deployments or ()
    for pattern in (a for a in written if "*" in a):
        group = oracle_resolve(written[pattern], models, written)
        mirrors = [(d.litellm_params, d.model_info) for d in deployments if d.model_name == pattern]
        targets = [(d.litellm_params, {k: v for k, v in d.model_info.items() if k != "access_groups"})
                   for d in deployments if d.model_name == group]
        assert mirrors and mirrors == targets, pattern
    sources = [rule.source for rule in desired.fallbacks or ()]
    assert len(sources) == len(set(sources)), "a fallback source is defined twice"
    expected = [(s.strip(), list(t)) for entry in doc.get("fallbacks") or [] for k, t in entry.items()
                for s in k.split(",")]
    assert [(r.source, list(r.targets)) for r in desired.fallbacks or ()] == expected


def test_random_alias_and_fallback_graphs(config_dir: ConfigDir) -> None:
    outcomes: Counter[str] = Counter()

    @fuzz_settings(1200)
    @given(doc=DOCUMENTS)
    @example(doc={"models": [], "aliases": {"fast": "fast"}})
    @example(doc={"aliases": {"fast": "smart", "smart": "cheap", "cheap": "fast"}})
    @example(doc={"models": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/m"}}],
                  "aliases": {"fast-*": "gpt-4o", "smart": "fast-1"}, "fallbacks": [{"smart, fast-2": ["gpt-4o"]}]})
    def run(doc: dict[str, Any]) -> None:
        expectation = Expectation(doc)
        result = config_dir.load(doc)
        if isinstance(result, ConfigError):
            outcomes["error"] += 1
            text = check_config_error(result, config_dir.files(), set(doc))
            assert expectation.problems, f"rejected, yet the rules find nothing wrong:\n{text}"
            for names in expectation.must_name:
                assert any(all(n in str(issue) for n in names) for issue in result.issues), \
                    f"no issue names {sorted(names)}:\n{text}"
            return
        outcomes["loaded"] += 1
        assert not expectation.problems, f"loaded despite problems naming {expectation.must_name}"
        check_loaded_state(result.desired, doc)

    run()
    total = sum(outcomes.values())
    assert outcomes["loaded"] >= total // 10 and outcomes["error"] >= total // 10, outcomes
