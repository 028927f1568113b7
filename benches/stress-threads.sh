#!/bin/bash
# Many builds at high thread counts, some under an address-space limit (as `ulimit -v`),
# each with a watchdog: a run still alive after $LIMIT seconds gets SIGTERM; one still alive
# 5 s later is a hang, and every thread's stack is saved with gdb before it is killed.
# Not part of `cargo test` (minutes of CPU); see BENCHMARKS.md for how it was run.
#
#   benches/stress-threads.sh RUNS [PLUGINCTL] [WORKDIR]
set -u
runs=${1:-60}
bin=${2:-target/release/pluginctl}
work=${3:-$(mktemp -d)}
limit=${LIMIT:-120}
bin=$(realpath "$bin")
mkdir -p "$work/p/wazo" "$work/p/tree" "$work/out"
cat >"$work/p/wazo/plugin.yml" <<'YML'
name: stress
namespace: demo
version: 0.0.1
display_name: Stress
author: Wazo Authors
homepage: https://wazo-platform.org
plugin_format_version: 1
description: Many folders and one large file, to keep every thread pool busy.
YML
cat >"$work/p/wazo/rules" <<'SH'
#!/bin/sh
set -e
case "$1" in
    package)
        mkdir -p "$pkgdir/usr/share/stress"
        cp -r tree "$pkgdir/usr/share/stress/"
        ;;
esac
SH
chmod +x "$work/p/wazo/rules"
if [ ! -e "$work/p/tree/blob" ]; then
    head -c 40000000 /dev/urandom >"$work/p/tree/blob"
    for d in $(seq 1 200); do
        mkdir -p "$work/p/tree/d$d/e"
        for f in 1 2 3 4 5; do echo "$d $f" >"$work/p/tree/d$d/e/f$f"; done
    done
fi
hangs=0 panics=0 aborts=0 ok=0 failed=0 left=0
for i in $(seq 1 "$runs"); do
    threads=$(shuf -n1 -e 16 32 64 128)
    algo=$(shuf -n1 -e gzip gzip xz zstd)
    mem=$(shuf -n1 -e unlimited unlimited 300000 500000 800000)
    log="$work/run-$i.log"
    (ulimit -v "$mem"; exec "$bin" build -q -Z "$algo" --threads "$threads" -o "$work/out" "$work/p") >"$log" 2>&1 &
    pid=$!
    waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$limit" ]; do sleep 1; waited=$((waited + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"; sleep 5
        if kill -0 "$pid" 2>/dev/null; then
            hangs=$((hangs + 1))
            gdb -p "$pid" -batch -ex 'thread apply all bt' >"$work/hang-$i.txt" 2>&1
            kill -KILL "$pid"
            echo "run $i: HANG (-Z $algo --threads $threads, ulimit -v $mem): $work/hang-$i.txt"
        fi
    fi
    wait "$pid"; rc=$?
    case $rc in
        0) ok=$((ok + 1)) ;;
        101) panics=$((panics + 1)); echo "run $i: PANIC (-Z $algo --threads $threads, ulimit -v $mem): $(grep -m1 -v '^note' "$log")" ;;
        134|137) [ -e "$work/hang-$i.txt" ] || { aborts=$((aborts + 1)); echo "run $i: ABORT $rc (-Z $algo --threads $threads, ulimit -v $mem): $(head -1 "$log")"; } ;;
        *) failed=$((failed + 1)); echo "run $i: exit $rc (-Z $algo --threads $threads, ulimit -v $mem): $(head -1 "$log")" ;;
    esac
    # What a dead run left is the next run's to clean: count what survives a clean run.
    n=$(find "$work/out" -name '.pluginctl-*' | wc -l)
    left=$((left > n ? left : n))
done
"$bin" build -q -o "$work/out" "$work/p" >/dev/null 2>&1
# Only a dead run's count (other builds may be running on the machine).
stale=0
for f in $(find "$work/out" "${TMPDIR:-/tmp}" -maxdepth 1 \( -name '.pluginctl-*' -o -name 'pluginctl-stage-*' \) -user "$(id -u)" 2>/dev/null); do
    pid=$(basename "$f" | sed -E 's/^\.?pluginctl-(stage-)?([0-9]+)-.*/\2/')
    kill -0 "$pid" 2>/dev/null || stale=$((stale + 1))
done
echo "runs=$runs ok=$ok failed-cleanly=$failed panics=$panics aborts=$aborts hangs=$hangs most-temps-seen=$left left-after-a-clean-run=$stale"
