#!/usr/bin/python3
"""Writes the bundled Fashion-MNIST test images: the first two test images of each class, as 8-bit gray PNGs named
<test-index>-<class>.png. Run once; the output is committed under toolkit/samples/fashion-mnist/.
Usage: /usr/bin/python3 docs/tools/export_fashion_samples.py [/usr/share/datasets/fashion-mnist] [out-dir]"""
import gzip
import struct
import sys
from pathlib import Path

from PIL import Image

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
src = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist")
out = Path(sys.argv[2] if len(sys.argv) > 2 else "toolkit/samples/fashion-mnist")
out.mkdir(parents=True, exist_ok=True)
with gzip.open(src / "t10k-images-idx3-ubyte.gz") as f:
    magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
    assert magic == 0x803
    pixels = f.read(count * rows * cols)
with gzip.open(src / "t10k-labels-idx1-ubyte.gz") as f:
    magic, n = struct.unpack(">II", f.read(8))
    assert magic == 0x801
    labels = f.read(n)
taken = {c: 0 for c in range(10)}
for i, label in enumerate(labels):
    if taken[label] < 2:
        taken[label] += 1
        img = Image.frombytes("L", (cols, rows), pixels[i * rows * cols:(i + 1) * rows * cols])
        img.save(out / f"{i:04d}-{CLASSES[label]}.png")
    if all(v == 2 for v in taken.values()):
        break
