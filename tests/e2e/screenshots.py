"""Screenshots of the what-if page for reports/ (``make reports`` runs this).

    python -m tests.e2e.screenshots PAGE.html OUTDIR

Opens PAGE.html (the Twitter manifest, written with no --off) in headless Chromium,
clicks sms-gateway in the service list, checks the acceptance story (2fa-login-sms
BROKEN, 2fa-login-totp ok) and saves what the reviewer sees: the top of the page,
the focused diagram of 2fa-login-sms, and what depends on sms-gateway.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e import browser


def main(page: str, outdir: str) -> None:
    out = Path(outdir)
    driver = browser.start(1400, 1300)
    try:
        browser.open_page(driver, Path(page).resolve().as_uri())
        browser.click_service(driver, "sms-gateway")
        flows = dict(browser.states(driver)["flows"])
        assert flows["2fa-login-sms"] == "broken" and flows["2fa-login-totp"] == "ok", flows
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(out / "twitter-whatif-sms-gateway-page.png"))
        driver.find_element("css selector", '[data-focus-flow="2fa-login-sms"]').click()
        driver.find_element("id", "focus").screenshot(
            str(out / "twitter-whatif-sms-gateway-2fa-login-sms.png"))
        driver.find_element("id", "show-spof").click()
        driver.find_element("css selector", '[data-focus-service="sms-gateway"]').click()
        driver.find_element("id", "focus").screenshot(
            str(out / "twitter-whatif-sms-gateway-dependents.png"))
        problems = browser.console_problems(driver)
        assert not problems, problems
        print(f"wrote screenshots to {out} ({driver.current_url.split('#')[1]})",
              file=sys.stderr)
    finally:
        driver.quit()


if __name__ == "__main__":
    main(*sys.argv[1:3])
