from pruner.errors import (
    InputError,
    Location,
    ManifestError,
    Problem,
    PrunerError,
    UnknownNameError,
    did_you_mean,
    display,
)


def test_hierarchy():
    assert issubclass(ManifestError, PrunerError)
    assert issubclass(UnknownNameError, InputError)
    assert issubclass(InputError, PrunerError)


def test_location_and_problem_text():
    assert str(Location("m.yaml")) == "m.yaml"
    assert str(Location("m.yaml", 3)) == "m.yaml:3"
    assert str(Problem(Location("m.yaml", 3, 5), "bad")) == "m.yaml:3:5: error: bad"


def test_manifest_error_sorts_and_counts():
    err = ManifestError([Problem(Location("b", 1, 1), "two"), Problem(Location("a", 9, 1), "one")],
                        omitted=3)
    assert [p.message for p in err.problems] == ["one", "two"]
    assert str(err) == "a:9:1: error: one (and 4 more)"


def test_display_escapes_control_characters_and_cuts():
    assert display("a\x1b[2Jb\nc") == "'a\\x1b[2Jb\\nc'"
    assert len(display("x" * 500)) == 82


def test_did_you_mean():
    assert did_you_mean("twofactr", ["twofactor", "web"]) == " (did you mean 'twofactor'?)"
    assert did_you_mean("q", []) == ""
