"""The vcan VM harness (tools/vcan_vm/run.py): its parts, and how it fails.

These run on the host in the ordinary suite (no `vcan` marker): they start the harness
itself, and the VM boots are real (marked slow).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "tools" / "vcan_vm" / "run.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("vcan_vm_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_harness(*args: str, env: dict | None = None, timeout: float = 60,
                cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=cwd)


def test_no_kernel_names_the_package(harness, tmp_path):
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot" / "vmlinuz-6.1.0-9-amd64").write_bytes(b"")  # a kernel without vcan.ko
    with pytest.raises(harness.HarnessError, match="linux-image-amd64"):
        harness.newest_kernel(tmp_path / "boot", tmp_path / "modules")


def test_newest_kernel_with_vcan_wins(harness, tmp_path):
    for version, has_vcan in (("6.9.0-3-amd64", True), ("6.10.0-1-amd64", True), ("6.11.0-1-amd64", False)):
        (tmp_path / "boot").mkdir(exist_ok=True)
        (tmp_path / "boot" / f"vmlinuz-{version}").write_bytes(b"")
        if has_vcan:
            can_dir = tmp_path / "modules" / version / "kernel" / "drivers" / "net" / "can"
            can_dir.mkdir(parents=True)
            (can_dir / "vcan.ko.xz").write_bytes(b"")
    version, image = harness.newest_kernel(tmp_path / "boot", tmp_path / "modules")
    assert version == "6.10.0-1-amd64" and image.name == "vmlinuz-6.10.0-1-amd64"


def test_initramfs_holds_init_busybox_and_modules_in_load_order(harness, tmp_path, monkeypatch):
    if shutil.which("cpio") is None:
        pytest.fail("cpio is needed to check the archive: bash tools/install-system-deps.sh")
    monkeypatch.setenv("VCAN_VM_CACHE", str(tmp_path))
    version, _ = harness.newest_kernel()
    archive = harness.initramfs(version)
    assert archive.parent == tmp_path and harness.initramfs(version) == archive  # cached
    names = subprocess.run(["cpio", "-t", "--quiet"], input=archive.read_bytes(), capture_output=True,
                           check=True).stdout.decode().split()
    assert {"init", "bin/busybox", "modules.order", "modules/vcan.ko", "modules/can-raw.ko"} <= set(names)
    extract = tmp_path / "x"
    extract.mkdir()
    subprocess.run(["cpio", "-id", "--quiet"], input=archive.read_bytes(), cwd=extract, check=True)
    order = (extract / "modules.order").read_text().split()
    assert order.index("can-dev.ko") < order.index("vcan.ko")
    assert order.index("9pnet.ko") < order.index("9pnet_virtio.ko") < order.index("9p.ko")
    assert (extract / "init").read_bytes() == (RUN.parent / "init.sh").read_bytes()


def test_missing_qemu_is_named():
    result = run_harness("--native", "never", "--", "true", env={"PATH": "/nonexistent"})
    assert result.returncode == 2, result.stderr
    assert "qemu-system-x86_64 not found" in result.stderr and "qemu-system-x86" in result.stderr


def test_bad_arguments_are_refused():
    assert run_harness().returncode == 2
    result = run_harness("--native", "never", "--env", "NO_EQUALS_SIGN", "--", "true")
    assert result.returncode == 2 and "expected NAME=VALUE" in result.stderr


def test_timeout_kills_qemu_and_fails_clearly():
    result = run_harness("--native", "never", "--accel", "tcg", "--timeout", "3", "--", "sleep", "600", timeout=60)
    assert result.returncode == 124
    assert "timed out after 3 s; killed qemu" in result.stderr


@pytest.mark.slow
def test_guest_runs_the_command_in_the_project_and_returns_its_status(tmp_path):
    out = tmp_path / "out"
    script = (
        'test -e /sys/class/net/"$ASSISTANT_TEST_VCAN" || exit 1; '
        'pwd > "$OUT/pwd"; echo "$GREETING" > "$OUT/env"; '
        'touch written-in-the-project 2>/dev/null && exit 9; '  # the host root is read-only
        'touch /tmp/scratch || exit 8; exit 7')
    result = run_harness("--native", "never", "--accel", "tcg", "--timeout", "280", "--writable", str(out),
                         "--env", "GREETING=hello vm", "--env", f"OUT={out}", "--", "sh", "-c", script,
                         timeout=300)
    assert result.returncode == 7, result.stdout[-2000:] + result.stderr[-2000:]
    assert "VCAN_VM_EXIT_STATUS=7" in result.stdout
    assert (out / "pwd").read_text().strip() == str(ROOT)
    assert (out / "env").read_text().strip() == "hello vm"
    assert not (ROOT / "written-in-the-project").exists()


@pytest.mark.slow
def test_a_checkout_under_tmp_is_visible_in_the_guest(harness, tmp_path):
    """The guest's /tmp is a fresh tmpfs; a clone under the host's /tmp is shared on its own."""
    checkout = tmp_path / "clone"
    checkout.mkdir()
    (checkout / "marker").write_text("from the host's /tmp")
    assert harness.hidden_in_guest(checkout) and not harness.hidden_in_guest(Path("/usr/lib/python3"))
    out = tmp_path / "out"
    result = run_harness("--native", "never", "--accel", "tcg", "--timeout", "280", "--writable", str(out),
                         "--env", f"OUT={out}", "--", "sh", "-c",
                         'pwd > "$OUT/pwd" && cat marker > "$OUT/marker" && ! touch x 2>/dev/null',
                         timeout=300, cwd=checkout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert (out / "pwd").read_text().strip() == str(checkout)
    assert (out / "marker").read_text() == "from the host's /tmp"
    assert not (checkout / "x").exists()


def test_native_always_runs_here_only_with_socketcan(harness):
    result = run_harness("--native", "always", "--", sys.executable, "-c",
                         "import os, sys; sys.exit(0 if os.environ['ASSISTANT_TEST_VCAN'] == 'vcan0' else 3)")
    if harness.native_vcan_ready("vcan0"):
        assert result.returncode == 0, result.stderr
        assert "running natively" in result.stderr
    else:  # e.g. this kernel has no AF_CAN: a clear refusal, nothing run
        assert result.returncode == 2
        assert "cannot give a working vcan0" in result.stderr
