"""System level: a second sender on the bus, judged by the independent oracle.

The car really drives at 80 km/h in D; a second node on VCU_Status claims 0 km/h in park
(spoofed on its own counter, replaying every real frame, or answering each real frame at
once with the next counter). The gate must never open the trunk, and the oracle must see
no violation. A gate with the old reception (any intact frame trusted) opens it, and the
oracle catches that: the test can fail.
"""

from __future__ import annotations

import pytest

from assistant.measure.bench._fuzzrig import INTRUDER_KINDS
from assistant.vehicle.e2e import StatusCheck, StatusMonitor
from assistant.vehicle.gate import SafetyGate

TRUNK = "Vehicle.Body.Trunk.Rear.IsOpen"
MOVING = {"Vehicle.Speed": 80.0, "Vehicle.Powertrain.Transmission.SelectedGear": "D"}
VCU_STATUS = 0x110


class _FirstFrameTrusted(StatusMonitor):
    def check(self, arbitration_id, data, now, length=8, sent_at=None):
        result = super().check(arbitration_id, data, now, length, sent_at)
        return result if result.error in ("length", "checksum") else self._set(arbitration_id, StatusCheck(True))


def _old_reception(bus, db, vss, state, **kw):
    state._e2e = _FirstFrameTrusted(state._e2e._gap, state._e2e._max)
    return SafetyGate(bus, db, vss, state, **kw)


def _try_trunk(rig, turns: int = 40) -> list:
    """Ask for the trunk every 20 ms for a while; the results, with every frame judged."""
    results = []
    for _ in range(turns):
        results.append(rig.gate.write({TRUNK: True}))
        rig.pump(0.02)
    return results


@pytest.mark.parametrize("kind", INTRUDER_KINDS)
def test_a_second_vcu_sender_never_opens_the_trunk_at_speed(make_rig, kind):
    rig = make_rig(scenario=MOVING, pump=0.45)
    rig.start_intruder(kind, VCU_STATUS, counter=5)
    rig.pump(0.3)
    results = _try_trunk(rig)
    assert all(not r.frames for r in results)
    assert {r.reason for r in results} <= {"state_unknown"}, {r.reason for r in results}
    assert rig.sim.snapshot()[TRUNK] is False
    assert rig.violations == []
    assert rig.intruder.sent > 10 and rig.sim.ignored["foreign_status"] > 10  # the car heard it too
    rig.stop_intruder()  # it leaves: trusted again once its frames are out of the 1 s rate window
    rig.pump(1.1)
    assert rig.gate.write({TRUNK: True}).reason == "vehicle_moving"


def test_the_oracle_catches_a_gate_that_believes_the_spoofer(make_rig):
    rig = make_rig(scenario=MOVING, pump=0.45, gate_factory=_old_reception)
    rig.start_intruder("follow", VCU_STATUS, counter=5)
    rig.pump(0.3)
    results = _try_trunk(rig)
    assert any(r.frames for r in results)  # the old code opened the trunk at 80 km/h
    # the oracle sees the VCU's counters interleave: the rule was judged on untrustworthy state
    assert {v.kind for v in rig.violations} & {"rule", "rule_on_stale_state"}


def test_a_restarted_head_unit_continues_its_counters(make_rig, tmp_path):
    rig = make_rig(pump=0.45, lock_dir=tmp_path)
    for n in range(3):
        rig.gate.write({"Vehicle.Cabin.Infotainment.Media.Volume": 20 + n})
        rig.pump(0.1)
        rig.restart_head_unit()
        rig.pump(0.65)
    assert rig.sim.applied == 3 and rig.sim.ignored["stale_counter"] == 0
    assert rig.violations == []  # the oracle checks the counter advances by one across restarts
