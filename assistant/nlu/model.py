"""The embedded NLU model file: one .npz of float32 weights plus JSON metadata.

The metadata records the training-data fingerprint (`NluData.fingerprint()`), so a
model trained on other data than the current intents is refused with a clear "run
`assistant train`". A truncated or corrupt file (zip CRC, missing arrays, wrong
shapes) is a DataError that names the file.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import DataError, ModelMissingError

FORMAT = "faw-embedded-nlu/2"  # 2: coverage features; older files must be retrained
_ARRAYS = ("intent_W", "intent_b", "idf", "entity_W", "entity_b")


@dataclass
class ModelBundle:
    """Everything the embedded backend needs at run time."""

    meta: dict
    intent_W: np.ndarray
    intent_b: np.ndarray
    idf: np.ndarray
    entity_W: np.ndarray
    entity_b: np.ndarray

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, meta=np.frombuffer(json.dumps(self.meta).encode(), np.uint8),
                                **{name: getattr(self, name) for name in _ARRAYS})
        tmp.replace(path)  # never leave a half-written model under the real name


def model_path(config) -> Path:
    """models/nlu/embedded.npz for English, models/nlu/<lang>/embedded.npz for another language
    (each language keeps its own model, so switching `language` needs no retraining)."""
    folder = config.models_dir / "nlu"
    return (folder if config.language == "en" else folder / config.language) / "embedded.npz"


def load_bundle(path: Path) -> ModelBundle:
    if not path.is_file():
        raise ModelMissingError(f"embedded NLU model {path} does not exist",
                                hint="run `assistant train` (or `make train`)")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [n for n in ("meta",) + _ARRAYS if n not in z.files]
            if missing:
                raise DataError(f"NLU model {path} is corrupt: missing {', '.join(missing)}",
                                hint="delete it and run `assistant train`")
            meta = json.loads(z["meta"].tobytes().decode())
            arrays = {n: z[n] for n in _ARRAYS}
    except DataError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, UnicodeDecodeError, KeyError) as exc:
        raise DataError(f"NLU model {path} is corrupt: {exc}",
                        hint="delete it and run `assistant train`") from exc
    if meta.get("format") != FORMAT:
        raise DataError(f"NLU model {path} has format {meta.get('format')!r}, expected {FORMAT!r}",
                        hint="run `assistant train` to rebuild it")
    bundle = ModelBundle(meta, **arrays)
    _check_shapes(bundle, path)
    return bundle


def _check_shapes(b: ModelBundle, path: Path) -> None:
    m = b.meta
    try:
        ok = (b.intent_W.shape == (len(m["intent_vocab"]), len(m["intents"]))
              and b.intent_b.shape == (len(m["intents"]),) and b.idf.shape == (len(m["intent_vocab"]),)
              and b.entity_W.shape == (len(m["entity_vocab"]), len(m["entity_labels"]))
              and b.entity_b.shape == (len(m["entity_labels"]),))
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise DataError(f"NLU model {path} is corrupt: arrays do not match its metadata",
                        hint="delete it and run `assistant train`")
