"""The translation layer and the catalogues: complete in both directions, placeholders equal,
the d2l-zh glossary used consistently, and the runtime switching languages."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from tools import catalogue
from ui import i18n
from ui.i18n import N_, _, use_language


def test_the_chinese_catalogue_matches_the_code():
    """Every marked message translated, none stale, placeholders equal, glossary followed."""
    assert catalogue.problems("zh") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("The {k}×{k} kernel", Counter({"{k}": 2})),
    ("{n:,} weights and {ratio:.1f}×", Counter({"{n:,}": 1, "{ratio:.1f}": 1})),
    ("%s of %(total)d", Counter({"%s": 1, "%(total)d": 1})),
    ("no placeholders, only {{braces}} escaped? no: 100%", Counter()),
], ids=["repeated", "format-spec", "percent", "none"])
def test_placeholders_are_found(text, expected):
    assert catalogue.placeholders(text) == expected


def test_a_placeholder_mismatch_is_reported(tmp_path, monkeypatch):
    """The check can fail: a translation that drops a placeholder is caught."""
    po = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    source = catalogue.po_path("zh").read_text(encoding="utf-8")
    po.write_text(source.replace('msgstr "首页"', 'msgstr "{page} 首页"'), encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    found = catalogue.problems("zh")
    assert any("placeholders differ" in line and "Home" in line for line in found)


def test_a_missing_translation_and_a_glossary_slip_are_reported(tmp_path, monkeypatch):
    po = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    source = catalogue.po_path("zh").read_text(encoding="utf-8")
    source = source.replace('msgstr "通道"', 'msgstr ""').replace('msgstr "填充和步幅"',
                                                                 'msgstr "补零和步长"')
    po.write_text(source, encoding="utf-8")
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    found = catalogue.problems("zh")
    assert "untranslated (zh): 'Channels'" in found
    assert any("glossary" in line and "'padding'" in line and "补零" in line for line in found)
    assert any("glossary" in line and "'stride'" in line for line in found)


def test_the_glossary_names_its_source_for_every_term():
    with catalogue.GLOSSARY.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    english = [row["english"] for row in rows]
    assert len(english) == len(set(english)), "a term is listed twice"
    for row in rows:
        assert row["chinese"] and row["source"], row
    # The terms the issue names, as d2l-zh writes them.
    terms = {row["english"]: row["chinese"] for row in rows}
    for en, zh in {"kernel": "卷积核", "cross-correlation": "互相关", "padding": "填充",
                   "stride": "步幅", "pooling": "汇聚", "max pooling": "最大汇聚",
                   "average pooling": "平均汇聚", "feature map": "特征映射",
                   "receptive field": "感受野", "transposed convolution": "转置卷积",
                   "batch size": "批量大小", "learning rate": "学习率", "loss": "损失"}.items():
        assert terms[en] == zh


def test_translation_follows_the_language():
    assert _("Home") == "Home"  # outside a script run: English
    with use_language("zh"):
        assert _("Home") == "首页"
        assert _("a sentence nobody wrote") == "a sentence nobody wrote"
        assert _(N_("Padding & stride")) == "填充和步幅"
    assert _("Home") == "Home"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"), use_language("fr"):
        pass


@pytest.mark.parametrize(("code", "expected"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("ZH-Hans-CN", "zh"), ("en-GB", "en"),
    ("fr-FR", None), ("", None), (None, None), (" zh ", "zh"),
])
def test_browser_and_url_codes_are_normalised(code, expected):
    assert i18n.normalise(code) == expected


def _modules_using_gettext():
    import ast
    from pathlib import Path

    root = Path(catalogue.ROOT)
    for path in [root / "app.py", *sorted((root / "app_pages").glob("*.py")),
                 *sorted((root / "ui").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(node, ast.ImportFrom) and node.module == "ui.i18n"
               and any(alias.name == "_" for alias in node.names) for node in tree.body):
            yield path, tree


def test_no_module_that_translates_uses_underscore_as_a_throwaway_name():
    """``for _ in …`` or ``a, _ = …`` would shadow ``_()`` in that function (UnboundLocalError)."""
    import ast

    comprehensions = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    offenders = []
    for path, tree in _modules_using_gettext():
        in_comprehension = {id(target) for node in ast.walk(tree)
                            if isinstance(node, comprehensions)
                            for gen in node.generators for target in ast.walk(gen.target)}
        for node in ast.walk(tree):  # a comprehension's own scope shadows nothing outside it
            if (isinstance(node, ast.Name) and node.id == "_"
                    and isinstance(node.ctx, ast.Store) and id(node) not in in_comprehension):
                offenders.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.arg) and node.arg == "_":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
