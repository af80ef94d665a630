"""The command line: the only package that reads arguments, prints, writes files
and maps exceptions to exit codes (0 gate holds, 1 gate fails, 2 bad input).

One module per command group; :data:`COMMANDS` names where each command lives, and
a command's module is imported only when that command runs, so ``pruner check``
does not pay for importers, renderers or Graphviz it never uses.
"""

from __future__ import annotations

import gc
from importlib import import_module

import click

from pruner import __version__
from pruner.errors import ManifestError, PrunerError

__all__ = ["main", "COMMANDS"]

EXIT_OK, EXIT_GATE, EXIT_INPUT = 0, 1, 2
MAX_PROBLEM_LINES = 100

# command name -> "module:attribute" of its click command, under pruner.cli.
COMMANDS = {
    "validate": "check:validate",
    "check": "check:check",
    "schema": "check:schema",
    "cuts": "failure:cuts",
    "essential": "failure:essential",
    "rank": "failure:rank",
    "diff": "gate:diff",
    "import": "telemetry:import_command",
    "drift": "telemetry:drift",
    "render": "diagrams:render_command",
    "report": "diagrams:report_command",
    "bootstrap": "bootstrap:bootstrap_command",
}


class _Cli(click.Group):
    """Loads each command on first use; maps pruner's exceptions to exit code 2 with
    one line per problem, no traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(import_module(f"pruner.cli.{module}"), attribute)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ManifestError as exc:
            shown = exc.problems[:MAX_PROBLEM_LINES]
            for problem in shown:
                click.echo(f"pruner: {problem}", err=True)
            more = len(exc.problems) - len(shown) + exc.omitted
            if more:
                click.echo(f"pruner: ... and {more} more problems", err=True)
            raise SystemExit(EXIT_INPUT) from None
        except PrunerError as exc:
            click.echo(f"pruner: error: {exc}", err=True)
            raise SystemExit(EXIT_INPUT) from None


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pruner")
def main() -> None:
    """Know which user flows break before you switch services off.

    Exit codes: 0 ran and the gate holds; 1 ran and the gate fails; 2 bad usage or input.
    """
    # One short-lived process building large acyclic structures: collect cyclic garbage
    # rarely (a check of 20,000 services: 1.6 s -> 1.3 s; peak memory unchanged).
    gc.set_threshold(50_000, 20, 100)
