"""The what-if page on a big manifest (issue 14): how long `pruner report` takes
against the load cost, how fast the page opens in Chromium, and the browser's
peak memory.

    python benchmarks/whatif.py [--services 20000] [--runs 3]

One run, on one machine, ratios from that run:

- load: python start + `import pruner.cli` + `yaml.load(text, CSafeLoader)` of the
  manifest, and the same with the GC paused (the two baselines of bench.py), best of
  ``--runs``;
- report: `pruner report M --output F.html` (no --off: the page has everything),
  best of ``--runs``; the ratio report / load is the acceptance figure (<= 3x);
- in headless Chromium (Selenium, system chromedriver, nothing downloaded), best of
  ``--runs`` fresh loads: time until the page's script is ready (``performance.now()``
  at the end of start-up, which counts parsing the HTML and the JSON model), then a
  click on a service in the list (evaluate + redraw), a search, focusing a flow and a
  service;
- peak memory: the summed PSS (proportional set size) of chromedriver's process
  tree (browser, renderer, GPU and utility processes), polled from /proc every 20 ms
  while the page opens and is used; also the summed RSS (which counts shared pages
  once per process) and the peak RSS of the largest single process (the renderer).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
ENV = dict(os.environ, PYTHONPATH=str(REPO))
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

LOAD = """
import sys, yaml
import pruner.cli
yaml.load(open(sys.argv[1], encoding="utf-8").read(), Loader=yaml.CSafeLoader)
"""

LOAD_NO_GC = """
import gc, sys, yaml
import pruner.cli
text = open(sys.argv[1], encoding="utf-8").read()
gc.disable()
yaml.load(text, Loader=yaml.CSafeLoader)
"""


def best(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError):
        return 0


def pss(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them,
    so the sum over a process tree counts each page once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class Peak(threading.Thread):
    """Polls the RSS of a process tree until stopped; keeps the peaks."""

    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root, self.total, self.single, self.running = root, 0, 0, True
        self.rss_total = 0

    def run(self):
        while self.running:
            pids = tree(self.root)
            sizes = [rss(p) for p in pids]
            self.rss_total = max(self.rss_total, sum(sizes))
            self.single = max(self.single, max(sizes, default=0))
            self.total = max(self.total, sum(pss(p) for p in pids))
            time.sleep(0.02)


def main() -> None:
    from measure import byte_compile

    byte_compile()  # as an install does (bench.byte_compile)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tests.e2e import browser

    with tempfile.TemporaryDirectory() as tmp:
        manifest, page = Path(tmp) / "m.yaml", Path(tmp) / "m.html"
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(args.services),
                        "-o", str(manifest)], check=True, env=ENV, stdout=subprocess.DEVNULL)
        load = best([sys.executable, "-c", LOAD, str(manifest)], args.runs)
        strict = best([sys.executable, "-c", LOAD_NO_GC, str(manifest)], args.runs)
        report = best([sys.executable, "-m", "pruner", "report", str(manifest), "--output",
                       str(page)], args.runs)
        size = page.stat().st_size
        driver = browser.start(1400, 1000)
        peak = Peak(driver.service.process.pid)
        peak.start()
        try:
            opens = []
            for _ in range(args.runs):  # best of --runs fresh loads
                start = time.perf_counter()
                browser.open_page(driver, page.as_uri(), timeout=60)
                opens.append((time.perf_counter() - start,
                              int(driver.execute_script("return document.body.dataset.readyMs")),
                              int(driver.execute_script("return document.body.dataset.scriptMs"))))
                driver.get("about:blank")
            opened, ready_ms, script_ms = min(opens)
            browser.open_page(driver, page.as_uri(), timeout=60)
            name = driver.execute_script(
                "return document.querySelectorAll('#service-list [data-service]')[5]"
                ".getAttribute('data-service')")
            start = time.perf_counter()
            browser.click_service(driver, name)
            clicked = time.perf_counter() - start
            flows = dict(browser.states(driver)["flows"])
            search = driver.find_element("id", "svc-search")
            start = time.perf_counter()
            search.send_keys("l4-svc-1999")
            searched = time.perf_counter() - start
            start = time.perf_counter()
            driver.find_elements("css selector", "[data-focus-flow]")[3].click()
            focus_flow = time.perf_counter() - start
            drawn = len(driver.find_elements("css selector", "#focus-diagram g.node"))
            start = time.perf_counter()
            driver.find_element("css selector", "#service-list [data-focus-service]").click()
            focus_service = time.perf_counter() - start
            problems = browser.console_problems(driver)
            dom = driver.execute_script("return document.getElementsByTagName('*').length")
        finally:
            peak.running = False
            peak.join()
            driver.quit()
    mib = 1024 * 1024
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"services: {args.services}; page: {size / mib:.1f} MiB, {dom} elements in the DOM")
    print(f"load {load:.2f} s, GC-paused load {strict:.2f} s; report {report:.2f} s = "
          f"{report / load:.2f}x the load cost ({report / strict:.2f}x the GC-paused load)")
    print(f"browser: opened in {opened:.2f} s (script ready {ready_ms} ms after navigation, "
          f"of which the script {script_ms} ms); "
          f"click {clicked * 1000:.0f} ms; search {searched * 1000:.0f} ms (12 keystrokes); "
          f"focus a flow {focus_flow * 1000:.0f} ms ({drawn} boxes); "
          f"focus a service {focus_service * 1000:.0f} ms")
    print(f"peak memory of chromedriver + Chromium's process tree: {peak.total / mib:.0f} MiB "
          f"PSS ({peak.rss_total / mib:.0f} MiB summed RSS, which counts shared pages once per "
          f"process); the largest process (the renderer) {peak.single / mib:.0f} MiB RSS")
    print(f"flows after the click: {sum(1 for s in flows.values() if s != 'ok')} not ok; "
          f"console problems: {len(problems)}")


if __name__ == "__main__":
    main()
