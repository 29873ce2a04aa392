"""The build backend: setuptools', except that each wheel is built in a fresh temporary folder.

setuptools builds into ``build/`` and reuses ``build/lib`` from one build to the next, so a module deleted from
the tree would still end up in the next wheel built from the same checkout. Here ``build_wheel`` points the
``build`` command at a new temporary folder (an extra distutils config file, ``DIST_EXTRA_CONFIG``) and removes
it afterwards. Everything else, ``build_editable`` included, is setuptools' own.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403

__all__ = list(_setuptools.__all__)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """setuptools' ``build_wheel`` with ``build_base`` a fresh temporary folder."""
    with tempfile.TemporaryDirectory(prefix="gentoys-build-") as tmp:
        config = Path(tmp) / "build.cfg"
        config.write_text(f"[build]\nbuild_base = {Path(tmp) / 'build'}\n", encoding="utf-8")
        previous = os.environ.get("DIST_EXTRA_CONFIG")
        os.environ["DIST_EXTRA_CONFIG"] = str(config)
        try:
            return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
        finally:
            if previous is None:
                os.environ.pop("DIST_EXTRA_CONFIG", None)
            else:
                os.environ["DIST_EXTRA_CONFIG"] = previous
