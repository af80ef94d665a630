"""Golden files for every output format of `check` and `validate`."""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN, ROOT, assert_golden, run

CASES = {
    "twitter-sms-gateway": ("manifests/twitter", "--off", "sms-gateway"),
    "twitter-nothing-off": ("manifests/twitter",),
    "shop-cart-quorum-lost": ("manifests/shop", "--off", "cart-db-1,cart-db-2"),
    "shop-payment-fallback": ("manifests/shop", "--off", "payment-provider-a"),
}


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in reports are as given: keep them relative


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json")])
@pytest.mark.parametrize("case", sorted(CASES))
def test_check_golden(case, fmt, suffix):
    result = run("check", *CASES[case], "--format", fmt)
    assert result.exit_code in (0, 1)
    assert_golden(result.stdout, GOLDEN / "check" / f"{case}.{suffix}")


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json")])
def test_validate_golden(fmt, suffix):
    result = run("validate", "manifests/twitter", "--format", fmt)
    assert result.exit_code == 0
    assert_golden(result.stdout, GOLDEN / "validate" / f"twitter.{suffix}")
