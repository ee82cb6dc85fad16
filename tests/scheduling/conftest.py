"""Hypothesis profiles for the engine's property tests: `dev` (default) and `ci`, chosen by the
HYPOTHESIS_PROFILE environment variable."""

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

# A generous deadline: an example builds up to 14 days for 20 products, and a shared 2-core
# machine can be slow; the deadline is there to catch a pathological case, not to benchmark.
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=timedelta(seconds=1),
    suppress_health_check=[HealthCheck.too_slow],
)
# CI runs the suite under coverage, which doubles the engine's cost: 600 examples a property
# (three times the dev profile) keep the whole run near ten minutes on a 2-core machine with the
# contract tests beside them (1000 took it to 12 minutes).
settings.register_profile(
    "ci", max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
