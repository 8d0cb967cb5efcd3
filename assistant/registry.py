"""Name -> class for every engine family (python-can's BACKENDS pattern, with entry points).

Each family (NLU backends, ASR engines, TTS engines, skills, home bridges) has one `Registry`:
its built-ins as name -> "module:Class", imported only when chosen (a missing optional package
matters only then), and whatever other packages add under its entry-point group:

    [project.entry-points."assistant.asr"]
    myengine = "my_package.engine:MyEngine"
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from assistant.errors import ConfigError

log = logging.getLogger(__name__)


class Registry:
    """One engine family: `load(name)` gives its class; unknown names are a ConfigError naming `setting`."""

    def __init__(self, kind: str, group: str, builtins: dict[str, str], *, setting: str = "") -> None:
        self.kind = kind  # "ASR engine"
        self.group = group  # entry-point group, "assistant.asr"
        self.builtins = dict(builtins)
        self.setting = setting  # the config key that chooses one, for the error's hint

    def targets(self) -> dict[str, str]:
        """Every name -> "module:Class": built-ins first; an entry point never replaces a built-in."""
        found = dict(self.builtins)
        for ep in entry_points(group=self.group):
            found.setdefault(ep.name, ep.value)
        return found

    def names(self) -> list[str]:
        return sorted(self.targets())

    def __contains__(self, name: str) -> bool:
        return name in self.targets()

    def load(self, name: str) -> type:
        """The class registered as `name` (its module imported now)."""
        target = self.targets().get(name)
        if target is None:
            where = f"set {self.setting} to one of" if self.setting else "choose one of"
            raise ConfigError(f"unknown {self.kind} {name!r}", hint=f"{where}: {', '.join(self.names())}")
        module_name, _, class_name = target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)

    def load_all(self) -> dict[str, type]:
        """Every registered class; a plug-in that fails to import is logged and left out, a built-in raises."""
        classes = {}
        for name in self.targets():
            try:
                classes[name] = self.load(name)
            except Exception as exc:
                if name in self.builtins:
                    raise
                log.error("%s plug-in %s (%s) failed to load: %s", self.kind, name, self.targets()[name], exc)
        return classes
