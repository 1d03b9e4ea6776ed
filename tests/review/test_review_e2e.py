"""End to end: `petition-scan review` driven in a real headless Chromium, then `export`.

Debian's chromium + chromium-driver, driven by Selenium through
/usr/bin/chromedriver (never Selenium Manager, which would download). The store
is built through the store API with small PNG crops drawn by OpenCV (no OCR).
Keystrokes beyond typing a correction are counted (target: at most 2 per row).
Set REVIEW_SHOTS=DIR to keep the screenshots.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from scanner.store import RowStatus, Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
selenium = pytest.importorskip("selenium", reason="pip install selenium (dev dependency)")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "petition-scan"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys, pipeline; sys.exit(pipeline.main())"]


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    monkeypatch.setenv("SE_OFFLINE", "true")  # belt and braces: Selenium Manager must never fetch anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1366,768", "--lang=en-GB",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def review_server(scenario_path: tuple[Path, dict[str, int]]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    path, _ = scenario_path
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*_cli(), "review", "--store", str(path), "--no-browser", "--lang", "en", "--who", "e2e"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
    assert match, f"no address printed: {line!r}"
    yield match.group(0), proc
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)


class Keyboard:
    """Sends keys and counts those that are not part of typing a value."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.extra = 0
        self.typed = 0

    def type(self, text: str) -> None:
        self.driver.switch_to.active_element.send_keys(text)
        self.typed += len(text)

    def enter(self) -> None:
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.extra += 1

    def press(self, key: str) -> None:
        ActionChains(self.driver).send_keys(key).perform()
        self.extra += 1

    def alt(self, letter: str) -> None:
        ActionChains(self.driver).key_down(Keys.ALT).send_keys(letter).key_up(Keys.ALT).perform()
        self.extra += 1

    def take(self) -> tuple[int, int]:
        counts = (self.typed, self.extra)
        self.typed = self.extra = 0
        return counts


def _wait(driver: WebDriver, check: Callable[[WebDriver], object], what: str) -> None:
    WebDriverWait(driver, 15, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        check, message=f"timed out waiting for {what}"
    )


def _heading(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "row-h").text)


def _wait_row(driver: WebDriver, where: str) -> None:
    _wait(driver, lambda d: _heading(d).startswith(where), where)


def _shot(driver: WebDriver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    keep = os.environ.get("REVIEW_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)
    return path


def test_review_in_chromium_then_export(
    browser: WebDriver,
    review_server: tuple[str, subprocess.Popen[str]],
    scenario_path: tuple[Path, dict[str, int]],
    tmp_path: Path,
) -> None:
    url, proc = review_server
    path, ids = scenario_path
    base = url.split("/?", 1)[0]
    keys = Keyboard(browser)
    costs: dict[str, tuple[int, int]] = {}

    # 1. Correct a misread postcode: the doubtful value is focused and selected, typing replaces it.
    browser.get(url)
    _wait_row(browser, "scan-a.pdf, page 1, line 2")
    assert "token=" not in browser.current_url
    focus = browser.execute_script(
        "const e = document.activeElement; return [e.id, e.selectionStart, e.selectionEnd, e.value];"
    )
    assert focus == [f"v-{ids['martin']}-code_postal", 0, 5, "69008"]
    _shot(browser, tmp_path, "review-row.png")
    keys.type("69003")
    keys.enter()
    _wait_row(browser, "scan-a.pdf, page 1, line 3")
    costs["correct a field"] = keys.take()
    assert "Row scan-a.pdf:1:2 accepted." in browser.find_element(By.CSS_SELECTOR, "p.msg").text

    # 2. Reject a crossed-out line.
    assert "Line crossed out on paper" in browser.find_element(By.ID, "why-list").text
    keys.alt("r")
    _wait_row(browser, "scan-a.pdf, page 1, line 4")
    costs["reject a line"] = keys.take()

    # 3. Skip a row, then confirm a duplicate shown side by side.
    keys.alt("s")
    _wait_row(browser, "scan-b.pdf, page 1, line 1")
    costs["skip"] = keys.take()
    side = browser.find_element(By.CSS_SELECTOR, "table.side").text
    assert "Already stored: scan-a.pdf:1:1" in side and side.count("jean.dupont@exemple.fr") == 2
    keys.alt("l")  # the whole line's image, on demand
    _wait(browser, lambda d: d.execute_script("return document.querySelector('details.line img').naturalWidth > 0"),
          "the line image")
    _shot(browser, tmp_path, "review-duplicate.png")
    keys.take()
    keys.alt("d")
    _wait_row(browser, "scan-b.pdf, page 1, line 2")
    costs["confirm a duplicate"] = keys.take()

    # 4. Undo it (Alt+Z): the row comes back; confirm it again.
    keys.alt("z")
    _wait_row(browser, "scan-b.pdf, page 1, line 1")
    assert "Decision undone" in browser.find_element(By.CSS_SELECTOR, "p.msg").text
    keys.press(Keys.ESCAPE)  # out of the text box: the letter alone is the shortcut
    keys.press("d")
    _wait_row(browser, "scan-b.pdf, page 1, line 2")
    keys.take()

    # 5. Two tabs on the same row: the second one gets "already decided", not an overwrite.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(f"{base}/row/{ids['petit']}")
    _wait_row(browser, "scan-b.pdf, page 1, line 2")
    second = browser.current_window_handle
    browser.switch_to.window(first)
    keys.enter()  # accept PETIT as signed
    _wait_row(browser, "scan-a.pdf, page 1, line 4")  # wrapped round to the skipped row
    costs["accept as read"] = keys.take()
    browser.switch_to.window(second)
    keys.alt("r")
    _wait(browser, lambda d: "already decided" in d.find_element(By.CSS_SELECTOR, "p.msg").text, "the conflict")
    keys.take()
    browser.close()
    browser.switch_to.window(first)

    # 6. Field by field: every doubtful e-mail at once, saved in place.
    browser.get(f"{base}/fields?column=email")
    _wait(browser, lambda d: d.switch_to.active_element.get_attribute("name") == "value", "the first e-mail")
    assert browser.execute_script("const e = document.activeElement; return e.selectionEnd - e.selectionStart;") == 24
    keys.type("louise.bernard@exemple.fr")
    keys.enter()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.done"), "the saved value")
    costs["correct a field (field mode)"] = keys.take()
    assert "the row is accepted" in browser.find_element(By.CSS_SELECTOR, "li.done .state").text
    assert browser.find_element(By.CSS_SELECTOR, "#counter strong").text == "0 row(s) left to review"
    _shot(browser, tmp_path, "review-fields.png")
    labels = browser.execute_script(
        "return [...document.querySelectorAll('input:not([type=hidden])')].every(i => i.labels.length > 0);"
    )
    assert labels, "every input has a <label>"

    # 7. The page in French (the language link sets a cookie), on a decided row: it can be reopened.
    browser.get(f"{base}/row/{ids['leroy']}")
    browser.find_element(By.CSS_SELECTOR, "a[lang='fr']").click()
    _wait(browser, lambda d: "Déjà décidée : rejetée." in d.find_element(By.CSS_SELECTOR, "p.decided").text,
          "the French page")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    assert "Ligne barrée sur le papier" in browser.find_element(By.ID, "why-list").text
    _shot(browser, tmp_path, "review-decided-fr.png")

    # 8. Stop the server (Ctrl+C): nothing is lost.
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Every decision is saved" in out

    # 9. Export has the corrected rows, not the rejected line nor the duplicate.
    final = tmp_path / "final.csv"
    done = subprocess.run([*_cli(), "export", "--store", str(path), "--out", str(final)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    with final.open(encoding="utf-8") as handle:
        rows = [(r["source"], r["row"], r["nom"], r["email"], r["code_postal"]) for r in csv.DictReader(handle)]
    assert rows == [
        ("scan-a.pdf", "1", "DUPONT", "jean.dupont@exemple.fr", "75011"),
        ("scan-a.pdf", "2", "MARTIN", "claire.martin@exemple.fr", "69003"),
        ("scan-a.pdf", "4", "BERNARD", "louise.bernard@exemple.fr", "33000"),
        ("scan-b.pdf", "2", "PETIT", "emma.petit@exemple.fr", "59000"),
    ]

    # 10. The audit trail has every decision, the undo included.
    with Store.open(path, create=False) as store:
        trail = {name: [(d.action, d.column, d.old_value, d.new_value) for d in store.decisions(ids[name])]
                 for name in ("martin", "leroy", "dupont2", "petit")}
        assert {d.who for d in store.decisions()} == {"e2e"}
        leroy = store.get_row(ids["leroy"])
        assert leroy is not None and leroy.status is RowStatus.REJECTED
    assert trail["martin"] == [("correct", "code_postal", "69008", "69003"), ("accept", None, "review", "accepted")]
    assert trail["leroy"] == [("reject", None, "review", "rejected")]
    assert [a for a, *_ in trail["dupont2"]] == ["duplicate", "reopen", "duplicate"]
    assert [a for a, *_ in trail["petit"]] == ["accept"]

    print("\nkeystrokes (typed, beyond typing):", costs)
    assert all(extra <= 2 for _, extra in costs.values()), costs
