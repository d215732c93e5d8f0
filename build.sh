#!/usr/bin/env bash
# CnnVis's one entry point: installs what is missing, builds, and runs the main job, the tests or a bench.
#   ./build.sh            set up and build
#   ./build.sh demo       the main job: a short real training run with the monitor, served live in the dashboard (--no-serve: not)
#   ./build.sh test       the test suite
#   ./build.sh bench [engine|train|explain|monitor|snapshot|resnet|dashboard|dream|all]   benchmarks against PyTorch on the same libtorch
#   ./build.sh pictures   the README's photo pictures (docs/images), made by cnnvis itself (docs/pictures.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=$(pwd)
CONFIG=Release

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages the build and the runtime need; bench adds python3-torch (the PyTorch reference).
# fontconfig and DejaVu fonts draw the grids' labels (SkiaSharp); nodejs/npm install the dashboard's chart library (uPlot, from npm, pinned by Dashboard/package-lock.json);
# chromium is the browser the dashboard's tests drive; python3-skimage installs the sample photos (astronaut, cat, coffee) the README and the tests use.
PACKAGES=(libtorch-dev libdnnl-dev cmake g++ make libstb-dev dataset-fashion-mnist fontconfig fonts-dejavu-core chromium python3-skimage)
BENCH_PACKAGES=(python3-torch python3-numpy python3-torchvision)

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  local SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
  install_missing "${PACKAGES[@]}"
  # Node.js may come from elsewhere with npm built in (a nodejs package that bundles npm conflicts with Debian's npm).
  command -v npm >/dev/null || install_missing nodejs npm
  command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2; exit 1; }
  # The dashboard's browser libraries, exactly as locked; the build copies them into Dashboard/wwwroot/lib.
  if [ ! -f "$ROOT/Dashboard/node_modules/.package-lock.json" ] || [ "$ROOT/Dashboard/package-lock.json" -nt "$ROOT/Dashboard/node_modules/.package-lock.json" ]; then
    say "installing the dashboard's npm packages (npm ci)"
    (cd "$ROOT/Dashboard" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # Nothing to do when no source changed since the last successful build: a ready machine costs seconds.
  local stamp="$ROOT/Cli/bin/$CONFIG/.cnnvis-build-stamp"
  if [ -f "$stamp" ] && [ -z "$(find "$ROOT" \( -path '*/bin' -o -path '*/obj' -o -path '*/build' -o -path '*/.git' -o -path '*/runs' -o -path '*/out' -o -path '*/node_modules' -o -path '*/artifacts' \) -prune -o \
        -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' -o -name '*.sln' -o -name '*.cpp' -o -name '*.h' -o -name 'CMakeLists.txt' -o -name 'package-lock.json' -o -name '*.razor' -o -name '*.css' -o -name '*.js' \) \
        -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  # The native library is built by CnnVis.Torch's project (CMake, only when a native source changed).
  say "building (dotnet build -c $CONFIG)"
  dotnet build CnnVis.sln -c "$CONFIG" -nologo -v quiet -clp:NoSummary -p:TreatWarningsAsErrors=true
  touch "$stamp"
}

cnnvis() { "$ROOT/Cli/bin/$CONFIG/net10.0/cnnvis" "$@"; }

run_tests() {
  local log; log=$(mktemp)
  local rc=0
  dotnet test CnnVis.sln -c "$CONFIG" --no-build -nologo 2>&1 | tee "$log" || rc=$?
  # One closing line for the whole suite, summed over the test projects.
  awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
       END { gsub(",", "", p); printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
  rm -f "$log"
  return $rc
}

cmd=${1:-build}
shift || true
case "$cmd" in
  build) build ;;
  demo) build; cnnvis demo "$@" ;;
  test) build; run_tests ;;
  bench)
    build
    install_missing "${BENCH_PACKAGES[@]}"
    bash "$ROOT/bench/run.sh" "${1:-all}" ;;
  cnnvis) build; cnnvis "$@" ;;
  pictures) build; bash "$ROOT/docs/pictures.sh" "$@" ;;
  *) echo "usage: ./build.sh [build|demo|test|bench [engine|train|explain|monitor|snapshot|resnet|dashboard|dream|all]|pictures [--keep]|cnnvis ARGS...]" >&2; exit 2 ;;
esac
