#!/usr/bin/env python3
"""A stand-in for the `docker` CLI: the part of it netdata-config-generator.sh talks to.

Services come from the JSON file $FAKE_DOCKER_SERVICES: a list of
{"ID": ..., "Spec": {"Name": ..., "Labels": {...}}}, the shape of `docker service inspect`.
Every invocation is appended to $FAKE_DOCKER_LOG as a JSON list of arguments.
With $FAKE_DOCKER_WORKER set it answers like a Swarm worker node does.

Supported, as the real CLI behaves:
  docker service ls --quiet [--filter label=KEY[=VALUE]]...
  docker service inspect --format TEMPLATE ID...   (one line per service)
  docker service update --force --detach --quiet ID
Templates: {{.ID}}, {{.Spec.Name}} and {{index .Spec.Labels "KEY"}} (a missing label is
empty, as in Go). Anything else fails loudly, so the script cannot drift away from what is
tested here without the test noticing.
"""

from __future__ import annotations

import json
import os
import re
import sys

NOT_A_MANAGER = ("Error response from daemon: This node is not a swarm manager. Worker nodes can't be "
                 "used to view or modify cluster state. Please run this command on a manager node or "
                 "promote the current node to a manager.")


def fail(message: str, code: int = 1) -> None:
    print(message, file=sys.stderr)
    sys.exit(code)


def evaluate(template: str, service: dict) -> str:
    def action(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == ".ID":
            return service["ID"]
        if expr == ".Spec.Name":
            return service["Spec"]["Name"]
        if idx := re.fullmatch(r'index \.Spec\.Labels "([^"]+)"', expr):
            return service["Spec"].get("Labels", {}).get(idx.group(1), "")
        fail(f"fake docker: unsupported template action {{{{{expr}}}}}", 2)
        return ""

    return re.sub(r"\{\{(.*?)\}\}", action, template)


def options(args: list[str], flags: set[str], valued: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    opts: dict[str, list[str]] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in valued:
            if not eq:
                i += 1
                value = args[i]
            opts.setdefault(name, []).append(value)
        elif arg in flags:
            opts.setdefault(arg, []).append("")
        elif arg.startswith("-"):
            fail(f"fake docker: unsupported option {arg}", 2)
        else:
            rest.append(arg)
        i += 1
    return opts, rest


def matches(service: dict, selector: str) -> bool:
    kind, _, cond = selector.partition("=")
    if kind != "label":
        fail(f"fake docker: unsupported filter {selector}", 2)
    key, eq, value = cond.partition("=")
    labels = service["Spec"].get("Labels", {})
    return key in labels and (not eq or labels[key] == value)


def main(argv: list[str]) -> None:
    with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
        log.write(json.dumps(argv) + "\n")
    if os.environ.get("FAKE_DOCKER_WORKER"):
        fail(NOT_A_MANAGER)
    with open(os.environ["FAKE_DOCKER_SERVICES"]) as f:
        services = json.load(f)
    if argv[:2] == ["service", "ls"]:
        opts, rest = options(argv[2:], {"--quiet", "-q"}, {"--filter", "-f"})
        if rest or not ({"--quiet", "-q"} & set(opts)):
            fail("fake docker: only `service ls --quiet [--filter ...]` is supported", 2)
        for s in services:
            if all(matches(s, sel) for sel in opts.get("--filter", []) + opts.get("-f", [])):
                print(s["ID"])
    elif argv[:2] == ["service", "inspect"]:
        opts, ids = options(argv[2:], set(), {"--format", "-f"})
        template = (opts.get("--format") or opts.get("-f") or [None])[0]
        if template is None or not ids:
            fail("fake docker: only `service inspect --format TEMPLATE ID...` is supported", 2)
        by_id = {s["ID"]: s for s in services} | {s["Spec"]["Name"]: s for s in services}
        for sid in ids:
            if sid not in by_id:
                fail(f"Error: no such service: {sid}")
            print(evaluate(template, by_id[sid]))
    elif argv[:2] == ["service", "update"]:
        opts, ids = options(argv[2:], {"--force", "--detach", "-d", "--quiet", "-q"}, set())
        if len(ids) != 1 or ids[0] not in {s["ID"] for s in services}:
            fail(f"Error: no such service: {' '.join(ids)}")
    else:
        fail(f"fake docker: unsupported command {' '.join(argv)}", 2)


if __name__ == "__main__":
    main(sys.argv[1:])
