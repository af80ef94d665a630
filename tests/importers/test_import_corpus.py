"""Each corpus folder imported with each applicable importer: the edges the data states."""

from __future__ import annotations

import pytest
import yaml

from pruner.importers import import_sources, result_to_yaml

OB_FRONTEND = {
    "productcatalogservice", "currencyservice", "cartservice", "recommendationservice",
    "shippingservice", "checkoutservice", "adservice", "shoppingassistantservice",
}  # fmt: skip
OB_CHECKOUT = {
    "productcatalogservice", "shippingservice", "paymentservice", "emailservice",
    "currencyservice", "cartservice",
}  # fmt: skip
OB_EDGES = (
    {("frontend", t) for t in OB_FRONTEND}
    | {("checkoutservice", t) for t in OB_CHECKOUT}
    | {
        ("recommendationservice", "productcatalogservice"),
        ("cartservice", "redis-cart"),
        ("loadgenerator", "frontend"),
    }
)


@pytest.mark.parametrize(
    "rel",
    ["online-boutique/release-kubernetes-manifests.yaml", "online-boutique/kubernetes-manifests",
     "online-boutique"],
)  # fmt: skip
def test_online_boutique_k8s_edges_are_the_addr_variables(corpus, v1, rel):
    r = import_sources("k8s", [str(corpus / rel)])
    v1(r.document)
    assert r.edges() == OB_EDGES
    services = r.document["services"]
    assert set(services) == {
        "frontend", "adservice", "cartservice", "checkoutservice", "currencyservice",
        "emailservice", "loadgenerator", "paymentservice", "productcatalogservice",
        "recommendationservice", "redis-cart", "shippingservice", "shoppingassistantservice",
    }  # fmt: skip
    # frontend-external selects the frontend Deployment: no service of its own.
    assert "frontend-external" in services["frontend"]["description"]
    # The dangling reference is a stub and a warning.
    assert services["shoppingassistantservice"]["tags"] == ["external"]
    assert any("shoppingassistantservice" in n and "not defined" in n for n in r.notes)
    # Notes say which variable each edge comes from.
    dep = {d["service"]: d for d in services["checkoutservice"]["depends_on"]}
    assert dep["paymentservice"]["note"].startswith("env PAYMENT_SERVICE_ADDR=paymentservice:50051")
    assert any("ServiceAccount" in n for n in r.notes)


def test_online_boutique_whole_folder_notes_duplicates(corpus):
    r = import_sources("k8s", [str(corpus / "online-boutique")])
    assert any("defined more than once" in n for n in r.notes)


def test_sock_shop_k8s_states_almost_nothing(corpus, v1):
    r = import_sources("k8s", [str(corpus / "sock-shop")])
    v1(r.document)
    # env mongo=user-db:27017 and ZIPKIN=zipkin.jaeger.svc.cluster.local are all there is.
    assert r.edges() == {("user", "user-db"), ("shipping", "zipkin.jaeger")}
    assert len(r.document["services"]) == 15  # 14 workloads + the zipkin stub
    assert any("only 2 of 15 services" in n for n in r.notes)
    assert any("docker-compose.yml" in n and "skipped" in n for n in r.notes)


def test_sock_shop_compose(corpus, v1):
    r = import_sources("compose", [str(corpus / "sock-shop" / "docker-compose.yml")])
    v1(r.document)
    assert r.edges() == {("user", "user-db")}
    assert len(r.document["services"]) == 15
    assert any("hard-coded hostnames" in n for n in r.notes)


def test_train_ticket_k8s_states_no_edges(corpus, v1):
    r = import_sources("k8s", [str(corpus / "train-ticket" / "quickstart-k8s")])
    v1(r.document)
    assert r.edges() == set()
    assert len(r.document["services"]) == 64
    assert any("state no dependencies" in n and "hard-coded" in n for n in r.notes)


def test_train_ticket_compose(corpus, v1):
    r = import_sources("compose", [str(corpus / "train-ticket" / "docker-compose.yml")])
    v1(r.document)
    assert r.edges() == {("ts-voucher-service", "ts-voucher-mysql")}
    assert len(r.document["services"]) == 68


SOCIAL_DB = {
    "social-graph-service": {"social-graph-mongodb"},
    "post-storage-service": {"post-storage-mongodb"},
    "user-timeline-service": {"user-timeline-mongodb"},
    "url-shorten-service": {"url-shorten-mongodb"},
    "user-service": {"user-mongodb"},
    "media-service": {"media-mongodb"},
}
SOCIAL_JAEGER_ONLY = {
    "compose-post-service", "text-service", "unique-id-service", "user-mention-service",
    "home-timeline-service", "nginx-thrift", "media-frontend",
}  # fmt: skip


def test_deathstarbench_social_network_compose(corpus, v1):
    r = import_sources("compose", [str(corpus / "deathstarbench" / "socialNetwork")])
    v1(r.document)
    expected = {(s, "jaeger-agent") for s in SOCIAL_JAEGER_ONLY | set(SOCIAL_DB)}
    expected |= {(s, d) for s, ds in SOCIAL_DB.items() for d in ds}
    assert r.edges() == expected
    assert len(r.document["services"]) == 27
    dep = r.document["services"]["user-service"]["depends_on"]
    assert all("condition: service_started" in d["note"] for d in dep)


HOTEL = {
    "frontend": set(), "search": set(), "profile": {"mongodb-profile", "memcached-profile"},
    "geo": {"mongodb-geo"}, "rate": {"mongodb-rate", "memcached-rate"},
    "review": {"mongodb-review", "memcached-review"}, "attractions": {"mongodb-attractions"},
    "recommendation": {"mongodb-recommendation"}, "user": {"mongodb-user"},
    "reservation": {"mongodb-reservation", "memcached-reserve"},
}  # fmt: skip


def test_deathstarbench_hotel_reservation_compose(corpus, v1):
    r = import_sources("compose", [str(corpus / "deathstarbench" / "hotelReservation")])
    v1(r.document)
    expected = {(s, "consul") for s in HOTEL} | {(s, d) for s, ds in HOTEL.items() for d in ds}
    assert r.edges() == expected
    assert len(r.document["services"]) == 24


def test_backstage_examples(corpus, v1):
    r = import_sources("backstage", [str(corpus / "backstage-examples")])
    v1(r.document)
    assert r.edges() == {
        ("www-artist", "artist-lookup"),
        ("artist-lookup", "artists-db"),
        ("wayback-search", "wayback-archive"),
        # subcomponentOf: the archive needs its parts, so essential keeps its storage
        ("wayback-archive", "wayback-archive-ingestion"),
        ("wayback-archive", "wayback-archive-storage"),
    }
    s = r.document["services"]
    assert set(s) == {
        "artist-lookup", "artists-db", "www-artist", "wayback-search", "wayback-archive",
        "wayback-archive-ingestion", "wayback-archive-storage",
    }  # fmt: skip
    assert s["artist-lookup"]["owner"] == "team-a"
    assert s["artist-lookup"]["system"] == "artist-engagement-portal"
    assert s["wayback-archive-ingestion"]["owner"] == "team-d"
    assert "subcomponent of wayback-archive" in s["wayback-archive-ingestion"]["description"]


TT = "train-ticket/zipkin-v1-traces"
CASE1 = {
    "preserve": {"contacts", "notification", "order", "seat", "security", "sso", "station",
                 "ticketinfo", "travel"},
    "travel": {"order", "route", "seat", "ticketinfo", "train"},
    "seat": {"config", "order", "travel"},
    "security": {"order", "order-other"},
    "ticketinfo": {"basic"},
    "basic": {"price", "route", "station", "train"},
    "contacts": {"sso"},
    "order": {"sso"},
}  # fmt: skip


def _ts(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(f"ts-{a}-service", f"ts-{b}-service") for a, bs in edges.items() for b in bs}


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        (f"{TT}/case1-success-preserve.json", _ts(CASE1)),
        (f"{TT}/case2-fail1-zipkin-upload.json", _ts({"admin-route": {"route"}})),
        (f"{TT}/ts-large-sample-error-normal/cancel-1.json",
         _ts({"cancel": {"order", "order-other"}})),
        (f"{TT}/ts-large-sample-error-normal/cancel-2.json",
         _ts({"cancel": {"inside-payment", "order", "order-other", "sso"},
              "order-other": {"sso"}})),
        (f"{TT}/ts-large-sample-error-normal/login.json",
         _ts({"login": {"sso", "verification-code"}})),
        (f"{TT}/ts-large-sample-error-normal/order.json", _ts({"order": {"sso"}})),
        (f"{TT}/ts-large-sample-error-normal/order-other.json", _ts({"order-other": {"sso"}})),
    ],
)  # fmt: skip
def test_train_ticket_zipkin_v1_edges(corpus, v1, rel, expected):
    r = import_sources("zipkin", [str(corpus / rel)])
    v1(r.document)
    assert r.edges() == expected


def test_train_ticket_zipkin_folder_counts_calls(corpus, v1):
    r = import_sources("zipkin", [str(corpus / TT)])
    v1(r.document)
    assert len(r.edges()) == 34
    dep = {d["service"]: d for d in r.document["services"]["ts-ticketinfo-service"]["depends_on"]}
    assert dep["ts-basic-service"]["note"] == "observed in Zipkin traces: 10 calls"
    assert any("104 span(s) of 7 trace(s) from 7 file(s)" in n for n in r.notes)


@pytest.mark.parametrize(
    ("kind", "rel"),
    [("k8s", "online-boutique"), ("k8s", "sock-shop"), ("compose", "deathstarbench"),
     ("backstage", "backstage-examples"), ("zipkin", "train-ticket")],
)  # fmt: skip
def test_emitted_yaml_round_trips(corpus, v1, kind, rel):
    r = import_sources(kind, [str(corpus / rel)])
    text = result_to_yaml(r)
    assert yaml.safe_load(text) == r.document
    assert result_to_yaml(import_sources(kind, [str(corpus / rel)])) == text
    assert "flows" in text.split("version: 1")[0]  # the header says flows are missing
    v1(yaml.safe_load(text))
