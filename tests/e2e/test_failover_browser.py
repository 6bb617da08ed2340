"""A process dies mid-lesson: the page reconnects through the proxy and shows the same view.

``deploy/run.sh 2`` starts two app processes and HAProxy (cookie stickiness) on loopback. A
browser opens a prepared link through the proxy; the test kills the process that serves it
(SIGKILL, by the PID run.sh recorded). The page must reconnect by itself to the surviving
process — the proxy sees the dead one fail its health check and ignores its cookie — and,
since the settings live in the URL, be drawn anew by the survivor without a click, with the
same settings, no exception, and no traceback in the survivor's log.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    EXCEPTION,
    ROOT,
    TIMEOUT_MS,
    assert_no_exception,
    free_port,
    wait_idle,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

LINK = "sliding_window?k=sobel_x&pad=same&bias=3.5"
COOKIE = "CE_SERVER"
#: Counts the script runs the page starts from now on (window.__runs).
COUNT_RUNS = """() => {
    window.__runs = 0;
    const app = document.querySelector("[data-testid='stApp']");
    new MutationObserver(() => {
        if (app.getAttribute("data-test-script-state") === "running") window.__runs += 1;
    }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
}"""


def require_haproxy() -> None:
    """Skip without HAProxy; under ``CI`` (whose .ci/run installs it) fail instead."""
    if shutil.which("haproxy") or Path("/usr/sbin/haproxy").exists():
        return
    message = "the failover test needs HAProxy (apt-get install -y haproxy)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run every test", pytrace=False)
    pytest.skip(message)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
            return resp.read() == b"ok"
    except OSError:
        return False


@pytest.fixture
def cluster(tmp_path):
    """``deploy/run.sh 2`` on loopback: proxy URL, {"app1": pid, …}, {"app1": port, …}, run dir."""
    require_haproxy()
    front, ports = free_port(), [free_port(), free_port()]
    env = {**os.environ, "CE_BIND": f"127.0.0.1:{front}", "CE_APP_PORTS": " ".join(map(str,
           ports)), "CE_RUN_DIR": str(tmp_path), "PYTHON": sys.executable}
    log = open(tmp_path / "run.log", "wb")  # closed in the finally below
    proc = subprocess.Popen(["bash", "deploy/run.sh", "2"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{front}"
    try:
        deadline = time.monotonic() + 120
        while not (_healthy(base) and (tmp_path / "haproxy.pid").exists()):
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, "deploy/run.sh did not come up in 120 s"
            time.sleep(0.3)
        pids = [int(p) for p in (tmp_path / "apps.pid").read_text().split()]
        names = [f"app{n}" for n in range(1, len(ports) + 1)]  # run.sh's order
        yield base, dict(zip(names, pids, strict=True)), dict(zip(names, ports, strict=True)), \
            tmp_path
    finally:
        proc.send_signal(signal.SIGTERM)  # run.sh stops what it started, by PID
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _serving(context) -> str:
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert COOKIE in cookies, cookies
    return cookies[COOKIE]


def _bias(page, expected: str = "3.5") -> str:
    """The bias box's value once it shows ``expected`` (the page may still be drawing it:
    the figure's first render re-lays the widgets out), or what it shows after the wait."""
    try:
        page.wait_for_function(
            "v => { const e = document.querySelector('.st-key-sw_bias input');"
            " return e !== null && e.value === v; }", arg=expected, timeout=30_000)
    except Exception:  # the assertion below says what it shows instead
        pass
    return page.locator(".st-key-sw_bias input").input_value()


def test_killing_the_serving_process_keeps_the_view(browser, cluster):
    base, pids, ports, run_dir = cluster
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base}/{LINK}", timeout=TIMEOUT_MS)
        wait_idle(page)
        assert_no_exception(page)
        assert _bias(page) == "3.5"
        first = _serving(context)

        page.evaluate(COUNT_RUNS)
        os.kill(pids[first], signal.SIGKILL)  # the process dies mid-lesson

        # The page notices, reconnects by itself and runs the script on the other process.
        deadline = time.monotonic() + 90
        while _serving_after(context, first) is None:
            assert time.monotonic() < deadline, "the page did not reconnect within 90 s"
            time.sleep(0.5)
        # The survivor draws the page again from its URL, with no click: not the dead
        # process's last screen left standing.
        page.wait_for_function("() => window.__runs > 0", timeout=TIMEOUT_MS)
        wait_idle(page)
        page.wait_for_selector(".st-key-sw_bias input", timeout=TIMEOUT_MS)
        assert _bias(page) == "3.5"
        assert "bias=3.5" in page.url and "k=sobel_x" in page.url
        assert page.locator(EXCEPTION).count() == 0
        survivor = _serving(context)
        assert survivor != first
        log = (run_dir / f"app-{ports[survivor]}.log").read_text(errors="replace")
        assert "Traceback" not in log
    finally:
        context.close()


def _serving_after(context, dead: str) -> str | None:
    """The process the page's cookie names, once it is not ``dead`` any more."""
    value = {c["name"]: c["value"] for c in context.cookies()}.get(COOKIE)
    return value if value and value != dead else None


