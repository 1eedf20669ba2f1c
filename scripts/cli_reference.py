"""Regenerate docs/cli.md from the commands' own --help (``python scripts/cli_reference.py``).

tests/test_cli.py checks that the file matches what this writes, so the reference cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from geoplatform.cli import main

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
HEADER = "# Command-line reference\n\nGenerated from `geoplatform … --help` by `scripts/cli_reference.py`.\n"


def commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name in group.commands:
        command = group.commands[name]
        if isinstance(command, click.Group):
            found += commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def reference() -> str:
    runner = CliRunner()
    parts = [HEADER]
    for path in commands(main):
        result = runner.invoke(main, [*path, "--help"], prog_name="geoplatform", terminal_width=100)
        title = " ".join(("geoplatform", *path))
        parts.append(f"\n## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    OUTPUT.write_text(reference(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUTPUT}\n")
