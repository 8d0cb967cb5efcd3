"""Where pocketsphinx's acoustic model is: needed by the engine and by the grammar compiler (which
measures the starting cepstral mean on it), so it sits below both."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import ModelMissingError


def model_dir(config) -> Path:
    """The acoustic model folder: config.asr.pocketsphinx_model, else the wheel's en-us."""
    if config.asr.pocketsphinx_model:
        path = config.resolve(config.asr.pocketsphinx_model)
    else:
        if config.language != "en":
            raise ModelMissingError(
                f"pocketsphinx ships only an English model; language {config.language!r} needs its own",
                hint="set [asr] pocketsphinx_model to a CMU Sphinx acoustic model folder for that language "
                     "(with its .dict), or use the vosk engine with a vosk model of that language")
        from pocketsphinx import get_model_path
        path = Path(get_model_path()) / "en-us" / "en-us"
    if not (path / "mdef").is_file():
        raise ModelMissingError(f"no pocketsphinx acoustic model in {path} (mdef missing)",
                                hint="reinstall pocketsphinx (pip install --force-reinstall pocketsphinx), "
                                     "or fix [asr] pocketsphinx_model")
    return path
