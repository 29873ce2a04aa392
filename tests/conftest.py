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
