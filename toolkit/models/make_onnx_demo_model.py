#!/usr/bin/python3
"""Writes mobilenet_v3_small-random.onnx, the model of `./heed demo photos`: torchvision's own MobileNetV3-Small
(width multiplier 0.25, 1000 ImageNet classes, 374 k parameters, 1.5 MB) with seeded random weights, exported the way
a user exports a pretrained torchvision model (eval mode, opset 13, a dynamic batch axis, a fixed 224x224 input).

No pretrained weights can be downloaded on the machines that build Heed, so the weights are random and the maps only
show that the path works: depthwise and grouped convolution, HardSwish, HardSigmoid, squeeze-and-excitation, and
ImageNet's input normalisation and class names with --preset imagenet. Run with Debian's python3-torch and
python3-torchvision:

    cd toolkit/models && /usr/bin/python3 make_onnx_demo_model.py
"""
import torch
import torchvision

torch.manual_seed(20261205)
model = torchvision.models.mobilenet_v3_small(weights=None, width_mult=0.25)
model.eval()
x = torch.rand(1, 3, 224, 224)
torch.onnx.export(model, x, "mobilenet_v3_small-random.onnx", opset_version=13, do_constant_folding=True,
                  input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
print("mobilenet_v3_small-random.onnx:", sum(p.numel() for p in model.parameters()), "parameters")
