"""manifests/online-boutique: imported from the release manifests, then hand-edited."""

from __future__ import annotations

import json

from pruner.importers import import_sources
from pruner.loader import load
from tests.conftest import ROOT, run

OB = ROOT / "manifests" / "online-boutique"
CORPUS = ROOT.parent / "shared" / "corpus"
RELEASE = CORPUS / "online-boutique" / "release-kubernetes-manifests.yaml"


def test_hand_edits_keep_every_imported_edge_and_only_soften_the_tolerated_ones():
    manifest = load(OB).manifest
    declared = {(name, m): item.soft for name, svc in manifest.services.items()
                for item in svc.depends_on for m in item.members}
    assert set(declared) == import_sources("k8s", [str(RELEASE)]).edges()
    assert {edge for edge, soft in declared.items() if soft} == {
        ("frontend", "adservice"), ("frontend", "recommendationservice"),
        ("frontend", "checkoutservice"), ("frontend", "shippingservice"),
        ("frontend", "shoppingassistantservice"), ("checkoutservice", "emailservice")}
    assert set(manifest.flows) == {"browse", "add-to-cart", "checkout"}


def test_currencyservice_off_breaks_checkout_through_frontend_and_checkoutservice():
    result = run("check", OB, "--off", "currencyservice", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {n: f["state"] for n, f in data["flows"].items()} == {
        "browse": "broken", "add-to-cart": "broken", "checkout": "broken"}
    down = {n for n, s in data["services"].items() if s["state"] == "down" and not s["off"]}
    assert down == {"frontend", "checkoutservice", "loadgenerator"}
    text = run("check", OB, "--off", "currencyservice").stdout
    assert "requires checkoutservice -> requires currencyservice (see above)" in text


def test_ads_recommendations_email_off_only_degrade():
    result = run("check", OB, "--off", "adservice,recommendationservice,emailservice",
                 "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {f["state"] for f in data["flows"].values()} == {"degraded"}


def test_payment_off_breaks_only_checkout():
    # browse and add-to-cart stay up; they are DEGRADED only because the frontend holds a
    # soft dependency on checkoutservice, which is down (spec section 4).
    data = json.loads(run("check", OB, "--off", "paymentservice", "--format", "json").stdout)
    assert {n: f["state"] for n, f in data["flows"].items()} == {
        "browse": "degraded", "add-to-cart": "degraded", "checkout": "broken"}


def test_validates_with_only_the_load_generator_uncovered():
    result = run("validate", OB)
    assert result.exit_code == 0
    assert "'loadgenerator' is reached by no flow" in result.stdout
    assert "1 warning" in result.stdout
