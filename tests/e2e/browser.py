"""Debian's Chromium driven by Selenium, with nothing downloaded and no network.

Selenium Manager is kept offline (``SE_OFFLINE=1``) and handed the system
``chromedriver``; the browser runs headless with every background fetch switched
off and a proxy that leads nowhere, so a request the page made would fail loudly
in the performance log instead of reaching anything.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--proxy-server=127.0.0.1:9",
         "--proxy-bypass-list=<-loopback>", "--hide-scrollbars"]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def start(width: int = 1400, height: int = 1000):
    """A Selenium Chrome driver on the system Chromium (console and network logs on)."""
    os.environ["SE_OFFLINE"] = "1"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
    assert binary and driver_path, "chromium / chromedriver missing: run `make test`"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


def open_page(driver, url: str, timeout: float = 10.0) -> None:
    """Load ``url`` and wait until the page's script says it is ready."""
    driver.get(url)
    wait_ready(driver, timeout)


def wait_ready(driver, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if driver.execute_script("return document.body && document.body.dataset.ready"):
            return
        time.sleep(0.02)
    raise AssertionError("the page's script never became ready")


STATES_JS = """
const pick = (sel, attr) => Array.from(document.querySelectorAll(sel),
  e => [e.getAttribute(attr), e.getAttribute('data-state')]);
return {flows: pick('[data-flow]', 'data-flow'), services: pick('[data-service]', 'data-service'),
        why: Object.fromEntries(Array.from(document.querySelectorAll('tr[data-flow]'),
          r => [r.getAttribute('data-flow'), Array.from(r.querySelectorAll('.why li'),
                                                         li => li.textContent)])),
        hash: location.hash};
"""


def states(driver) -> dict:
    """Every ``data-flow`` / ``data-service`` element's name and state, the explanation
    lines of each flow row, and the address's fragment."""
    return driver.execute_script(STATES_JS)


def console_problems(driver) -> list[dict]:
    """Browser log entries at WARNING or worse (console errors, CSP violations)."""
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def requests(driver) -> list[str]:
    """URLs of every network request since the last call, from the performance log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def click_service(driver, name: str, where: str = "#service-list") -> None:
    """A real click (Selenium's, at the element's position) on service ``name``."""
    element = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[1] + ' [data-service]'))"
        ".find(e => e.getAttribute('data-service') === arguments[0]) || null;", name, where)
    assert element is not None, f"no clickable {name!r} in {where}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()
