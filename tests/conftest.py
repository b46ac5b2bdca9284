"""Shared test configuration: deterministic hypothesis profile for CI."""

import os
import signal
import sys

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The Ctrl-C tests need SIGINT as a terminal delivers it: a job started in the background by
# a non-interactive shell inherits SIGINT ignored, and so would every process it starts.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Shared test vectors (tests/vectors.py) are importable from every test module.
sys.path.insert(0, os.path.dirname(__file__))
