"""``llmproxy unlock``: release the lease of a sync that was killed, without waiting for it to
expire (``litellm.lease``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer

from llmproxy.cli.common import ApiKeyFileOpt, ApiKeyOpt, BaseUrlOpt, EnvFileOpt, TimeoutOpt, err, interactive, out
from llmproxy.errors import Aborted
from llmproxy.litellm.client import open_client
from llmproxy.litellm.connection import DEFAULT_TIMEOUT
from llmproxy.litellm.lease import LOCK_NAME, Holder, current_holder, force_release


def describe(held: Holder, now: float) -> str:
    since = datetime.fromtimestamp(held.acquired_at, UTC).isoformat(timespec="seconds")
    left = held.expires_at - now
    expiry = f"expires in {left:.0f} s" if left > 0 else f"expired {-left:.0f} s ago"
    return f"{held.describe(now)} (since {since}; {expiry})"


def unlock_cmd(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before releasing.")] = False,
    env_file: EnvFileOpt = None, base_url: BaseUrlOpt = None, api_key: ApiKeyOpt = None,
    api_key_file: ApiKeyFileOpt = None, timeout: TimeoutOpt = DEFAULT_TIMEOUT,
) -> None:
    """Release the gateway's sync lease (the credential llmproxy-lock) held by a sync that was
    killed, instead of waiting for it to expire (10 minutes). Shows the holder and its age and
    asks first (--yes in scripts). Only for a sync that is really gone: a running sync would then
    write beside the next one."""
    client, _ = open_client(base_url, api_key, env_file, timeout=timeout)
    with client:
        held = current_holder(client)
        if held is None:
            out.print(f"No sync holds the lease ({LOCK_NAME}): nothing to release.", markup=False)
            return
        out.print(f"The lease is held by {describe(held, time.time())}.", markup=False)
        if not yes:
            if not interactive():
                raise Aborted("releasing the lease needs --yes in a non-interactive run",
                              hint="make sure that sync is no longer running, then re-run with --yes")
            if not typer.confirm("Release it? Only if that sync is no longer running", default=False, err=True):
                raise Aborted("lease not released")
        if force_release(client):
            out.print(f"Released the lease of owner {held.owner!r}.", markup=False)
        else:
            err.print("The lease was already gone (its sync finished or it was released).", markup=False)


def register(app: typer.Typer) -> None:
    app.command("unlock")(unlock_cmd)
