"""Every ${VAR} a stack file uses is documented in its .env.example, and every documented
variable is used (the top-level file's "llmproxy CLI" section is for the CLI, not the stacks)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tests.stack.stacks import CLI_SECTION, REPO, STACKS, read_env_example, required_variables, variables_used

CLI_VARIABLES = {"LITELLM_BASE_URL", "LITELLM_API_KEY", "ANTIGRAVITY_MANAGER_API_KEY"}


def stacks_by_example() -> dict[Path, list]:
    by_file: dict[Path, list] = defaultdict(list)
    for stack in STACKS.values():
        by_file[stack.env_example].append(stack)
    return by_file


def test_every_variable_a_stack_uses_is_documented() -> None:
    for stack in STACKS.values():
        documented = set(read_env_example(stack.env_example))
        missing = variables_used(stack) - documented
        assert not missing, f"{stack.file.relative_to(REPO)} uses {sorted(missing)}, " \
                            f"not documented in {stack.env_example.relative_to(REPO)}"


def test_every_documented_variable_is_used() -> None:
    for path, stacks in stacks_by_example().items():
        used = set().union(*(variables_used(s) for s in stacks))
        for var in read_env_example(path).values():
            if var.section == CLI_SECTION:
                continue  # read by the llmproxy CLI, not by a stack
            assert var.name in used, f"{path.relative_to(REPO)} documents {var.name}, which no stack uses"


def test_every_variable_has_a_comment() -> None:
    for path in stacks_by_example():
        for var in read_env_example(path).values():
            assert var.comment, f"{path.relative_to(REPO)}: {var.name} has no comment above it"


def test_the_top_level_file_has_a_cli_section_and_a_stack_section() -> None:
    variables = read_env_example(REPO / ".env.example")
    sections = list(dict.fromkeys(v.section for v in variables.values()))
    assert sections[0] == CLI_SECTION and len(sections) == 2 and sections[1].startswith("Stack variables")
    assert {v.name for v in variables.values() if v.section == CLI_SECTION} == CLI_VARIABLES
    # no stack reads a CLI secret from the environment: the stacks have Docker secrets
    assert not CLI_VARIABLES & set().union(*(variables_used(s) for s in STACKS.values()))


def test_empty_example_values_are_exactly_the_required_secrets() -> None:
    """An empty value in .env.example means "you must set this"; the stacks must agree."""
    for path, stacks in stacks_by_example().items():
        required = set().union(*(required_variables(s) for s in stacks))
        for var in read_env_example(path).values():
            if var.value == "" and var.section != CLI_SECTION:
                assert var.name in required, f"{path.relative_to(REPO)}: {var.name} is empty but optional"
