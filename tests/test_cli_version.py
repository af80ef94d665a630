from click.testing import CliRunner

from pruner import __version__
from pruner.cli import main


def test_version_prints_package_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
