#!/usr/bin/env bash
# Debian packages the runtime and its tests need. `make install` (so `make demo` and `make test`)
# runs this first: as root it installs what is missing; otherwise it names the command and stops.
#   speech: espeak-ng, flite, festival (TTS + test fixtures), sox (mixing, resampling; libsox-fmt-mp3 writes
#           the 24 kbps MP3 of assistant/measure/degraded.py)
#   audio:  libportaudio2 (sounddevice), libsndfile1 (soundfile)
#   vcan:   qemu-system-x86, linux-image-amd64 (has vcan.ko), busybox-static, iproute2, kmod, cpio
#   home:   mosquitto (MQTT broker for the home bridge tests and `assistant home-sim`)
#   rasa:   libfreetype-dev libqhull-dev pkg-config g++ python3-dev (`make rasa` builds matplotlib 3.5.3 from source)
set -euo pipefail
packages=(
  espeak-ng flite festival sox libsox-fmt-all libsox-fmt-mp3 libportaudio2 libsndfile1
  qemu-system-x86 linux-image-amd64 busybox-static iproute2 kmod cpio can-utils
  python3-venv mosquitto
  libfreetype-dev libqhull-dev pkg-config g++ python3-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  # `make demo`/`make test` call this first: one clear line instead of a sudo prompt mid-build.
  echo "system packages missing: ${missing[*]}; install them as root with: sudo make system-deps" >&2
  exit 1
fi
echo "system packages: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
