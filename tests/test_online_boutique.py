"""manifests/online-boutique: imported from the release manifests, then hand-edited."""

from __future__ import annotations

import json

from pruner.importers import import_sources
from pruner.loader import load
from tests.conftest import ROOT, run

OB = ROOT / "manifests" / "online-boutique"
CORPUS = ROOT / "tests" / "corpus"
RELEASE = CORPUS / "online-boutique" / "release-kubernetes-manifests.yaml"


def test_hand_edits_keep_every_imported_edge_and_only_soften_the_tolerated_ones():
    manifest = load(OB).manifest
    declared: dict[tuple[str, str], set[bool]] = {}
    for name, node in manifest.nodes.items():
        for item in node.own_items:  # an operation's edges count as its service's
            for m in item.members:
                declared.setdefault((name, m), set()).add(item.soft)
    projected = {(n.partition(":")[0], m) for n, m in declared}
    assert projected == import_sources("k8s", [str(RELEASE)]).edges()
    assert {edge for edge, soft in declared.items() if soft == {True}} == {
        ("frontend:home", "adservice"), ("frontend:product", "adservice"),
        ("frontend:product", "recommendationservice"), ("frontend:cart", "recommendationservice"),
        ("frontend:checkout", "recommendationservice"),
        ("frontend", "shoppingassistantservice"), ("checkoutservice", "emailservice")}
    assert set(manifest.flows) == {"browse", "add-to-cart", "checkout"}
    assert set(manifest.operations) == {
        "frontend:home", "frontend:product", "frontend:cart", "frontend:add-to-cart",
        "frontend:checkout"}


def test_currencyservice_off_breaks_checkout_through_frontend_and_checkoutservice():
    result = run("check", OB, "--off", "currencyservice", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {n: f["state"] for n, f in data["flows"].items()} == {
        "browse": "broken", "add-to-cart": "broken", "checkout": "broken"}
    down = {n for n, s in data["services"].items() if s["state"] == "down" and not s["off"]}
    assert down == {"frontend", "checkoutservice", "loadgenerator"}
    text = run("check", OB, "--off", "currencyservice").stdout
    assert "requires frontend:home -> frontend (service down) -> requires currencyservice" in text


def test_ads_recommendations_email_off_only_degrade():
    result = run("check", OB, "--off", "adservice,recommendationservice,emailservice",
                 "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {f["state"] for f in data["flows"].values()} == {"degraded"}


def test_payment_off_breaks_only_checkout():
    # Only the checkout route needs checkoutservice (spec §8): browse and add-to-cart stay
    # OK. (Before the routes were operations, the frontend held a soft dependency on
    # checkoutservice and both were DEGRADED.)
    data = json.loads(run("check", OB, "--off", "paymentservice", "--format", "json").stdout)
    assert {n: f["state"] for n, f in data["flows"].items()} == {
        "browse": "ok", "add-to-cart": "ok", "checkout": "broken"}
    assert data["services"]["frontend"]["state"] == "up"
    assert data["operations"]["frontend:checkout"]["state"] == "down"


def test_shipping_off_breaks_the_cart_page_and_checkout_but_not_browse():
    data = json.loads(run("check", OB, "--off", "shippingservice", "--format", "json").stdout)
    assert {n: f["state"] for n, f in data["flows"].items()} == {
        "browse": "ok", "add-to-cart": "broken", "checkout": "broken"}


def test_validates_with_only_the_load_generator_uncovered():
    result = run("validate", OB)
    assert result.exit_code == 0
    assert "'loadgenerator' is reached by no flow" in result.stdout
    assert "1 warning" in result.stdout
