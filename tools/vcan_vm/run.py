#!/usr/bin/env python3
"""Run a command against a real SocketCAN vcan0: natively when the kernel can, else in a qemu VM.

    python tools/vcan_vm/run.py [options] -- COMMAND [ARG...]

The VM boots the newest installed Debian kernel (/boot/vmlinuz-*) with a small busybox
initramfs (built once and cached) that loads the virtio, 9p, CAN and vcan modules, mounts the
host root read-only over 9p, creates vcan0, chroots into the host root, cds into the current
directory (shared on its own when the guest's scratch /tmp would hide it) and runs COMMAND. The guest's console streams to stdout, and the exit status of
COMMAND becomes ours. Only /tmp, HOME, /run, /dev/shm and the --writable directories are
writable in the guest; everything else is the host's files, read-only.

Exit status: COMMAND's own, or 2 (qemu/kernel/busybox missing), 124 (timed out: qemu killed),
125 (the guest failed before or around COMMAND: boot, modules, mounts, vcan0).
Python standard library only, so it runs before the project's virtualenv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import lzma
import gzip
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INIT_SCRIPT = HERE / "init.sh"
# What the guest needs; modprobe --show-depends adds their dependencies.
GUEST_MODULES = ("virtio_pci", "virtio_rng", "9pnet_virtio", "9p", "can", "can_raw", "vcan")
# Environment passed to the guest command besides --env: the project's and locale settings.
PASSED_ENV_PREFIXES = ("ASSISTANT_", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "LANG", "LC_", "TZ")
EXIT_MARKER = re.compile(rb"VCAN_VM_EXIT_STATUS=(\d+)")
INIT_MARKER = b"vcan-vm: init started"
EXIT_MISSING, EXIT_TIMEOUT, EXIT_GUEST = 2, 124, 125


class HarnessError(Exception):
    """Something the harness needs is missing or broken; the message says what and how to fix it."""

    def __init__(self, message: str, code: int = EXIT_MISSING) -> None:
        super().__init__(message)
        self.code = code


def log(message: str) -> None:
    print(f"vcan-vm: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- native vcan


def native_vcan_ready(channel: str) -> bool:
    """True when this kernel has AF_CAN and `channel` exists or can be created here (root)."""
    try:
        socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW).close()
    except (OSError, AttributeError):
        return False
    flags = Path(f"/sys/class/net/{channel}/flags")
    if flags.exists() and int(flags.read_text(), 16) & 1:  # IFF_UP
        return True
    ip = shutil.which("ip")
    steps = [] if flags.exists() else [["link", "add", "dev", channel, "type", "vcan"]]
    steps.append(["link", "set", "up", channel])
    return ip is not None and all(subprocess.run([ip, *step], capture_output=True).returncode == 0
                                  for step in steps)


# ---------------------------------------------------------------- kernel and initramfs


def newest_kernel(boot: Path = Path("/boot"), modules: Path = Path("/lib/modules")) -> tuple[str, Path]:
    """(version, vmlinuz path) of the newest boot/vmlinuz-* whose modules have vcan."""
    found = []
    for image in boot.glob("vmlinuz-*"):
        version = image.name[len("vmlinuz-"):]
        if list((modules / version / "kernel/drivers/net/can").glob("vcan.ko*")):
            found.append((version, image))
    if not found:
        raise HarnessError(
            f"no kernel with vcan found: need {boot}/vmlinuz-VERSION and {modules}/VERSION/.../vcan.ko; "
            "install the Debian package linux-image-amd64 (bash tools/install-system-deps.sh)")
    version, image = max(found, key=lambda item: version_key(item[0]))
    if not os.access(image, os.R_OK):
        raise HarnessError(f"{image} is not readable; run as root or make it readable")
    return version, image


def version_key(version: str) -> list[tuple[int, int | str]]:
    """Sort key for kernel versions: 6.10.0-1-amd64 is newer than 6.9.0-3-amd64."""
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.-]", version)]


def module_files(version: str) -> list[Path]:
    """The .ko files to insmod, in load order, for GUEST_MODULES and their dependencies."""
    if shutil.which("modprobe") is None:
        raise HarnessError("modprobe not found: install the Debian package kmod")
    ordered: list[Path] = []
    for name in GUEST_MODULES:
        out = subprocess.run(["modprobe", "--show-depends", "-S", version, name],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise HarnessError(f"kernel {version} has no module {name}: {out.stderr.strip()}")
        for line in out.stdout.splitlines():
            parts = line.split()
            if parts and parts[0] == "insmod" and Path(parts[1]) not in ordered:
                ordered.append(Path(parts[1]))
    return ordered


def read_module(path: Path) -> bytes:
    """The module's ELF bytes; compressed modules (.xz, .gz, .zst) are unpacked for busybox insmod."""
    if path.suffix == ".xz":
        return lzma.decompress(path.read_bytes())
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes())
    if path.suffix == ".zst":
        if shutil.which("zstd") is None:
            raise HarnessError(f"{path} is zstd-compressed: install the Debian package zstd")
        return subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True).stdout
    return path.read_bytes()


def cpio_newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """An uncompressed newc cpio archive (the initramfs format) of (name, mode, data) entries."""
    out = bytearray()

    def add(name: str, mode: int, data: bytes, ino: int) -> None:
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + encoded)
        out.extend(b"\0" * (-len(out) % 4) + data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data) in enumerate(entries, start=1):
        add(name, mode, data, ino)
    add("TRAILER!!!", 0, b"", 0)
    return bytes(out)


def cache_dir() -> Path:
    base = os.environ.get("VCAN_VM_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faw-assistant" / "vcan_vm"
    return Path(base)


def initramfs(version: str) -> Path:
    """Build (or reuse) the initramfs for kernel `version`; cached by version and harness hash."""
    busybox = Path("/bin/busybox")
    # A dynamic busybox names its loader (ld-linux) near the start; the initramfs has no libc.
    if not busybox.exists() or b"ld-linux" in busybox.read_bytes()[:4096]:
        raise HarnessError("a static busybox is needed at /bin/busybox: install the Debian package busybox-static")
    digest = hashlib.sha256()  # modules.dep changes when the kernel package is reinstalled
    for part in (Path(__file__), INIT_SCRIPT, busybox, Path(f"/lib/modules/{version}/modules.dep")):
        digest.update(part.read_bytes() if part.exists() else b"")
    target = cache_dir() / f"initramfs-{version}-{digest.hexdigest()[:12]}.cpio"
    if target.exists():
        return target
    modules = module_files(version)
    entries: list[tuple[str, int, bytes]] = [
        ("bin", 0o40755, b""), ("modules", 0o40755, b""),
        ("bin/busybox", 0o100755, busybox.read_bytes()),
        ("init", 0o100755, INIT_SCRIPT.read_bytes()),
        ("modules.order", 0o100644, "".join(f"{m.name.split('.ko')[0]}.ko\n" for m in modules).encode()),
    ]
    entries += [(f"modules/{m.name.split('.ko')[0]}.ko", 0o100644, read_module(m)) for m in modules]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(cpio_newc(entries))
    tmp.replace(target)  # atomic: parallel runs never see half an archive
    log(f"built {target} ({len(modules)} modules, {target.stat().st_size // 1024} KiB)")
    return target


# ---------------------------------------------------------------- qemu


def qemu_binary() -> str:
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise HarnessError("qemu-system-x86_64 not found: install the Debian package qemu-system-x86 "
                           "(bash tools/install-system-deps.sh)")
    return qemu


def qemu_command(accel: str, kernel: Path, initrd: Path, job: Path, writable: list[Path],
                 memory: int, cpus: int, verbose: bool, probe: bool = False,
                 readonly: list[Path] = ()) -> list[str]:
    append = ["console=ttyS0", "panic=-1", "mitigations=off", "8250.nr_uarts=1"]
    append += ["loglevel=7"] if verbose else ["quiet", "loglevel=3"]
    append += ["vcan_vm_probe"] if probe else []
    cmd = [qemu_binary(), "-nodefaults", "-no-user-config", "-no-reboot", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-machine", "q35",
           "-accel", accel, "-cpu", "host" if accel == "kvm" else "max",
           "-m", str(memory), "-smp", str(cpus),
           "-kernel", str(kernel), "-initrd", str(initrd), "-append", " ".join(append)]
    if probe:
        return cmd
    cmd += ["-device", "virtio-rng-pci",
            "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
            "-virtfs", f"local,path={job},mount_tag=job,security_model=none,multidevs=remap"]
    for i, path in enumerate(readonly):
        cmd += ["-virtfs", f"local,path={path},mount_tag=ro{i},security_model=none,readonly=on,multidevs=remap"]
    for i, path in enumerate(writable):
        cmd += ["-virtfs", f"local,path={path},mount_tag=rw{i},security_model=none,multidevs=remap"]
    return cmd


# The guest mounts fresh tmpfs scratch space here, which hides the host's files below them.
GUEST_SCRATCH = (Path("/tmp"), Path("/run"), Path("/dev/shm"))


def hidden_in_guest(path: Path) -> bool:
    """Whether the guest's scratch mounts would hide `path` (e.g. a checkout cloned under /tmp)."""
    return any(path == top or top in path.parents for top in GUEST_SCRATCH)


def kvm_works(kernel: Path, initrd: Path) -> bool:
    """Whether -accel kvm really runs a guest here (/dev/kvm can exist yet hang). Cached per host boot."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    verdict = cache_dir() / f"kvm-{boot_id}"
    if verdict.exists():
        return verdict.read_text() == "ok"
    cmd = qemu_command("kvm", kernel, initrd, Path("/"), [], 256, 1, False, probe=True)
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=15).stdout
        ok = INIT_MARKER in out
    except subprocess.TimeoutExpired:
        ok = False
    verdict.parent.mkdir(parents=True, exist_ok=True)
    verdict.write_text("ok" if ok else "bad")
    log(f"/dev/kvm {'works' if ok else 'does not boot a guest here; using tcg'} (probe cached in {verdict})")
    return ok


def stream_guest(cmd: list[str], timeout: float, verbose: bool) -> tuple[int | None, dict]:
    """Run qemu, echo the guest console from init onwards; (status from marker or None, timings)."""
    start = time.monotonic()
    times: dict = {}
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    boot_log = bytearray()  # firmware and kernel messages, shown on failure or with --verbose
    pending = b""
    status = None
    out = sys.stdout.buffer
    try:
        while True:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:  # qemu closed its output: it has exited or is exiting
                proc.wait(timeout=max(1.0, timeout - (time.monotonic() - start)))
                break
            pending += chunk.replace(b"\r\n", b"\n")
            *lines, pending = pending.split(b"\n")
            for line in lines:
                line += b"\n"
                if "init" not in times:
                    if INIT_MARKER in line:
                        times["init"] = time.monotonic() - start
                    else:
                        boot_log.extend(line)
                        if not verbose:
                            continue
                if b"is up; running the command" in line:
                    times["command"] = time.monotonic() - start
                if (m := EXIT_MARKER.search(line)) and status is None:
                    status = int(m.group(1))
                out.write(line)
                out.flush()
    except (TimeoutError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if "init" not in times:
            sys.stdout.buffer.write(boot_log[-4000:])
        raise HarnessError(f"guest timed out after {timeout:.0f} s; killed qemu "
                           f"(raise --timeout, or look for a hung test above)", EXIT_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    times["total"] = time.monotonic() - start
    if "init" not in times:
        sys.stdout.buffer.write(boot_log[-4000:])
        raise HarnessError(f"the guest never reached init (qemu exit {proc.returncode}); boot log above",
                           EXIT_GUEST)
    return status, times


def write_job(job: Path, argv: list[str], cwd: Path, channel: str, writable: list[Path],
              env: dict[str, str], readonly: list[Path] = ()) -> None:
    """guest.conf (for init) and cmd.sh (the command, run in the chroot) in the job share."""
    (job / "in").mkdir()
    conf = {"VCAN_VM_JOB": str(job), "VCAN_VM_CHANNEL": channel, "VCAN_VM_RW_COUNT": str(len(writable)),
            "VCAN_VM_RO_COUNT": str(len(readonly))}
    (job / "in" / "guest.conf").write_text("".join(f"{k}={shlex.quote(v)}\n" for k, v in conf.items()))
    (job / "in" / "writable").write_text("".join(f"{p}\n" for p in writable))
    (job / "in" / "readonly").write_text("".join(f"{p}\n" for p in readonly))
    exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
    (job / "in" / "cmd.sh").write_text(
        f"{exports}mkdir -p \"$HOME\"\n"
        f"cd {shlex.quote(str(cwd))} || exit {EXIT_GUEST}\n"
        f"exec {shlex.join(argv)}\n")


def guest_env(channel: str, extra: list[str], pycache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED_ENV_PREFIXES)}
    env.update({
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": "/tmp/home", "TMPDIR": "/tmp", "TERM": "dumb",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "XDG_CACHE_HOME": "/tmp/home/.cache",
        "ASSISTANT_TEST_VCAN": channel, "VCAN_VM_GUEST": "1",
    })
    if pycache:  # bytecode goes to the shared cache instead of being recompiled in every process
        del env["PYTHONDONTWRITEBYTECODE"]
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(parse_env(extra))
    return env


def parse_env(items: list[str]) -> dict[str, str]:
    env = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise HarnessError(f"--env {item!r}: expected NAME=VALUE")
        env[key] = value
    return env


def run_in_vm(args: argparse.Namespace) -> int:
    version, kernel = newest_kernel()
    qemu_binary()
    initrd = initramfs(version)
    accel = args.accel
    if accel == "auto":
        accel = "kvm" if kvm_works(kernel, initrd) else "tcg"
    cwd = Path.cwd()
    pycache = Path(args.pycache).resolve() if args.pycache else None
    writable = [Path(p).resolve() for p in args.writable] + ([pycache] if pycache else [])
    for path in writable:
        path.mkdir(parents=True, exist_ok=True)
    # A checkout under /tmp (or /run, /dev/shm) is shared on its own, read-only, above the scratch tmpfs.
    readonly = [cwd] if hidden_in_guest(cwd) else []
    with tempfile.TemporaryDirectory(prefix="vcan-vm-") as tmp:
        job = Path(tmp)
        write_job(job, args.command, cwd, args.channel, writable, guest_env(args.channel, args.env, pycache),
                  readonly)
        log(f"booting {kernel.name} (accel {accel}, {args.cpus} vCPU, {args.memory} MiB, "
            f"timeout {args.timeout:.0f} s) to run: {shlex.join(args.command)}")
        cmd = qemu_command(accel, kernel, initrd, job, writable, args.memory, args.cpus, args.verbose,
                           readonly=readonly)
        marker_status, times = stream_guest(cmd, args.timeout, args.verbose)
        status_file = job / "exit_status"
        status = int(status_file.read_text()) if status_file.exists() else marker_status
    if status is None:
        raise HarnessError("the guest stopped without reporting an exit status (crash or panic above)",
                           EXIT_GUEST)
    boot = f"{times['command']:.1f} s to the command, " if "command" in times else ""
    log(f"guest command exited with status {status} ({boot}{times['total']:.1f} s in total)")
    return status


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tools/vcan_vm/run.py", description=__doc__.split("\n\n")[0],
        epilog="Environment: VCAN_VM_ACCEL, VCAN_VM_TIMEOUT, VCAN_VM_CACHE (initramfs cache dir).")
    parser.add_argument("--channel", default="vcan0", help="vcan interface to create (default vcan0)")
    parser.add_argument("--native", choices=("auto", "never", "always"), default="auto",
                        help="run natively when this kernel has AF_CAN and the channel exists or "
                             "can be created (auto, default), never (always boot the VM), or always")
    parser.add_argument("--accel", choices=("auto", "kvm", "tcg"),
                        default=os.environ.get("VCAN_VM_ACCEL", "auto"),
                        help="qemu accelerator; auto probes whether /dev/kvm really boots a guest")
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("VCAN_VM_TIMEOUT", 600)),
                        help="kill the VM after this many seconds (default 600)")
    parser.add_argument("--memory", type=int, default=1536, help="guest memory in MiB (default 1536)")
    parser.add_argument("--cpus", type=int, default=2, help="guest vCPUs (default 2)")
    parser.add_argument("--writable", action="append", default=[], metavar="DIR",
                        help="host directory the guest may write, at the same path (repeatable)")
    parser.add_argument("--pycache", metavar="DIR",
                        help="Python bytecode cache (PYTHONPYCACHEPREFIX) shared with the guest, which "
                             "otherwise recompiles every module it imports from source in every process "
                             "(seconds each under tcg); warm it on the host with the same prefix")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the command (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="show firmware and kernel boot messages")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no command given: tools/vcan_vm/run.py [options] -- COMMAND [ARG...]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        native = args.native != "never" and native_vcan_ready(args.channel)
        if args.native == "always" and not native:
            raise HarnessError(f"--native always, but this kernel cannot give a working {args.channel}")
        if native:
            log(f"this kernel has SocketCAN and {args.channel}: running natively")
            env = {**os.environ, "ASSISTANT_TEST_VCAN": args.channel, **parse_env(args.env)}
            if args.pycache:
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(Path(args.pycache).resolve())
            try:
                return subprocess.run(args.command, env=env).returncode
            except OSError as exc:
                raise HarnessError(f"cannot run {args.command[0]}: {exc}", 127) from None
        return run_in_vm(args)
    except HarnessError as exc:
        log(f"error: {exc}")
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
