#!/usr/bin/env bash
# Runs CnnVis's benchmarks, the PyTorch reference side by side in the same invocation.
#   bash bench/run.sh <engine|train|explain|monitor|snapshot|resnet|dashboard|dream|all> [--threads N] [--quick] [--out DIR]
# ./build.sh bench <name> installs what they need (python3-torch, python3-numpy, python3-torchvision) and calls this.
# Figures go to the terminal and to bench/out/<name>.json.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
PROJECT=$BENCH/CnnVis.Bench
BIN=$PROJECT/bin/Release/net10.0/CnnVis.Bench
# The Python with Debian's torch; the python3 on PATH may be another one (a pyenv) without it.
PYTHON=${CNNVIS_BENCH_PYTHON:-/usr/bin/python3}

name=${1:-all}
shift || true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Build in Release when the program is missing or older than any source it is made from.
stale() {
  [ ! -x "$BIN" ] && return 0
  [ -n "$(find "$PROJECT" "$ROOT/Torch" "$ROOT/Training" "$ROOT/Visualizers" "$ROOT/Monitor" "$ROOT/Dashboard" "$ROOT/Directory.Build.props" \
      \( -path '*/bin' -o -path '*/obj' -o -path '*/native/build' -o -path '*/node_modules' -o -path '*/wwwroot/lib' \) -prune -o \
      \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.cpp' -o -name '*.h' -o -name 'CMakeLists.txt' -o -name '*.razor' -o -name '*.js' -o -name '*.css' \) \
      -newer "$BIN" -print -quit)" ]
}
if stale; then
  say "building the benches (dotnet build -c Release)"
  dotnet build "$PROJECT/CnnVis.Bench.csproj" -c Release -nologo -v quiet -clp:NoSummary -p:TreatWarningsAsErrors=true
fi

# The dashboard bench has no PyTorch side.
if [ "$name" != dashboard ] && ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "$PYTHON cannot import torch: install Debian's python3-torch (./build.sh bench does), or set CNNVIS_BENCH_PYTHON" >&2
  exit 1
fi

say "bench: $name"
exec "$BIN" "$name" --python "$PYTHON" "$@"
