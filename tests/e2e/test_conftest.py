"""The browser tests' skip rule: skip locally without Chromium, fail under CI."""

from __future__ import annotations

import pytest

from tests.e2e import conftest


@pytest.mark.parametrize(("ci", "outcome"), [
    pytest.param(None, pytest.skip.Exception, id="local-skips"),
    pytest.param("true", pytest.fail.Exception, id="ci-fails"),
])
def test_missing_chromium(monkeypatch, ci, outcome):
    monkeypatch.setattr(conftest, "CHROMIUM", "/nonexistent/chromium")
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="/nonexistent/chromium"):
        conftest.require_chromium()


def test_present_chromium_passes(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setattr(conftest, "CHROMIUM", str(fake))
    monkeypatch.setenv("CI", "true")
    conftest.require_chromium()  # playwright is installed in the dev requirements
