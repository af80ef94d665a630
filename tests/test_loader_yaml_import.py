"""pruner imports PyYAML through :mod:`pruner.loader.yaml_nodes`, which defers the one
pattern PyYAML compiles at import and pruner never uses (the pure-Python reader's class
of non-printable characters: 7-17 ms of a small run's start-up). The deferral must be
invisible: ``re.compile`` is itself again afterwards, PyYAML's pure-Python reader still
refuses what it refused, and pruner's own use of the same class still finds what it
found. Each case runs in a fresh interpreter, where the import really happens."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pruner.errors import PrunerError
from pruner.loader import load


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_unused_pattern_is_not_compiled_and_re_is_untouched():
    out = _fresh(
        "import re; compile_before = re.compile\n"
        "import pruner.loader\n"
        "import yaml\n"
        "big = '\\ud7ff'\n"
        "cached = [k for k in getattr(re, '_cache', {}) if big in str(k[1])]\n"
        "print(re.compile is compile_before, isinstance(yaml.reader.Reader.NON_PRINTABLE,"
        " re.Pattern), len(cached))")
    assert out == "True False 0"


def test_pyyamls_pure_reader_still_refuses_a_control_character():
    out = _fresh(
        "import pruner.loader, yaml\n"
        "try:\n"
        "    yaml.load('a: \\x01', Loader=yaml.SafeLoader)\n"
        "except yaml.reader.ReaderError as e:\n"
        "    print('refused', e.character == 1)\n")
    assert out == "refused True"


def test_pyyaml_imported_first_is_left_as_it_is():
    out = _fresh("import re, yaml\nimport pruner.loader\n"
                 "print(isinstance(yaml.reader.Reader.NON_PRINTABLE, re.Pattern))")
    assert out == "True"


@pytest.mark.parametrize("char", ["\x01", "\ufffe", "\x7f"])
def test_a_forbidden_character_is_still_placed_by_line_and_column(tmp_path, char):
    path = tmp_path / "m.yaml"
    path.write_text(f"services:\n  a: {{}}\n  b{char}: {{}}\n", encoding="utf-8")
    with pytest.raises(PrunerError) as err:
        load(str(path))
    assert f"m.yaml:3:4: error: invalid YAML: character U+{ord(char):04X} is not allowed" \
        in str(err.value)


def test_resolver_and_constructor_patterns_wait_for_their_first_use():
    out = _fresh(
        "import re\n"
        "import pruner.loader\n"
        "import yaml\n"
        "stamp = yaml.constructor.SafeConstructor.timestamp_regexp\n"
        "print(isinstance(stamp, re.Pattern), stamp.match('2001-12-14').group('year'))\n"
        "text = '[12, 0.5, yes, ~, 2001-12-14, 2fa, =, <<, \"7\"]'\n"
        "print([n.tag[18:] for n in yaml.compose(text, Loader=yaml.SafeLoader).value])\n"
        "print(yaml.safe_load('a: 2001-12-14')['a'].year)\n")
    assert out.splitlines() == [
        "False 2001",
        "['int', 'float', 'bool', 'null', 'timestamp', 'str', 'value', 'merge', 'str']",
        "2001"]
