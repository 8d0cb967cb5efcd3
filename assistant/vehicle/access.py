"""What skills get of the car: read VSS values, request VSS writes. No bus, no frames."""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from assistant.vehicle.gate import SafetyGate, WriteResult
from assistant.vehicle.state import Reading, VehicleState
from assistant.vehicle.vss import VssMap


class VehicleAccess(Protocol):
    """The skills' only way to the car."""

    def read(self, path: str) -> Reading: ...

    def write(self, changes: Mapping[str, Any]) -> WriteResult: ...

    def preflight(self, changes: Mapping[str, Any]) -> WriteResult | None: ...

    def ecu_of(self, path: str) -> str: ...


class GatedVehicle:
    """VehicleAccess over the state cache and the safety gate."""

    def __init__(self, gate: SafetyGate, state: VehicleState, vss: VssMap) -> None:
        self._gate, self._state, self._vss = gate, state, vss

    def read(self, path: str) -> Reading:
        return self._state.read(path)

    def write(self, changes: Mapping[str, Any]) -> WriteResult:
        return self._gate.write(changes)

    def preflight(self, changes: Mapping[str, Any]) -> WriteResult | None:
        return self._gate.preflight(changes)

    def ecu_of(self, path: str) -> str:
        """The ECU node that reports `path` (AC, BCM, ...), for "the climate control isn't responding"."""
        return self._vss.get(path).status.message.senders[0]
