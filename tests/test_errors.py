import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


TWITTER_LIKE = ["otp-sms", "otp-email", "sms-gateway", "sms-sender", "user-store",
                "twofactor-api", "web-frontend", "payment-db",
                "shipment-api", "risk-scoring", "2fa-login-sms"]


@pytest.mark.parametrize("typo,expected", [
    ("sms-otp", "otp-sms"),                 # tokens swapped
    ("email-otp", "otp-email"),
    ("sms_gateway", "sms-gateway"),         # another separator
    ("smsgateway", "sms-gateway"),          # separator dropped
    ("sms-gatway", "sms-gateway"),          # a letter dropped
    ("twofactor-apy", "twofactor-api"),
    ("web-fronted", "web-frontend"),
    ("risk-scorring", "risk-scoring"),
    ("2fa-login-sm", "2fa-login-sms"),
])
def test_did_you_mean_finds_real_near_misses(typo, expected):
    assert did_you_mean(typo, TWITTER_LIKE) == f" (did you mean '{expected}'?)"


@pytest.mark.parametrize("unknown", [
    "user-service",      # another word in the same slot: user-store is a different service
    "payment-api",       # payment-db and shipment-api each share only one token
    "sms",               # too short a part of several names to pick one
    "email-gateway",
    "login",
])
def test_did_you_mean_does_not_suggest_wrong_names(unknown):
    assert did_you_mean(unknown, TWITTER_LIKE) == ""


def test_did_you_mean_on_keys():
    keys = ("description", "critical", "owner", "requires")
    assert did_you_mean("require", keys) == " (did you mean 'requires'?)"
    assert did_you_mean("requries", keys) == " (did you mean 'requires'?)"
    assert did_you_mean("criticality", keys) == " (did you mean 'critical'?)"
    assert did_you_mean("depends", keys) == ""


def test_error_line_is_one_format():
    from pruner.errors import error_line
    from pruner.importers import SourceError
    from pruner.sources import UnreadableError

    assert error_line(SourceError("k.yaml:5", "duplicate key")) == "k.yaml:5: error: duplicate key"
    assert error_line(UnreadableError("p.yaml", "cannot read: a FIFO")) == (
        "p.yaml: error: cannot read: a FIFO")
    assert error_line(InputError("unknown flow 'x'")) == "pruner: error: unknown flow 'x'"
    assert error_line(SourceError("<kind>", "unknown importer")) == (
        "pruner: error: unknown importer")
    assert str(Location("evil\x1b]0;x\x07.yaml", 3)) == "evil\\x1b]0;x\\x07.yaml:3"


def test_locations_and_problems_order_as_their_fields_do():
    """Location and Problem compare as @dataclass(order=True) would: field by field."""
    import itertools

    from pruner.errors import Location, Problem

    places = [Location(f, line, col) for f in ("a", "b") for line in (0, 1, 2) for col in (0, 3)]
    problems = [Problem(p, m, s) for p in places[:4] for m in "xy" for s in ("error", "warning")]
    for a, b in [*itertools.product(places, places), *itertools.product(problems, problems)]:
        ta, tb = (tuple(getattr(x, f) for f in x.__match_args__) for x in (a, b))
        assert (a < b, a <= b, a > b, a >= b, a == b) == (ta < tb, ta <= tb, ta > tb, ta >= tb,
                                                          ta == tb)
    assert sorted(reversed(problems)) == problems


def test_lone_surrogates_show_as_the_bytes_or_code_points_they_stand_for():
    from pruner.errors import Location, display, neutral

    assert neutral("svc-\udcff\udc80") == "svc-\\xff\\x80"  # bytes of a non-UTF-8 name
    assert neutral("a\ud800b\udfff") == "a\\ud800b\\udfff"
    assert neutral("\u00e9\u202e\x1b\udcc3") == "\u00e9\\u202e\\x1b\\xc3"
    assert display("x\udcfe") == "'x\\xfe'" and str(Location("m\udcff.yaml", 2)) == "m\\xff.yaml:2"
    assert neutral("caf\u00e9 \u4e2d") == "caf\u00e9 \u4e2d"  # printable text is left alone


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.text(st.characters(max_codepoint=0x7F)),
                 st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-:/@]{0,20}", fullmatch=True)))
def test_neutral_is_the_translation_whatever_the_text(text):
    # Printable ASCII (every name of the manifest grammar) is returned as it is, at once;
    # everything else goes through the tables.
    from pruner.errors import _CONTROL, _surrogates, neutral

    want = text.translate(_CONTROL)
    if not want.isascii() and not want.isprintable():
        want = want.translate(_surrogates())
    assert neutral(text) == want
    if text.isascii() and text.isprintable():
        assert neutral(text) is text
