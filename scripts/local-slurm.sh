#!/usr/bin/env bash
# A one-node Slurm on this machine, for the Slurm executor's tests:
#   scripts/local-slurm.sh start   installs slurm-wlm and munge when missing,
#                                  starts munged, slurmctld and slurmd, waits
#                                  for the node, prints SLURM_CONF=<file>
#   scripts/local-slurm.sh stop    stops slurmctld and slurmd
# Runs as root (SlurmUser root); the config and state live in $MTREC_SLURM_DIR
# (default /tmp/mtrec-slurm). Exits non-zero, saying why, when Slurm cannot start.
set -euo pipefail
dir=${MTREC_SLURM_DIR:-/tmp/mtrec-slurm}
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

stop() {
  for daemon in slurmd slurmctld; do
    if [ -f "$dir/run/$daemon.pid" ]; then kill "$(cat "$dir/run/$daemon.pid")" 2>/dev/null || true; rm -f "$dir/run/$daemon.pid"; fi
  done
}

if [ "${1:-}" = "stop" ]; then stop; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "local Slurm needs root (SlurmUser root)" >&2; exit 3; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge" >&2
  mkdir -p "$dir/log"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; } </dev/null >"$dir/log/install.log" 2>&1 \
    || { tail -5 "$dir/log/install.log" >&2; echo "cannot install slurm-wlm and munge (see $dir/log/install.log)" >&2; exit 3; }
fi

if ! pgrep -x munged >/dev/null; then
  [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge
  mkdir -p "$dir/log"
  # Daemons get no descriptor of this script's: whoever reads its output sees it end.
  { runuser -u munge -- munged || munged --force; } </dev/null >"$dir/log/munged.out" 2>&1 \
    || { echo "cannot start munged (see $dir/log/munged.out)" >&2; exit 3; }
fi

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
cat > "$conf" <<CONF
ClusterName=mtrec
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MinJobAge=600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

scontrol ping 2>/dev/null | grep -q UP || slurmctld </dev/null >>"$dir/log/slurmctld.log" 2>&1 \
  || { echo "cannot start slurmctld (see $dir/log/slurmctld.log)" >&2; exit 3; }
pgrep -f "slurmd( |$)" >/dev/null || slurmd </dev/null >>"$dir/log/slurmd.log" 2>&1 \
  || { echo "cannot start slurmd (see $dir/log/slurmd.log)" >&2; exit 3; }
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then echo "SLURM_CONF=$conf"; exit 0; fi
  sleep 0.5
done
echo "the Slurm node did not come up (see $dir/log)" >&2
exit 3
