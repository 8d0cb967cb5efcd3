"""zigbee2mqtt conventions, shared by the bridge and the simulated home.

A light named `living_room_lamp` takes commands on `zigbee2mqtt/living_room_lamp/set`
(`{"state": "ON", "brightness": 0-254, "color": {"x", "y"}}` or `"color_temp"` in mireds),
answers `.../get` and reports its whole state on `zigbee2mqtt/living_room_lamp`;
`.../availability` says `{"state": "online"|"offline"}` (zigbee2mqtt 1.x also sent the bare word).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

BRIGHTNESS_MAX = 254  # zigbee2mqtt's brightness scale
# Colours as sRGB hex (sent as CIE xy, what TRADFRI colour bulbs take); whites as colour temperature
# in mireds, the range of TRADFRI white-spectrum bulbs (250 cool .. 454 warm).
COLOR_HEX = {"red": "#FF0000", "orange": "#FF8000", "yellow": "#FFE000", "green": "#00FF00",
             "blue": "#0000FF", "purple": "#8000FF", "pink": "#FF60B0"}
WHITE_MIREDS = {"warm_white": 454, "white": 370, "cool_white": 250}
COLORS = frozenset(COLOR_HEX) | frozenset(WHITE_MIREDS)
XY_TOLERANCE = 0.01
MIREDS_TOLERANCE = 3


def hex_to_xy(hex_color: str) -> tuple[float, float]:
    """CIE 1931 xy of an sRGB colour (the conversion zigbee2mqtt and Hue use)."""
    rgb = [int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = [((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb]
    x = r * 0.4124 + g * 0.3576 + b * 0.1805
    y = r * 0.2126 + g * 0.7152 + b * 0.0722
    z = r * 0.0193 + g * 0.1192 + b * 0.9505
    total = x + y + z
    return (round(x / total, 4), round(y / total, 4)) if total else (0.0, 0.0)


def brightness_raw(percent: float) -> int:
    """0-100 % -> zigbee2mqtt's 0-254."""
    return round(max(0.0, min(100.0, float(percent))) * BRIGHTNESS_MAX / 100)


@dataclass(frozen=True)
class LightCommand:
    """What to do with a light: on/off, brightness 0-100 %, a colour name (COLORS); None = leave as is."""

    on: bool = True
    brightness_pct: float | None = None
    color: str | None = None

    def payload(self) -> dict[str, Any]:
        """The zigbee2mqtt `/set` payload."""
        data: dict[str, Any] = {"state": "ON" if self.on else "OFF"}
        if not self.on:
            return data
        if self.brightness_pct is not None:
            data["brightness"] = brightness_raw(self.brightness_pct)
        if self.color in WHITE_MIREDS:
            data["color_temp"] = WHITE_MIREDS[self.color]
        elif self.color is not None:
            x, y = hex_to_xy(COLOR_HEX[self.color])
            data["color"] = {"x": x, "y": y}
        return data


def shows(state: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Does a reported state show every field of a `/set` payload?"""
    if str(state.get("state", "")).upper() != wanted["state"]:
        return False
    if "brightness" in wanted and abs(_number(state.get("brightness")) - wanted["brightness"]) > 1:
        return False
    if "color_temp" in wanted and abs(_number(state.get("color_temp")) - wanted["color_temp"]) > MIREDS_TOLERANCE:
        return False
    if "color" in wanted:
        color = state.get("color") if isinstance(state.get("color"), dict) else {}
        if any(abs(_number(color.get(k)) - wanted["color"][k]) > XY_TOLERANCE for k in ("x", "y")):
            return False
    return True


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def is_on(state: dict[str, Any] | None) -> bool:
    return bool(state) and str(state.get("state", "")).upper() == "ON"


def decode(payload: bytes) -> dict[str, Any] | None:
    """A JSON object payload, or None (zigbee2mqtt only sends objects on these topics)."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def availability(payload: bytes) -> str | None:
    """"online"/"offline" from an availability message, either format; None if unreadable."""
    data = decode(payload)
    word = data.get("state") if data else payload.decode("utf-8", "replace").strip()
    return word if word in ("online", "offline") else None
