"""The installed package: one gentoys namespace, a wheel that holds gentoys/ alone, one name per module."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_project_module_loads_under_its_gentoys_name_only():
    """After a run that imports every part (claims, figures, bench, docs, CLI), no module of the checkout is
    loaded under a second name (``theory.x`` beside ``gentoys.theory.x``): one object per module."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from gentoys.checks.claims import load_all\n"
        "import gentoys.checks.cli, gentoys.checks.outputs.figures, gentoys.checks.outputs.bench\n"
        "import gentoys.checks.outputs.docs, gentoys.sim.baseline, gentoys.sim.reference\n"
        "import gentoys.theory as t; t.load_all(); load_all()\n"
        "assert CliRunner().invoke(gentoys.checks.cli.main, ['verify', '--only', 'mp_lambda_R']).exit_code == 0\n"
        "files = {}\n"
        "for name, mod in list(sys.modules.items()):\n"
        "    f = getattr(mod, '__file__', None)\n"
        "    if f and f.startswith(tuple(sys.argv[1:])):\n"
        "        files.setdefault(f, set()).add(name)\n"
        "twice = {f: n for f, n in files.items() if len(n) > 1}\n"
        "assert not twice, twice\n"
        "stray = sorted(n for n in sys.modules if n.split('.')[0] in ('theory', 'sim', 'checks'))\n"
        "assert not stray, stray\n"
        "print(len(files))\n")
    folders = [str(ROOT / name) + "/" for name in ("theory", "sim", "checks")]
    out = subprocess.run([sys.executable, "-c", code, *folders], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout.split()[-1]) > 30


def _wheel(src: Path, out: Path) -> Path:
    """Build the wheel of ``src`` as a user would (pip, isolated build) into ``out``."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = out.glob("gentoys-*.whl")
    return wheel


@pytest.mark.slow
def test_the_wheel_holds_the_gentoys_package_alone(tmp_path):
    """Build the wheel as a user would (pip, isolated build) and list it: gentoys/ and the metadata, no tools/,
    no tests/, no top-level theory/, sim/ or checks/ - and no module deleted since an earlier build of the same
    tree (setuptools alone would take it from the build/lib that build left behind)."""
    src = tmp_path / "src"  # a copy of what the sdist holds, built twice in place as `pip wheel .` does
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "MANIFEST.in", "build_support", "theory", "sim", "checks"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, src / name)
    gone = src / "checks" / "deleted_since.py"
    gone.write_text("X = 1\n")
    assert "gentoys/checks/deleted_since.py" in zipfile.ZipFile(_wheel(src, tmp_path / "first")).namelist()
    gone.unlink()
    wheel = _wheel(src, tmp_path / "second")
    tops = {Path(n).parts[0] for n in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"gentoys", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("gentoys/theory/core/formula.py", "gentoys/sim/linear.py", "gentoys/checks/cli.py",
                   "gentoys/checks/claims/seed.py", "gentoys/checks/framework/runner.py"):
        assert module in names, module
    assert not any(n.startswith("gentoys/tools") or "/tests/" in n for n in names)
    assert "gentoys/checks/deleted_since.py" not in names
    assert not (src / "build").exists()  # each build had a temporary folder of its own


def test_source_tree_is_found_from_the_package_location():
    from gentoys.checks.outputs.files import source_tree

    assert source_tree() == ROOT
