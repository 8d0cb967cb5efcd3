"""`assistant models`: download a piper voice and a vosk model into models/ (needs a network).

Without a network it fails fast (short timeouts) and says what could not be
downloaded and how to install it by hand. Files are fetched into a temporary
name first, so an interrupted download never looks like an installed model.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import config_from_args

VOSK_URL = "https://alphacephei.com/vosk/models/{name}.zip"
VOSK_MODELS = {"en": "vosk-model-small-en-us-0.15", "zh": "vosk-model-small-cn-0.22"}


def download(url: str, target: Path, timeout_s: float) -> None:
    """Fetch `url` to `target` atomically (a .part file renamed at the end)."""
    import shutil
    import urllib.request

    part = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, open(part, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
        part.replace(target)
    finally:
        part.unlink(missing_ok=True)


def install_piper_voice(voice: str, models_dir: Path, timeout_s: float) -> Path:
    """piper's own download helper, into a temporary folder moved into place when complete."""
    import socket
    import tempfile

    from piper.download_voices import download_voice

    from assistant.tts.voices import piper_dir

    folder = piper_dir(models_dir)
    names = [f"{voice}.onnx", f"{voice}.onnx.json"]
    if all((folder / n).is_file() and (folder / n).stat().st_size for n in names):
        return folder / names[0]
    folder.mkdir(parents=True, exist_ok=True)
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)  # piper's helper calls urlopen without a timeout
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as tmp:
            download_voice(voice, Path(tmp))
            for name in names:
                (Path(tmp) / name).replace(folder / name)
    finally:
        socket.setdefaulttimeout(previous)
        if not any(folder.iterdir()):
            folder.rmdir()  # leave no empty folder behind a failed download
    return folder / names[0]


def install_vosk_model(name: str, models_dir: Path, timeout_s: float) -> Path:
    import tempfile
    import zipfile

    folder = models_dir / name
    if folder.is_dir():
        return folder
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".download-") as tmp:
        archive = Path(tmp) / f"{name}.zip"
        download(VOSK_URL.format(name=name), archive, timeout_s)
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(tmp)
        if not (Path(tmp) / name).is_dir():
            raise ValueError(f"{archive.name} does not contain the folder {name}/")
        (Path(tmp) / name).replace(folder)
    return folder


def _do_models(args) -> int:
    import zipfile

    from assistant.errors import ModelMissingError
    from assistant.tts.voices import DEFAULT_VOICES, install_hint

    config = config_from_args(args)
    models = config.models_dir
    voices = args.piper or [DEFAULT_VOICES.get(config.language, DEFAULT_VOICES["en"])]
    vosks = args.vosk or [VOSK_MODELS.get(config.language, VOSK_MODELS["en"])]
    failures: list[str] = []
    for voice in voices:
        try:
            print(f"piper voice {voice}: {install_piper_voice(voice, models, args.timeout)}")
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            failures.append(f"piper voice {voice}: {_reason(exc)}\n    by hand: "
                            f"{install_hint(models, voice, online=False)}")
    for name in vosks:
        try:
            print(f"vosk model {name}: {install_vosk_model(name, models, args.timeout)}")
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            url = VOSK_URL.format(name=name)
            failures.append(f"vosk model {name}: {_reason(exc)}\n    by hand: download {url} and unzip it "
                            f"into {models}/ (giving {models / name}/)")
    if failures:
        raise ModelMissingError("could not download:\n  " + "\n  ".join(failures),
                                hint="this needs a network; on an offline machine copy the files in by hand "
                                     "as shown, then check with `assistant say --engine piper test`")
    print("models: all present", file=sys.stderr)
    return 0


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return f"{type(exc).__name__}: {reason or exc}"


def add_subparser(subparsers) -> None:
    parser = subparsers.add_parser("models", help="download a piper voice and a vosk model (needs a network)",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("--piper", action="append", metavar="VOICE",
                        help="piper voice to fetch, e.g. en_US-lessac-low (default: the language's)")
    parser.add_argument("--vosk", action="append", metavar="NAME",
                        help="vosk model to fetch, e.g. vosk-model-small-en-us-0.15 (default: the language's)")
    parser.add_argument("--timeout", type=float, default=10.0, help="network timeout per request in seconds")
    parser.set_defaults(func=_do_models)
