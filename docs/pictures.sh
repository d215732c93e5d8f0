#!/usr/bin/env bash
# Makes the README's photo pictures with CnnVis's own commands (run it through `./build.sh pictures`):
#   1. a tiny photo dataset: random crops of three python3-skimage sample photos, one class per photo (make_photo_folder.py)
#   2. transfer learning: a new head for those classes on the ImageNet ResNet-18, watched by the monitor (cnnvis train)
#   3. Grad-CAM of each class on a picture holding two of them (cnnvis explain)
#   4. deep dream (cnnvis dream), inverted representations shallow to deep (cnnvis invert), and the class-agnostic views
#      (cnnvis features: first-layer filters, feature maps, Eigen-CAM, guided backprop of a channel, a channel's
#      activation maximization)
# and writes them, reduced to 256-colour PNGs, to docs/images/. Everything else (checkpoints, the run store) goes to a
# scratch folder that is removed at the end unless --keep is given. Set CNNVIS to use another cnnvis binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
CNNVIS=${CNNVIS:-$ROOT/Cli/bin/Release/net10.0/cnnvis}
SAMPLES=${CNNVIS_SAMPLE_PHOTOS:-/usr/lib/python3/dist-packages/skimage/data}
PYTHON=/usr/bin/python3   # Debian's, with python3-pil (a dependency of python3-skimage)
IMAGES=$ROOT/docs/images
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1

for f in chelsea.png coffee.png astronaut.png; do
  [ -f "$SAMPLES/$f" ] || { echo "no $SAMPLES/$f: install Debian's python3-skimage (./build.sh does) or set CNNVIS_SAMPLE_PHOTOS" >&2; exit 1; }
done
[ -x "$CNNVIS" ] || { echo "no $CNNVIS: build first (./build.sh)" >&2; exit 1; }

WORK=$(mktemp -d -t cnnvis-pictures.XXXXXX)
if [ $KEEP -eq 0 ]; then trap 'rm -rf "$WORK"' EXIT; else echo "scratch folder kept: $WORK"; fi
mkdir -p "$IMAGES" "$WORK/png"
START=$SECONDS
step() { printf '\033[1m==> %s\033[0m (%d s so far)\n' "$*" $((SECONDS - START)); }

step "the photo dataset: crops of chelsea (cat), coffee and astronaut"
"$PYTHON" "$ROOT/docs/make_photo_folder.py" "$SAMPLES" "$WORK/photos" 16 6

step "transfer learning: a new head on the frozen ImageNet ResNet-18, with the monitor"
"$CNNVIS" train --model resnet18-imagenet --dataset "folder:$WORK/photos" --epochs 6 --lr 3e-3 --batch-size 16 \
  --monitor --store "$WORK/runs/cnnvis.db" --probes 6 --methods gradcam --snapshots epoch --out "$WORK/run" --no-serve
RUN=$WORK/run

# The classes are the folder's sub-folders in order: astronaut 0, cat 1, coffee 2.
step "Grad-CAM of 'cat' and of 'coffee' on one picture holding both"
"$CNNVIS" explain --checkpoint "$RUN" --image "$WORK/photos/cat-and-coffee.png" --method gradcam --target 1 --out "$WORK/png/gradcam-cat.png"
"$CNNVIS" explain --checkpoint "$RUN" --image "$WORK/photos/cat-and-coffee.png" --method gradcam --target 2 --out "$WORK/png/gradcam-coffee.png"

step "deep dream on layer3"
"$CNNVIS" dream --checkpoint "$RUN" --image sample:chelsea --size 224 \
  --spec "deepdream@layer3(octaves=4,scale=1.4,steps=10,step=0.05,jitter=8)" --out "$WORK/png/dream-layer3.png"

step "inverted representations, shallow to deep"
"$CNNVIS" invert --checkpoint "$RUN" --image sample:coffee --size 96 --layers conv1,layer1,layer2,layer3 \
  --spec "invert(steps=60)" --out "$WORK/png/invert-coffee.png"

step "class-agnostic views: first-layer filters, feature maps, Eigen-CAM, guided backprop of a channel, a channel maximized"
"$CNNVIS" features --checkpoint "$RUN" --view filters --out "$WORK/png/filters-conv1.png"
"$CNNVIS" features --checkpoint "$RUN" --image sample:astronaut --size 224 --view maps --layer layer1 --max-channels 32 --out "$WORK/png/maps-layer1.png"
"$CNNVIS" features --checkpoint "$RUN" --image sample:astronaut --size 224 --view eigencam --layer layer4 --out "$WORK/png/eigencam-layer4.png"
"$CNNVIS" features --checkpoint "$RUN" --image sample:astronaut --size 224 --view guided-backprop --layer layer3 --channel 7 --out "$WORK/png/guided-layer3-7.png"
"$CNNVIS" features --checkpoint "$RUN" --view maximize --layer layer3 --channel 7 --size 96 --steps 100 --out "$WORK/png/maximize-layer3-7.png"

step "256-colour PNGs into docs/images"
"$PYTHON" - "$WORK/png" "$IMAGES" <<'EOF'
import os, sys
from PIL import Image
source, target = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(source)):
    image = Image.open(os.path.join(source, name)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(os.path.join(target, name), optimize=True)
    print(f"{name}: {image.size[0]}x{image.size[1]}, {os.path.getsize(os.path.join(target, name)) // 1024} KB")
EOF
step "done: $(du -ch "$IMAGES"/*.png | tail -1 | cut -f1) in docs/images"
