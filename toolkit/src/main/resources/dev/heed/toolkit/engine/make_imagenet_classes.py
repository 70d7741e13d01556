#!/usr/bin/python3
"""Writes imagenet-classes.txt, the 1000 ImageNet-1k class names in index order, one per line, as torchvision 0.14
lists them for its pretrained classifiers (torchvision.models._meta._IMAGENET_CATEGORIES). `heed ... --preset imagenet`
reads it. Run with Debian's python3-torchvision:

    cd toolkit/src/main/resources/dev/heed/toolkit/engine && /usr/bin/python3 make_imagenet_classes.py
"""
from torchvision.models._meta import _IMAGENET_CATEGORIES

assert len(_IMAGENET_CATEGORIES) == 1000
with open("imagenet-classes.txt", "w", encoding="utf-8") as out:
    for name in _IMAGENET_CATEGORIES:
        out.write(name + "\n")
