#!/usr/bin/env python3
"""Writes the fuzzers' starting corpora: tiny images in each format CnnVis reads, and the .pt test fixtures
(whole files, plus their pickles for the target's pickle-only mode). Usage: make_seeds.py OUT_DIR"""
import os
import struct
import sys
import zipfile
import zlib

out = sys.argv[1]
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
fixtures = os.path.join(root, "Tests", "CnnVis.Torch.Tests", "Fixtures")
image_dir = os.path.join(out, "image")
state_dir = os.path.join(out, "state-dict")
os.makedirs(image_dir, exist_ok=True)
os.makedirs(state_dir, exist_ok=True)


def write(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def png(width, height, color_type, bit_depth, rows, interlace=0, palette=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    body = chunk(b"IHDR", ihdr)
    if palette:
        body += chunk(b"PLTE", palette)
    raw = b"".join(b"\x00" + r for r in rows)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


write(image_dir, "rgb.png", png(4, 3, 2, 8, [bytes(range(k * 12, k * 12 + 12)) for k in range(3)]))
write(image_dir, "gray16.png", png(3, 2, 0, 16, [b"\x00\x01\x80\x00\xff\xff"] * 2))
write(image_dir, "rgba-interlaced.png", png(5, 5, 6, 8, [bytes(20)] * 5, interlace=1))
write(image_dir, "palette.png", png(4, 2, 3, 2, [b"\x1b"] * 2, palette=b"\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff"))


def bmp(width, height, bpp, pixel_rows, palette=b""):
    row = (width * bpp + 31) // 32 * 4
    data = b"".join(r.ljust(row, b"\x00") for r in pixel_rows)
    offset = 14 + 40 + len(palette)
    header = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, bpp, 0, len(data), 2835, 2835, len(palette) // 4, 0)
    return header + info + palette + data


write(image_dir, "rgb24.bmp", bmp(3, 2, 24, [bytes(range(9)), bytes(range(9, 18))]))
write(image_dir, "pal8.bmp", bmp(2, 2, 8, [b"\x00\x01", b"\x01\x00"], palette=b"\x00\x00\x00\x00\xff\xff\xff\x00"))
write(image_dir, "topdown32.bmp", bmp(2, -2, 32, [bytes(8), bytes(range(8))]))
# A 2x2 GIF: global palette of two colours, one image, LZW minimum code size 2.
write(image_dir, "tiny.gif", b"GIF89a" + struct.pack("<HHBBB", 2, 2, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
      + b"\x2c" + struct.pack("<HHHHB", 0, 0, 2, 2, 0) + b"\x02\x03\x84\x1d\x05\x00" + b"\x3b")
with open(os.path.join(fixtures, "quadrants.jpg"), "rb") as f:
    write(image_dir, "quadrants.jpg", f.read())

# First byte 0: a whole file; 1: a pickle the target packs into an archive itself.
for name in sorted(os.listdir(fixtures)):
    if not name.endswith(".pt"):
        continue
    with open(os.path.join(fixtures, name), "rb") as f:
        whole = f.read()
    write(state_dir, name, b"\x00" + whole)
    with zipfile.ZipFile(os.path.join(fixtures, name)) as z:
        pickle = next(n for n in z.namelist() if n.endswith("data.pkl"))
        write(state_dir, name + ".pkl", b"\x01" + z.read(pickle))
