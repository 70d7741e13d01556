#!/usr/bin/python3
"""Makes the small ONNX test models and their torch references for dev.heed.toolkit.engine.onnx's tests.

Run with Debian's python3 (python3-torch, python3-torchvision, python3-numpy); CI never runs it, it only reads what it
wrote, which is committed next to it:

    cd toolkit/src/test/resources/onnx && /usr/bin/python3 make_models.py

For each model NAME it writes NAME.onnx (opset 13, eval mode, constant folding, a dynamic batch axis) and
    NAME.input.npy   a seeded input batch [2, 3, 32, 32], float32, C order
    NAME.logits.npy  torch's logits [2, 10]
    NAME.grad.npy    torch's gradient of sum_b logits[b, CLASSES[b]] with respect to the input [2, 3, 32, 32]

With model names as arguments it writes only those (the default is tiny_resnet and tiny_mixed, whose committed
bytes it reproduces): tiny_grouped, and torchvision's own mobilenet_v2 and mobilenet_v3_small at width 0.25 with
10 classes (mobilenet_v2_w025, mobilenet_v3_small_w025), each seeded on its own and referenced on a [2, 3, 64, 64]
input:

    /usr/bin/python3 make_models.py tiny_grouped mobilenet_v2_w025 mobilenet_v3_small_w025

With --torchvision DIR it also writes torchvision's resnet18 and mobilenet_v2 (weights=None, seeded; 45 MB and 14 MB,
too big to commit) with the same references on a [2, 3, 112, 112] input into DIR, for OnnxTorchvisionTest:

    /usr/bin/python3 make_models.py --torchvision /tmp/heed-torchvision
Weights are random (seeded); BatchNorm statistics are randomised too, so that folding them is really tested.
"""
import numpy as np
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock

CLASSES = [3, 7]


class TinyResNet(nn.Module):
    """Conv/BN/ReLU stem, MaxPool, two torchvision BasicBlocks (the second strided, with a 1x1 downsample),
    a two-branch Concat followed by a BatchNorm that no Conv absorbs, an AveragePool that excludes padding,
    GlobalAveragePool, Flatten and Linear (Gemm)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.block1 = BasicBlock(8, 8)
        down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2, bias=False), nn.BatchNorm2d(16))
        self.block2 = BasicBlock(8, 16, stride=2, downsample=down)
        self.branch_a = nn.Conv2d(16, 8, 1)
        self.branch_b = nn.Conv2d(16, 8, 3, padding=1)
        self.mix_bn = nn.BatchNorm2d(16)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.stem(x))
        x = self.block2(self.block1(x))
        x = torch.cat([self.branch_a(x), self.branch_b(x)], dim=1)
        x = torch.relu(self.mix_bn(x))
        x = self.gap(self.avg(x))
        return self.fc(torch.flatten(x, 1))


class TinyMixed(nn.Module):
    """Tanh, LeakyRelu, Sigmoid, clamp(min=0) (Clip without a max), a conv with unequal strides and pads,
    AveragePool counting padding, a residual Add, GlobalMaxPool, MaxPool, the Shape/Gather/Unsqueeze/Concat/Reshape
    flatten of x.view(x.size(0), -1), MatMul with an [in][out] weight plus an Add bias, BatchNorm1d on flat features,
    Dropout, a Concat of flat tensors and a Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5, stride=(2, 1), padding=2)
        self.conv2 = nn.Conv2d(6, 8, 3, padding=(0, 1))
        self.avg = nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=True)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1)
        self.gmp = nn.AdaptiveMaxPool2d(1)
        self.w = nn.Parameter(torch.randn(8 * 4 * 8, 12) * 0.1)
        self.b = nn.Parameter(torch.randn(12) * 0.1)
        self.bn = nn.BatchNorm1d(12)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(12 + 8, 10)

    def forward(self, x):
        x = torch.tanh(self.conv1(x))                              # [6, 16, 32]
        x = nn.functional.leaky_relu(self.conv2(x), 0.1)           # [8, 14, 32]
        x = self.avg(x)                                            # [8, 8, 17]
        y = torch.sigmoid(self.conv3(x))
        x = torch.clamp(x, min=0) + y                              # Clip(min 0) and a residual Add
        g = torch.flatten(self.gmp(x), 1)                          # GlobalMaxPool, [8]
        x = nn.functional.max_pool2d(x, 2)                         # [8, 4, 8]
        f = x.view(x.size(0), -1) @ self.w + self.b                # Shape..Reshape, MatMul, Add
        f = self.drop(self.bn(f))
        return self.fc(torch.cat([f, g], dim=1))


class TinyGrouped(nn.Module):
    """Grouped convolution (2 groups), SiLU (Sigmoid and Mul of two computed tensors), a depthwise convolution with
    channel multiplier 2, Hardswish (HardSigmoid and Mul at opset 13), ReLU6 (Clip 0..6), a squeeze-and-excitation
    Mul by a [C, 1, 1] gate from HardSigmoid, BatchNorm after a grouped conv, and a Gemm."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.grouped = nn.Sequential(nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2, bias=False), nn.BatchNorm2d(8))
        self.depthwise = nn.Conv2d(8, 16, 3, padding=1, groups=8)
        self.pointwise = nn.Sequential(nn.Conv2d(16, 12, 1, bias=False), nn.BatchNorm2d(12), nn.ReLU6())
        self.se_reduce = nn.Conv2d(12, 4, 1)
        self.se_expand = nn.Conv2d(4, 12, 1)
        self.fc = nn.Linear(12, 10)

    def forward(self, x):
        x = self.stem(x)
        x = nn.functional.silu(self.grouped(x))                    # [8, 16, 16]
        x = nn.functional.hardswish(self.depthwise(x))             # [16, 16, 16]
        x = self.pointwise(x)                                      # [12, 16, 16]
        s = nn.functional.adaptive_avg_pool2d(x, 1)
        s = nn.functional.hardsigmoid(self.se_expand(torch.relu(self.se_reduce(s))))
        x = x * s
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def randomise_batchnorm(model):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


def export(name, model, size=32, opset=13):
    randomise_batchnorm(model)
    model.eval()
    x = torch.rand(2, 3, size, size, generator=torch.Generator().manual_seed(7)) * 2 - 1
    torch.onnx.export(model, x, name + ".onnx", opset_version=opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    x = x.clone().requires_grad_(True)
    logits = model(x)
    score = sum(logits[b, c] for b, c in enumerate(CLASSES))
    score.backward()
    np.save(name + ".input.npy", x.detach().numpy().astype(np.float32))
    np.save(name + ".logits.npy", logits.detach().numpy().astype(np.float32))
    np.save(name + ".grad.npy", x.grad.numpy().astype(np.float32))


if __name__ == "__main__":
    import os
    import sys
    torch.manual_seed(20261205)
    if len(sys.argv) == 3 and sys.argv[1] == "--torchvision":
        import torchvision
        os.makedirs(sys.argv[2], exist_ok=True)
        os.chdir(sys.argv[2])
        export("resnet18", torchvision.models.resnet18(weights=None), 112)
        export("mobilenet_v2", torchvision.models.mobilenet_v2(weights=None), 112)
    elif len(sys.argv) > 1:
        import torchvision
        # each seeded on its own, so that adding a model never changes another's bytes
        makers = {
            "tiny_grouped": lambda: export("tiny_grouped", TinyGrouped()),
            # opset 14: torchvision's Hardswish exports as the HardSwish op (opset 13 would decompose it)
            "mobilenet_v2_w025": lambda: export("mobilenet_v2_w025", torchvision.models.mobilenet_v2(
                weights=None, width_mult=0.25, num_classes=10), 64, 14),
            "mobilenet_v3_small_w025": lambda: export("mobilenet_v3_small_w025", torchvision.models.mobilenet_v3_small(
                weights=None, width_mult=0.25, num_classes=10), 64, 14),
        }
        for name in sys.argv[1:]:
            torch.manual_seed(sum(map(ord, name)))
            makers[name]()
    else:
        export("tiny_resnet", TinyResNet())
        export("tiny_mixed", TinyMixed())
