"""convcore as a package: `pip install .` and `pip install -e .` from a clone install the
engine alone, and it imports in a fresh virtual environment.

The build runs without network and without build isolation (setuptools comes from the test
venv, pinned in requirements-dev.txt). The fresh venv has no site packages of its own; NumPy
and Pillow are lent to it through PYTHONPATH (the main venv's site-packages, which holds no
convcore), so the test checks that the import comes from the venv's own installation.
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import convcore

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MAIN_SITE_PACKAGES = sysconfig.get_paths()["purelib"]

PROBE = """
import sys
import convcore
print(convcore.__file__)
print(convcore.__version__)
print(convcore.conv2d([[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[0, 1], [2, 3]]).ravel().tolist())
print(sorted({'torch', 'streamlit', 'plotly', 'ui', 'app_pages'} & set(sys.modules)))
"""


def _clone(tmp_path: Path) -> Path:
    """The files a clone has that matter to the build (and the app's folders, to prove they
    are left out)."""
    src = tmp_path / "clone"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for folder in ("convcore", "ui", "app_pages"):
        shutil.copytree(REPO / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "app.py", src / "app.py")
    return src


def _run(args, cwd: Path, **env_extra) -> str:
    env = {**os.environ, **env_extra}
    env.pop("PYTHONHOME", None)
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _fresh_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path)
    python = venv / "bin" / "python"
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    return python


def _pip_into(python: Path, *args, cwd: Path) -> None:
    # The test venv's pip installs into the fresh one (`--python`), offline.
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
          "--no-deps", "--no-build-isolation", "--quiet", *args], cwd,
         PYTHONPATH=MAIN_SITE_PACKAGES)


def _probe(python: Path, cwd: Path) -> list[str]:
    return _run([str(python), "-c", PROBE], cwd, PYTHONPATH=MAIN_SITE_PACKAGES).splitlines()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp_path = tmp_path_factory.mktemp("wheel")
    src = _clone(tmp_path)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(src)], tmp_path)
    (built,) = (tmp_path / "dist").glob("*.whl")
    return built


def test_wheel_holds_convcore_alone_with_numpy_and_pillow_as_dependencies(wheel):
    assert wheel.name == f"convcore-{convcore.__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = email.message_from_string(
            archive.read(f"convcore-{convcore.__version__}.dist-info/METADATA").decode())
    tops = {name.split("/")[0] for name in names}
    assert tops == {"convcore", f"convcore-{convcore.__version__}.dist-info"}
    modules = {Path(name).name for name in names if name.startswith("convcore/")}
    assert modules == {p.name for p in (REPO / "convcore").glob("*.py")}
    assert metadata["Name"] == "convcore"
    assert metadata["Version"] == convcore.__version__
    requires = sorted(r.split(">")[0].split("=")[0].strip().lower()
                      for r in metadata.get_all("Requires-Dist"))
    assert requires == ["numpy", "pillow"]


def test_wheel_installs_and_imports_in_a_fresh_venv(wheel, tmp_path):
    python = _fresh_venv(tmp_path)
    _pip_into(python, str(wheel), cwd=tmp_path)
    where, version, seed, heavy = _probe(python, tmp_path)
    assert Path(where).is_relative_to(tmp_path / "venv")
    assert version == convcore.__version__
    assert seed == "[19.0, 25.0, 37.0, 43.0]"
    assert heavy == "[]"


def test_editable_install_imports_the_clone(tmp_path):
    src = _clone(tmp_path)
    python = _fresh_venv(tmp_path)
    _pip_into(python, "--editable", str(src), cwd=tmp_path)
    where, version, _, _ = _probe(python, tmp_path)
    assert Path(where) == src / "convcore" / "__init__.py"
    assert version == convcore.__version__
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], tmp_path).strip())
    installed = sorted(p.name for p in site.iterdir() if not p.name.startswith("_"))
    assert not [name for name in installed if name.startswith(("ui", "app"))]
