"""Hypothesis profiles for the whole suite.

``ci`` (the default): derandomized, so every run draws the same examples and a
failure reproduces; a modest example count so the suite stays fast; no
deadline (first calls compile SymPy lambdas and warm torch up); the
reproduction blob is printed with every failure.

``long``: 10 000 examples per property, for a deliberate search:
``HYPOTHESIS_PROFILE=long pytest tests/test_properties.py -m "not slow_property"``
(docs/testing.md has the full command and the counts we observed).

``medium``: 300 examples, for the ``slow_property`` tests (simulation, quadrature,
minimization) that the long run leaves out.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from strategies import CI_EXAMPLES

settings.register_profile("ci", derandomize=True, max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile("long", max_examples=10_000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
#: for the ``slow_property`` tests, whose examples cost 0.05-0.5 s each
settings.register_profile("medium", max_examples=300, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow_property: a property whose examples cost ~0.1 s or more (simulation, quadrature, "
                   "minimization); leave it out of the long profile's run")


def pytest_sessionstart(session):
    """Point the disk cache of derivations at a folder of this session's (unless the caller chose one), so
    tests and the processes they start never read or fill the user's cache."""
    import tempfile

    if "GENTOYS_CACHE_DIR" not in os.environ:
        os.environ["GENTOYS_CACHE_DIR"] = tempfile.mkdtemp(prefix="gentoys-test-cache-")
        session.config._gentoys_cache_dir = os.environ["GENTOYS_CACHE_DIR"]


def pytest_sessionfinish(session, exitstatus):
    import shutil

    folder = getattr(session.config, "_gentoys_cache_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
