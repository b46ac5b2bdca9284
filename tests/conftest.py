"""Shared test configuration: deterministic hypothesis profile for CI."""

import os
import sys

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Shared test vectors (tests/vectors.py) are importable from every test module.
sys.path.insert(0, os.path.dirname(__file__))
