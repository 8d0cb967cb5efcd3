"""Helpers: a real mosquitto broker for the home tests: 127.0.0.1, a free port, authentication on.

The password file is made at test time with mosquitto_passwd; the car's credentials file is
chmod 600 as the bridge demands. `home_sim` runs the simulated zigbee2mqtt home on it.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import Config

USER, PASSWORD = "car", "s3cret-home"


@dataclass
class Broker:
    """A running mosquitto and how to log in to it."""

    host: str
    port: int
    credentials_file: Path  # "username:password", chmod 600
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"mosquitto did not listen on {port}")


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 (openssl), as (ca, cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key, cert, key, csr = (folder / n for n in ("ca.pem", "ca.key", "server.pem", "server.key", "server.csr"))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\n")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=test home CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))
    return ca, cert, key


def start_broker(folder: Path, port: int | None = None, tls: tuple[Path, Path, Path] | None = None) -> Broker:
    for tool in ("mosquitto", "mosquitto_passwd"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is not installed; run `make system-deps` (Debian package mosquitto)", pytrace=False)
    folder.mkdir(parents=True, exist_ok=True)
    passwd = folder / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), USER, PASSWORD], check=True, capture_output=True)
    passwd.chmod(0o600)
    port = port or free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
                    f"persistence false\nuser {getpass.getuser()}\nlog_dest stderr\n"
                    + (f"cafile {tls[0]}\ncertfile {tls[1]}\nkeyfile {tls[2]}\n" if tls else ""))
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL,
                               stderr=open(folder / "mosquitto.log", "ab"))
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        raise
    credentials = folder / "car.cred"
    credentials.write_text(f"{USER}:{PASSWORD}\n")
    credentials.chmod(0o600)
    return Broker("127.0.0.1", port, credentials, process)


def home_config(broker: Broker, config: Config | None = None, **home) -> Config:
    config = config or Config()
    config.home.backend = "mqtt"
    config.home.broker = broker.host
    config.home.port = broker.port
    config.home.credentials_file = str(broker.credentials_file)
    config.home.answer_timeout_s = 2.0
    for key, value in home.items():
        setattr(config.home, key, value)
    return config
