"""``export -o DIR`` writes atomically; config.local.json is 0600 (issue 15, item 13)."""

from __future__ import annotations

import stat
from pathlib import Path

from llmproxy.cli.export_cmds import _write
from llmproxy.export.exporter import ExportResult


def test_export_files_are_written_atomically_and_the_local_file_is_private(tmp_path: Path) -> None:
    result = ExportResult(config={"owner": "o"}, local={"providers": {"p": {"api_key": "${P_API_KEY}"}}})
    config, local = _write(tmp_path / "out", result, force=False)
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o644
    assert '"${P_API_KEY}"' in local.read_text()
    # Overwriting (--force) replaces the files whole and leaves no temporary file behind.
    local.chmod(0o644)
    _write(tmp_path / "out", result, force=True)
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.json", "config.local.json"]
