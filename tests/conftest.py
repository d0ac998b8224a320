"""Hypothesis profiles, chosen by the HYPOTHESIS_PROFILE environment variable.

- ``dev`` (the default): 25 random examples per property, fast enough to run on every save.
- ``ci`` (.ci/run exports it): 30 examples, derandomised, so a CI run is reproducible; a
  failure prints the blob to replay it with ``@reproduce_failure``.
- ``thorough``: 500 examples per property, for a long run before a release.

Every profile has no deadline: timing on a shared machine is noise, not a property.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=30,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
