#!/bin/busybox sh
# PID 1 of the vcan VM (busybox initramfs built by tools/vcan_vm/run.py).
#
# Loads the modules listed in /modules.order, mounts the host root read-only over 9p, gives
# the guest writable scratch space (tmpfs /tmp, HOME, /run, /dev/shm), creates vcan0, then
# chroots into the host root and runs the job's command script. The command's exit status is
# written to the job share and printed as a marker line, then the VM powers off.
# Everything the host passes in arrives in the job share (mount tag "job"): guest.conf
# (shell variables) and cmd.sh (the command).

/bin/busybox mkdir -p /bin /proc /sys /dev /job /newroot
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "vcan-vm: $*"; }

# The job share may not be mounted yet, so failures are reported on the console only.
finish() {
    status=$1
    [ -n "$2" ] && say "FAILED: $2"
    [ -d /job/in ] && echo "$status" > /job/exit_status
    echo "VCAN_VM_EXIT_STATUS=$status"
    sync
    poweroff -f
    sleep 5
}

say "init started"

# "vcan_vm_probe" on the kernel command line: just prove the VM boots (accelerator probe).
if grep -qw vcan_vm_probe /proc/cmdline; then
    finish 0
fi

for mod in $(cat /modules.order); do
    insmod "/modules/$mod" || finish 125 "insmod $mod"
done

opts9p="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$opts9p,cache=none" job /job || finish 125 "mount the job share (tag job)"
[ -f /job/in/guest.conf ] || finish 125 "no guest.conf in the job share"
. /job/in/guest.conf

# Host root, read-only; loose caching is safe because the guest never writes to it.
mount -t 9p -o "$opts9p,cache=loose,ro" hostroot /newroot || finish 125 "mount the host root (tag hostroot)"

mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm
mount -t tmpfs -o mode=755 run /newroot/run
mount -t tmpfs -o mode=1777 tmp /newroot/tmp || finish 125 "mount tmpfs on /tmp"

# The job share reappears in the chroot at the path it has on the host.
mkdir -p "/newroot$VCAN_VM_JOB"
mount --bind /job "/newroot$VCAN_VM_JOB" || finish 125 "bind the job share to $VCAN_VM_JOB"

# Host directories shared on their own, each at its host path: those the scratch tmpfs above hides
# (a checkout under /tmp; read-only), then the writable ones (--writable). Loose caching (uncached 9p
# reads cost ~40 ms a file under tcg): the guest is their only writer while it runs, and `sync` in
# finish() writes everything back before power-off.
mount_shares() {  # TAG_PREFIX COUNT LIST_FILE EXTRA_OPTS
    n=0
    while [ "$n" -lt "$2" ]; do
        path=$(sed -n "$((n + 1))p" "$3")
        mkdir -p "/newroot$path" 2>/dev/null
        mount -t 9p -o "$opts9p,cache=loose$4" "$1$n" "/newroot$path" || finish 125 "mount share $1$n at $path"
        n=$((n + 1))
    done
}
mount_shares ro "${VCAN_VM_RO_COUNT:-0}" /job/in/readonly ",ro"
mount_shares rw "$VCAN_VM_RW_COUNT" /job/in/writable ""

ip link set lo up
ip link add dev "$VCAN_VM_CHANNEL" type vcan || finish 125 "create $VCAN_VM_CHANNEL (ip link add type vcan)"
ip link set up "$VCAN_VM_CHANNEL" || finish 125 "bring $VCAN_VM_CHANNEL up"
say "$VCAN_VM_CHANNEL is up; running the command"

chroot /newroot /usr/bin/env -i /bin/sh "$VCAN_VM_JOB/in/cmd.sh" < /dev/null
finish $?
