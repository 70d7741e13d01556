#!/usr/bin/python3
"""Torch references of whole saliency methods on the committed ONNX test models, for OnnxMethodReferenceTest.

Run with Debian's python3 (python3-torch, python3-torchvision, python3-opencv) and a checkout of pytorch-grad-cam
(jacobgil/pytorch-grad-cam, never committed here; see ../shared/peers/ and benchmarks/gpu-bundle/peers/):

    cd toolkit/src/test/resources/onnx
    PYTHONPATH=/work/main/benchmarks/gpu-bundle/peers/pytorch-grad-cam:/work/main/benchmarks/gpu-bundle/peers/ttach \\
        /usr/bin/python3 make_method_references.py

The torch models are rebuilt from make_models.py's seeds and checked against the committed NAME.logits.npy before any
reference is written, so the references belong to the committed .onnx files. For each model NAME and image b of
NAME.input.npy, with class CLASSES[b]:
    NAME.gradcam.npy  pytorch-grad-cam's GradCAM map [2, H, W] at the model's last spatial layer, as that
                      library returns it (min-max scaled to [0, 1], then resized with cv2 to the input size)
    NAME.ig.npy       Integrated Gradients [2, 3, H, W]: baseline 0, IG_STEPS midpoint steps,
                      (x - 0) * mean_k dS/dx at (k + 0.5) / IG_STEPS * x
"""
import sys

import numpy as np
import torch

import make_models

IG_STEPS = 16


def tiny_resnet():
    torch.manual_seed(20261205)
    model = make_models.TinyResNet()
    make_models.randomise_batchnorm(model)
    return model, model.avg


def torchvision_model(name):
    """make_models.py's torchvision models at width 0.25, rebuilt from the same per-name seed. The CAM layer is the last
    feature block, as pytorch-grad-cam's README suggests for MobileNets, except for MobileNetV2, whose last block's
    ReLU6 leaves an all-zero Grad-CAM for both test classes with these random weights (nothing to compare); there it is
    the block before (features[-2], ONNX node /features/features.17/conv/conv.2/Conv)."""
    import torchvision
    torch.manual_seed(sum(map(ord, name)))
    make = torchvision.models.mobilenet_v2 if name.startswith("mobilenet_v2") else torchvision.models.mobilenet_v3_small
    model = make(weights=None, width_mult=0.25, num_classes=10)
    make_models.randomise_batchnorm(model)
    return model, model.features[-2] if name.startswith("mobilenet_v2") else model.features[-1]


def build(name):
    if name == "tiny_resnet":
        return tiny_resnet()
    if name in ("mobilenet_v2_w025", "mobilenet_v3_small_w025"):
        return torchvision_model(name)
    raise SystemExit("unknown model " + name)


def integrated_gradients(model, x, classes):
    total = torch.zeros_like(x)
    for k in range(IG_STEPS):
        point = ((k + 0.5) / IG_STEPS * x).detach().requires_grad_(True)
        logits = model(point)
        score = sum(logits[b, c] for b, c in enumerate(classes))
        (grad,) = torch.autograd.grad(score, point)
        total += grad
    return x * total / IG_STEPS


def main(names):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    for name in names:
        model, layer = build(name)
        model.eval()
        x = torch.from_numpy(np.load(name + ".input.npy"))
        with torch.no_grad():
            logits = model(x).numpy()
        expected = np.load(name + ".logits.npy")
        if not np.allclose(logits, expected, rtol=1e-5, atol=1e-5):
            raise SystemExit(name + ": the rebuilt torch model does not give the committed logits; references not written")
        classes = make_models.CLASSES
        cam = GradCAM(model=model, target_layers=[layer])
        maps = cam(input_tensor=x, targets=[ClassifierOutputTarget(c) for c in classes])
        np.save(name + ".gradcam.npy", np.asarray(maps, dtype=np.float32))
        np.save(name + ".ig.npy", integrated_gradients(model, x, classes).detach().numpy().astype(np.float32))
        print(name, "gradcam", maps.shape, "ig", x.shape)


if __name__ == "__main__":
    main(sys.argv[1:] or ["tiny_resnet", "mobilenet_v2_w025", "mobilenet_v3_small_w025"])
