"""The what-if page in a real browser (issue 14): Debian's Chromium driven by Selenium,
one browser for the whole module.

The page's evaluator must agree with the Python one (spec §4) on random manifests,
whether the what-if comes from the address (``#off=``) or from clicks; no console
errors, no network requests; hostile names stay text.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pruner.analysis.evaluate import switch_off
from pruner.graph import dependency_graph
from pruner.model import ANY_OF, AT_LEAST, SINGLE, Flow, Item, Manifest, Service
from pruner.render import render
from pruner.render.common import clean, line_text
from pruner.report.check import check_report
from pruner.report.overview import overview_report
from tests.e2e import browser
from tests.render_helpers import REPO
from tests.strategies import items, manifests

EXAMPLES = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
_serial = itertools.count()


@pytest.fixture(scope="module")
def driver():
    d = browser.start()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    return tmp_path_factory.mktemp("pages")


def write_page(folder, G, off=()) -> str:
    """The page for ``G`` with ``off`` as pruner's --off, as a file:// URL."""
    overview = overview_report(G, switch_off(G, off), source="random")
    path = folder / f"page-{next(_serial)}.html"
    path.write_text(render(overview, "html", svg=None), encoding="utf-8")
    return path.as_uri()


def fragment(off) -> str:
    return "#off=" + ",".join(quote(n, safe="") for n in sorted(off))


def expected(G, off) -> tuple[dict, dict, dict]:
    ev = switch_off(G, off)
    report = check_report(G, ev)
    why = {f.name: [clean(line_text(line)) for line in f.explanation] for f in report.flows}
    return dict(ev.flows), {**ev.services, **ev.operations}, why


def assert_agrees(seen: dict, G, off) -> None:
    from pruner.errors import neutral

    flows, services, why = expected(G, off)
    # attributes written by the server carry names made inert (errors.neutral)
    flows.update({neutral(k): v for k, v in list(flows.items())})
    services.update({neutral(k): v for k, v in list(services.items())})
    why.update({neutral(k): v for k, v in list(why.items())})
    assert seen["flows"], "no element carries data-flow"
    for name, state in seen["flows"]:
        assert state == flows[name], (name, off)
    for name, state in seen["services"]:
        assert state == services[name], (name, off)
    rows = {neutral(name) for name, _ in seen["flows"]}
    assert rows == {neutral(name) for name in flows}  # small manifests: every flow is on the page
    listed = {neutral(name) for name, _ in seen["services"]}
    assert {neutral(name) for name in services} <= listed
    for name in seen["why"]:
        # Known gap (closing note of issue 14): the page names one cause per degraded
        # service, Python names every cause on extra lines; those flows are compared on
        # their first line, the rest line for line.
        if len(why[name]) > len(seen["why"][name]) and seen["why"][name]:
            assert seen["why"][name][0].startswith(why[name][0]), name
        else:
            assert seen["why"][name] == why[name], name


@st.composite
def with_operations(draw):
    """Random manifests (tests/strategies.py) where some services serve operations
    (spec §8) that depend on services or earlier operations, and a flow needs some."""
    manifest = draw(manifests())
    names = sorted(manifest.services)
    services, ops = [], []
    for svc in manifest.services.values():
        own = []
        for j in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):
            pool = [n for n in names if n != svc.name] + [o.name for o in ops]
            own.append(Service.operation(svc.name, f"op{j}", draw(items(pool)) if pool else ()))
        ops += own
        services.append(replace(svc, operations=tuple(own)))
    flows = list(manifest.flows.values())
    if ops:
        flows.append(Flow("needs-ops", draw(items([o.name for o in ops] + names).filter(bool))))
    return Manifest.from_lists(services, flows)


@st.composite
def what_ifs(draw):
    manifest = draw(with_operations())
    names = sorted(manifest.nodes)
    return (manifest, draw(st.sets(st.sampled_from(names))),
            draw(st.sets(st.sampled_from(names), max_size=4)))


@EXAMPLES
@given(case=what_ifs())
def test_address_agrees_with_the_python_evaluator(driver, pages, case):
    manifest, off, _ = case
    G = dependency_graph(manifest)
    url = write_page(pages, G)  # pruner given no --off: the address says it all
    browser.open_page(driver, url + fragment(off))
    assert_agrees(browser.states(driver), G, off)


@EXAMPLES
@given(case=what_ifs())
def test_clicks_agree_with_the_python_evaluator(driver, pages, case):
    manifest, initial, clicks = case
    G = dependency_graph(manifest)
    browser.open_page(driver, write_page(pages, G, initial))
    assert_agrees(browser.states(driver), G, initial)  # --off is the initial state
    off = set(initial)
    for name in sorted(clicks):
        browser.click_service(driver, name)
        off ^= {name}
        seen = browser.states(driver)
        assert_agrees(seen, G, off)
        named = seen["hash"].removeprefix("#off=")
        assert {unquote(n) for n in named.split(",") if n} == off


def test_hashchange_and_back_button_follow_the_address(driver, pages):
    manifest = Manifest.from_lists(
        [Service("web", (Item(SINGLE, ("db",)),)), Service("db")],
        [Flow("login", (Item(SINGLE, ("web",)),))])
    G = dependency_graph(manifest)
    url = write_page(pages, G, ["db"])
    browser.open_page(driver, url)
    assert dict(browser.states(driver)["flows"]) == {"login": "broken"}
    driver.execute_script("location.hash = '#off='")
    assert dict(browser.states(driver)["flows"]) == {"login": "ok"}
    browser.click_service(driver, "web")
    assert dict(browser.states(driver)["flows"]) == {"login": "broken"}
    assert browser.states(driver)["hash"] == "#off=web"
    driver.back()
    assert dict(browser.states(driver)["flows"]) == {"login": "ok"}


def test_twitter_clicking_sms_gateway(driver, tmp_path):
    from click.testing import CliRunner

    from pruner.cli import main

    out = tmp_path / "twitter.html"
    result = CliRunner().invoke(main, ["report", str(REPO / "manifests" / "twitter"),
                                       "--output", str(out)])
    assert result.exit_code == 0, result.output
    browser.requests(driver), driver.get_log("browser")  # drop earlier entries
    browser.open_page(driver, out.as_uri())
    flows = dict(browser.states(driver)["flows"])
    assert flows["2fa-login-sms"] == flows["2fa-login-totp"] == "ok"
    browser.click_service(driver, "sms-gateway")
    seen = browser.states(driver)
    flows = dict(seen["flows"])
    assert flows["2fa-login-sms"] == "broken" and flows["2fa-login-totp"] == "ok"
    assert dict(seen["services"])["sms-gateway"] == "down"
    assert seen["hash"] == "#off=sms-gateway"
    verdict = driver.find_element("id", "verdict").text
    assert verdict.startswith("FAIL") and "2fa-login-sms" in verdict
    # The focused diagram is drawn, and a click on a box in it toggles that service.
    driver.find_element("css selector", 'button[data-focus-flow="2fa-login-sms"]').click()
    boxes = driver.find_elements("css selector", "#focus-diagram g[data-service]")
    assert len(boxes) > 10
    # Focusing a service explains it, in the words of `pruner check`.
    from pruner.analysis.explain import explain_service
    from pruner.cli.common import load_graph

    _, G = load_graph(str(REPO / "manifests" / "twitter"))
    ev = switch_off(G, ["sms-gateway"])
    for name in ("account-recovery", "twofactor-sms"):
        driver.execute_script(
            "Array.from(document.querySelectorAll('[data-focus-service]'))"
            ".find(e => e.getAttribute('data-focus-service') === arguments[0]).click()", name)
        lines = driver.execute_script("return Array.from(document.querySelectorAll("
                                      "'#focus-caption .service-why li'), li => li.textContent)")
        assert lines == [line_text(line) for line in explain_service(G, ev, name)] != []
    driver.find_element("css selector", 'button[data-focus-flow="2fa-login-sms"]').click()
    browser.click_service(driver, "sms-gateway", where="#focus-diagram")
    assert dict(browser.states(driver)["flows"])["2fa-login-sms"] == "ok"
    assert browser.console_problems(driver) == []
    assert [u for u in browser.requests(driver) if not u.startswith("file://")] == []


HOSTILE = ['quote"d', "single'q", "<script>window.pwned=1</script>",
           "<img src=x onerror=window.pwned=2>", "bidi\u202eevil\u202c", "hash#tag",
           "com,ma", "per%25cent", "amp&amp;", "back\\slash", "new\nline"]


def hostile_graph():
    services = [Service(name, (Item(SINGLE, (HOSTILE[(i + 1) % len(HOSTILE)],), soft=i % 3 == 0,
                                    note="<b>" + name),) if i + 1 < len(HOSTILE) else (),
                        description=f"<i>{name}</i>", owner="</script><script>pwned=3")
                for i, name in enumerate(HOSTILE)]
    services.append(Service("plain", (Item(ANY_OF, (HOSTILE[2], HOSTILE[3])),
                                      Item(AT_LEAST, (HOSTILE[4], HOSTILE[5], HOSTILE[6]), 2))))
    flows = [Flow(name, (Item(SINGLE, (name,)), Item(SINGLE, ("plain",))), description=name)
             for name in HOSTILE]
    return dependency_graph(Manifest.from_lists(services, flows))


def test_hostile_names_stay_inert(driver, pages):
    G = hostile_graph()
    browser.requests(driver), driver.get_log("browser")
    url = write_page(pages, G, [HOSTILE[2]])
    browser.open_page(driver, url)
    assert_agrees(browser.states(driver), G, {HOSTILE[2]})
    off = {HOSTILE[6], HOSTILE[5], HOSTILE[7]}
    driver.get(url + fragment(off))
    browser.wait_ready(driver)
    assert_agrees(browser.states(driver), G, off)
    for name in (HOSTILE[0], HOSTILE[3], HOSTILE[8]):
        browser.click_service(driver, name)
        off ^= {name}
        assert_agrees(browser.states(driver), G, off)
    driver.find_element("id", "show-spof").click()
    for flow in HOSTILE[:4]:
        driver.execute_script(
            "Array.from(document.querySelectorAll('[data-focus-flow]'))"
            ".find(e => e.getAttribute('data-focus-flow') === arguments[0]).click()", flow)
    assert driver.execute_script("return window.pwned === undefined")
    assert driver.execute_script("return document.scripts.length") == 2
    injected = "return document.querySelectorAll('img, iframe, b, i').length"
    assert driver.execute_script(injected) == 0
    assert driver.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap(e => "
        "Array.from(e.attributes, a => a.name)).filter(n => n.startsWith('on')).length") == 0
    assert browser.console_problems(driver) == []
    assert [u for u in browser.requests(driver) if not u.startswith("file://")] == []


def test_scripts_disabled_show_the_initial_state(tmp_path):
    """With JavaScript off, the page as pruner wrote it is the --off state."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as ChromeService

    options = webdriver.ChromeOptions()
    options.binary_location = browser.CHROMIUM
    for flag in browser.FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings"
                                              ".javascript": 2})
    d = webdriver.Chrome(service=ChromeService(browser.CHROMEDRIVER), options=options)
    try:
        G = hostile_graph()
        url = write_page(tmp_path, G, [HOSTILE[6]])
        d.get(url + fragment([HOSTILE[0]]))  # the address is ignored without scripts
        assert d.execute_script is not None
        rows = d.find_elements("css selector", "[data-flow]")
        seen = {"flows": [(r.get_attribute("data-flow"), r.get_attribute("data-state"))
                          for r in rows],
                "services": [(r.get_attribute("data-service"), r.get_attribute("data-state"))
                             for r in d.find_elements("css selector", "[data-service]")],
                "why": {r.get_attribute("data-flow"): [li.get_attribute("textContent")
                                                      for li in r.find_elements(
                                                          "css selector", ".why li")]
                        for r in rows}}
        assert_agrees(seen, G, {HOSTILE[6]})
        assert d.find_element("id", "static-diagram").is_displayed()
    finally:
        d.quit()


@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=what_ifs())
def test_cli_page_opened_with_an_address_agrees_with_check_json(driver, pages, case):
    """The acceptance line end to end: a manifest file, `pruner report` with no --off,
    the page opened as F.html#off=A,B, against `pruner check --off A,B --format json`."""
    import json

    from click.testing import CliRunner

    from pruner.cli import main
    from tests.strategies import document

    manifest, off, _ = case
    n = next(_serial)
    path, page = pages / f"m{n}.yaml", pages / f"cli-{n}.html"
    path.write_text(json.dumps(document_with_operations(manifest, document)))
    result = CliRunner().invoke(main, ["report", str(path), "--output", str(page)])
    assert result.exit_code == 0, result.output
    args = ["check", str(path), "--format", "json"] + (["--off", ",".join(off)] if off else [])
    checked = json.loads(CliRunner().invoke(main, args).stdout)
    browser.open_page(driver, page.as_uri() + fragment(off))
    seen = browser.states(driver)
    states = {name: s["state"] for name, s in checked["services"].items()}
    if "operations" in checked:
        states.update((name, s["state"]) for name, s in checked["operations"].items())
    else:  # check's JSON does not list operations yet: the Python evaluator does
        states.update(switch_off(dependency_graph(manifest), off).operations)
    assert {name: s for name, s in seen["flows"]} == {
        name: f["state"] for name, f in checked["flows"].items()}
    for name, state in seen["services"]:
        assert state == states[name], name


def document_with_operations(manifest, document):
    """tests/strategies.document, plus each service's operations (spec §8 syntax)."""
    doc = document(manifest)
    for svc in manifest.services.values():
        if svc.operations:
            doc["services"][svc.name]["operations"] = {
                op.name.split(":", 1)[1]: {"depends_on": [
                    item_document(i) for i in op.own_items]} for op in svc.operations}
    return doc


def item_document(item):
    from tests.strategies import item_document as plain

    return plain(item)
