"""Settings for the whole suite.

Hypothesis: no per-example deadline. The suite runs on a 2-core machine that CI and the
browser tests share; a deadline would turn a busy moment into a "flaky" failure without
saying anything about the code. Speed lives in ``benchmarks/``, not in tests.
"""

from hypothesis import settings

settings.register_profile("convolution-explorer", deadline=None)
settings.load_profile("convolution-explorer")
