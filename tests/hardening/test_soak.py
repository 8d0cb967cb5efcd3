"""Soak: thousands of chat turns in one process, no exception, no memory growth, no socket.

`assistant bench soak` runs 10,000 turns; this is the shorter version for the test suite.
"""

import pytest

from assistant.bench.soak import run_soak
from assistant.config import Config


@pytest.mark.slow
def test_3000_turns_no_exception_no_growth_no_socket(nlu_ready):
    report = run_soak(Config(), 3000, warmup=500, seed=1)
    summary = report.summary()
    assert report.exceptions == [], report.exceptions[:3]
    assert report.growth_mb < 5.0, summary["rss_samples"]
    assert report.connections == []
    stats = report.stats
    # the mix was what it claims: commands reached the car, rules refused, garbage was turned away
    assert stats["frames"] > 1000 and stats["denied:vehicle_moving"] > 0 and stats["intent:nlu_fallback"] > 0
    assert stats["intent:affirm"] > 0 and stats["intent:inform"] > 0
