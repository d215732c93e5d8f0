#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer from Debian's clang) of the two readers that take untrusted files.
# Not part of the test suite: run it by hand, for a bounded time.
#   fuzz/run.sh state-dict [seconds]   the .pt reader (cv_state_dict_load)
#   fuzz/run.sh image [seconds]        the image decoder (cv_image_decode)
# Crashes land in fuzz/out/<target>/crashes/; each one found becomes a regression test in the suite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
HERE=$(pwd)
target=${1:-}
seconds=${2:-600}
case "$target" in
  state-dict) exe=fuzz_state_dict; max_len=16384 ;;
  image) exe=fuzz_image; max_len=65536 ;;
  *) echo "usage: fuzz/run.sh state-dict|image [seconds]" >&2; exit 2 ;;
esac

# clang and its runtime (libFuzzer lives in libclang-rt-14-dev) are only needed here, not by the build.
missing=()
for p in clang libclang-rt-14-dev cmake libtorch-dev libstb-dev zlib1g-dev python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build="$HERE/build"
cmake -S "$HERE" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build" --target "$exe" -j "${FUZZ_JOBS:-1}" >/dev/null

out="$HERE/out/$target"
mkdir -p "$out/corpus" "$out/crashes"
python3 "$HERE/make_seeds.py" "$HERE/out/seeds"
# libFuzzer reads the seeds and grows the corpus; a crash, leak, timeout or >2 GB input is reported.
exec "$build/$exe" "$out/corpus" "$HERE/out/seeds/$target" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=3072 \
  -print_final_stats=1 -artifact_prefix="$out/crashes/"
