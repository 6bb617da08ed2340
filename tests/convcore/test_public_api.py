"""Every name the README's convcore section shows is importable from ``convcore`` itself."""

import re
from pathlib import Path

import pytest

import convcore

README = Path(__file__).resolve().parents[2] / "README.md"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def readme_convcore_names() -> list[str]:
    """Names in the README's "## convcore" section: those imported in its code and those in
    inline code spans (``a/b/c`` lists split; paths and dotted module names left out)."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## convcore\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    names = []
    for imported in re.findall(r"^from convcore import (.+)$", section, re.M):
        names += [n.strip() for n in imported.split(",")]
    prose = re.sub(r"```.*?```", "", section, flags=re.S)
    for span in re.findall(r"`([^`]+)`", prose):
        if span.endswith("/") or "." in span:
            continue  # a folder or a module path, not a name
        for part in span.split("/"):
            match = IDENTIFIER.match(part)
            if match:
                names.append(match.group(0))
    return list(dict.fromkeys(names))


NAMES = readme_convcore_names()


def test_the_readme_section_was_found_and_names_the_shape_functions():
    assert {"conv2d", "conv_output_shape", "conv_transpose_output_shape", "pool_output_shape",
            "explain_conv_output_shape", "explain_pool_output_shape", "choose_method",
            "im2col"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_readme_name_imports_from_convcore(name):
    assert name in convcore.__all__  # so ``from convcore import *`` has it too
    assert getattr(convcore, name) is not None  # what ``from convcore import name`` does
