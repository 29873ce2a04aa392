#!/usr/bin/env bash
# Device check: the full verification profile and the bench on one device, timed, results under $OUT.
#   bench/gpu.sh [cuda|cpu] [small]
# "small" shrinks every size so that the script itself can be tested on a CPU in a minute or two.
# Needs the project installed (make .venv/.installed); writes $OUT/{verify.json,bench.json,times.txt,env.txt}.
set -euo pipefail
device="${1:-cuda}"
size="${2:-full}"
out="${OUT:-bench-out}"
mkdir -p "$out"
py=".venv/bin/python"
[ -x "$py" ] || py="python"
gentoys=(".venv/bin/gentoys")
[ -x "${gentoys[0]}" ] || gentoys=("$py" -m gentoys.checks.cli)

"$py" - > "$out/env.txt" <<'PY'
import os, platform, torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())
if torch.cuda.is_available():
    print("gpu", torch.cuda.get_device_name(0))
print("cpus", os.cpu_count(), platform.platform())
PY

if [ "$size" = "small" ]; then
    verify=(verify --profile quick --only mp_lambda_R --only eq1_unregularized_plateau)
    bench=(bench --sets 3 --net-sets 2 --baseline-sets 1 --workload gen_linear)
else
    verify=(verify --profile full)
    bench=(bench)
fi

if [ "$device" = "cpu" ]; then verify+=(--threads 1); fi  # one thread on shared cores (docs/performance.md)
TIMEFORMAT="%R s wall, %U s user, %S s sys"
{
    echo "device=$device size=$size"
    echo -n "verify: "
    { time "${gentoys[@]}" "${verify[@]}" --device "$device" --json "$out/verify.json" > "$out/verify.log" 2>&1 \
        || echo "(verify exit $?)"; } 2>&1
    echo -n "bench: "
    { time "${gentoys[@]}" "${bench[@]}" --device "$device" --json "$out/bench.json" > "$out/bench.log" 2>&1 \
        || echo "(bench exit $?)"; } 2>&1
} | tee "$out/times.txt"
