"""The test command of `make mutate` (mutmut 2): `python tests/hardening/mutation_runner.py fast|full`.

fast: the deterministic gate-level suites on the fake clock, first the ones that fail quickest
(mutmut's sweep over every mutant runs this);
full: every vehicle and hardening test that is neither slow nor vcan (each survivor of the
sweep is re-run with it, so a mutant survives only if the whole suite misses it).

mutmut counts only exit code 1 as "the tests caught it"; pytest's other failures (2 when a
mutant breaks an import, 3, 4, 5) are folded into 1 so such a mutant is not taken for a survivor.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAST = ["tests/vehicle/test_e2e.py", "tests/vehicle/test_gate.py", "tests/vehicle/test_frames.py",
        "tests/vehicle/test_definitions.py", "tests/hardening/test_oracle.py", "tests/hardening/test_rate_budget.py",
        "tests/hardening/test_e2e_edges.py", "tests/hardening/test_gate_contract.py",
        "tests/hardening/test_regressions.py",
        "tests/vehicle/test_simulator.py", "tests/hardening/test_gate_fuzz.py"]
FULL = FAST + ["tests/vehicle", "tests/hardening"]
OPTIONS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not slow and not vcan"]

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # the tree being mutated, not wherever `assistant` is installed from
    import pytest

    which = sys.argv[1] if len(sys.argv) > 1 else "full"
    sys.exit(1 if pytest.main(OPTIONS + {"fast": FAST, "full": FULL}[which], plugins=[]) else 0)
