"""The command line: the only module that reads arguments, prints, writes files
and maps exceptions to exit codes."""

from __future__ import annotations

import click

from pruner import __version__

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pruner")
def main() -> None:
    """Know which user flows break before you switch services off."""
