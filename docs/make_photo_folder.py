"""Builds the README's tiny photo dataset: random crops of a few python3-skimage sample photos, one class per photo.

Usage: make_photo_folder.py SAMPLES_DIR OUT_DIR [TRAIN_PER_CLASS] [TEST_PER_CLASS]
Writes OUT_DIR/train/CLASS/*.png and OUT_DIR/test/CLASS/*.png (CnnVis's folder dataset layout) and
OUT_DIR/cat-and-coffee.png, a photo holding both a cat and a coffee cup for the Grad-CAM picture.
Deterministic: the same inputs give the same files.
"""
import os
import random
import sys

from PIL import Image, ImageOps

# class name -> sample photo file; all three may be redistributed (skimage/data/_fetchers.py documents them):
# chelsea CC0 (Stefan van der Walt), coffee CC0 (Rachel Michetti), astronaut public domain (NASA).
CLASSES = {"cat": "chelsea.png", "coffee": "coffee.png", "astronaut": "astronaut.png"}
SIDE = 160  # pixels of a saved crop; CnnVis resizes to the model's 224 itself


def crop(photo, rng):
    """A random square crop covering 45-90% of the shorter side, maybe mirrored, a little brighter or darker."""
    w, h = photo.size
    side = int(min(w, h) * rng.uniform(0.45, 0.9))
    x = rng.randint(0, w - side)
    y = rng.randint(0, h - side)
    piece = photo.crop((x, y, x + side, y + side)).resize((SIDE, SIDE), Image.BILINEAR)
    if rng.random() < 0.5:
        piece = ImageOps.mirror(piece)
    factor = rng.uniform(0.8, 1.2)
    return piece.point(lambda v: min(255, int(v * factor)))


def main():
    samples, out = sys.argv[1], sys.argv[2]
    train = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    test = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    rng = random.Random(12)
    photos = {}
    for name, file in CLASSES.items():
        photos[name] = Image.open(os.path.join(samples, file)).convert("RGB")
        for split, count in (("train", train), ("test", test)):
            folder = os.path.join(out, split, name)
            os.makedirs(folder, exist_ok=True)
            for k in range(count):
                crop(photos[name], rng).save(os.path.join(folder, f"{name}-{k:02d}.png"))
    # The cat (left) beside the cup (right): two classes in one picture, for Grad-CAM of each.
    cat, cup = photos["cat"], photos["coffee"]
    half = 224
    left = ImageOps.fit(cat, (half // 2, half), Image.BILINEAR, centering=(0.45, 0.5))
    right = ImageOps.fit(cup, (half // 2, half), Image.BILINEAR, centering=(0.5, 0.5))
    both = Image.new("RGB", (half, half))
    both.paste(left, (0, 0))
    both.paste(right, (half // 2, 0))
    both.save(os.path.join(out, "cat-and-coffee.png"))


if __name__ == "__main__":
    main()
