"""Golden files for every output format of `check` and `validate`."""

from __future__ import annotations

import pytest

from tests.conftest import GOLDEN, ROOT, assert_golden, pre_operations_root, run

# Manifests without operations: their golden files predate operations (spec §8) and must
# not change. The twitter cases read manifests/twitter as it was then (see
# pre_operations_root); the manifest itself now declares operations (OPERATION_CASES).
CASES = {
    "twitter-sms-gateway": ("manifests/twitter", "--off", "sms-gateway"),
    "twitter-nothing-off": ("manifests/twitter",),
    "shop-cart-quorum-lost": ("manifests/shop", "--off", "cart-db-1,cart-db-2"),
    "shop-payment-fallback": ("manifests/shop", "--off", "payment-provider-a"),
}
OPERATION_CASES = {
    "ops-twitter-sms-gateway": ("manifests/twitter", "--off", "sms-gateway"),
    "ops-twitter-twemcache": ("manifests/twitter", "--off", "twemcache"),
    "ops-hotel-reservation-mongodb-geo": ("manifests/hotel-reservation", "--off", "mongodb-geo"),
    "ops-online-boutique-paymentservice": ("manifests/online-boutique", "--off",
                                           "paymentservice"),
    "ops-operation-off": ("tests/assets/check/operation-dependency-off-breaks-only-its-flow.yaml",
                          "--off", "frontend:login,risk-scoring"),
}


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # paths in reports are as given: keep them relative


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json")])
@pytest.mark.parametrize("case", sorted(CASES))
def test_check_golden(case, fmt, suffix, tmp_path, monkeypatch):
    if case.startswith("twitter"):
        monkeypatch.chdir(pre_operations_root(tmp_path))
    result = run("check", *CASES[case], "--format", fmt)
    assert result.exit_code in (0, 1)
    assert_golden(result.stdout, GOLDEN / "check" / f"{case}.{suffix}")


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json"), ("markdown", "md"),
                                        ("junit", "xml"), ("sarif", "sarif")])
@pytest.mark.parametrize("case", sorted(OPERATION_CASES))
def test_check_golden_with_operations(case, fmt, suffix):
    result = run("check", *OPERATION_CASES[case], "--format", fmt)
    assert result.exit_code in (0, 1)
    assert_golden(result.stdout, GOLDEN / "check" / f"{case}.{suffix}")


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json")])
def test_validate_golden(fmt, suffix, tmp_path, monkeypatch):
    monkeypatch.chdir(pre_operations_root(tmp_path))
    result = run("validate", "manifests/twitter", "--format", fmt)
    assert result.exit_code == 0
    assert_golden(result.stdout, GOLDEN / "validate" / f"twitter.{suffix}")


@pytest.mark.parametrize("fmt,suffix", [("text", "txt"), ("json", "json")])
def test_validate_golden_with_operations(fmt, suffix):
    result = run("validate", "manifests/hotel-reservation", "--format", fmt)
    assert result.exit_code == 0
    assert_golden(result.stdout, GOLDEN / "validate" / f"ops-hotel-reservation.{suffix}")
