#!/usr/bin/env python3
"""The peer on the same GPU as Heed's engine: torch and pytorch-grad-cam on torchvision's ResNet-50 (weights=None,
eval mode), at the batches EnginePassBenchmark uses. Prints one JSON object on stdout; progress on stderr.

Timed, each as a median of --runs after --warmup runs, with torch.cuda.synchronize() around every run:
  forward        torch forward under no_grad (the physical anchor for the engine's forward)
  gradcam_pass   forward with a hook on layer4[-1] and autograd.grad to its output only (no weight gradients): the
                 same work as the engine's Grad-CAM pass
  pgc_gradcam    pytorch_grad_cam.GradCAM(model, [model.layer4[-1]]) called on the batch with one
                 ClassifierOutputTarget per image: what a user of pytorch-grad-cam runs (full backward, every weight
                 gradient, maps resized on the CPU), when pytorch_grad_cam is importable
each in TF32 (torch's allow_tf32 switches on) and in strict FP32.

Usage: peer_gpu.py [--pgc-dir DIR] [--ttach-dir DIR] [--batches 1,8,64,256] [--runs 5] [--warmup 2] [--device cuda]
DIR is the folder holding pytorch_grad_cam/ (or ttach/); nothing is downloaded.
"""
import argparse
import json
import statistics
import sys
import time


def timed(fn, sync, warmup, runs):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pgc-dir")
    parser.add_argument("--ttach-dir")
    parser.add_argument("--batches", default="1,8,64,256")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--size", type=int, default=224)
    args = parser.parse_args()
    for d in (args.ttach_dir, args.pgc_dir):
        if d:
            sys.path.insert(0, d)

    import torch
    import torchvision

    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).to(device).eval()
    try:
        from pytorch_grad_cam import GradCAM
        from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
        pgc = "importable"
    except Exception as e:  # the package folders travel with the bundle only when a session fetched them
        GradCAM = None
        pgc = "not importable: %s" % e
    result = {"device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu", "torch": torch.__version__,
              "torchvision": torchvision.__version__, "pytorch_grad_cam": pgc, "size": args.size, "runs": args.runs,
              "statistic": "median seconds per batch", "results": []}

    captured = {}
    model.layer4[-1].register_forward_hook(lambda m, i, o: captured.__setitem__("a", o))

    for tf32 in (True, False):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        for batch in [int(b) for b in args.batches.split(",")]:
            x = torch.randn(batch, 3, args.size, args.size, device=device)
            weights = torch.zeros(batch, 1000, device=device)
            weights[torch.arange(batch), (torch.arange(batch) * 37) % 1000] = 1
            row = {"batch": batch, "tf32": tf32}

            def forward():
                with torch.no_grad():
                    model(x)

            def gradcam_pass():
                xi = x.detach().requires_grad_(False)
                logits = model(xi)
                grad, = torch.autograd.grad((logits * weights).sum(), captured["a"])
                (captured["a"].detach() * grad.mean(dim=(2, 3), keepdim=True)).sum(1).clamp_min(0)

            try:
                row["forward"] = timed(forward, sync, args.warmup, args.runs)
                row["gradcam_pass"] = timed(gradcam_pass, sync, args.warmup, args.runs)
                if GradCAM is not None:
                    cam = GradCAM(model=model, target_layers=[model.layer4[-1]])
                    targets = [ClassifierOutputTarget(int(i * 37 % 1000)) for i in range(batch)]
                    row["pgc_gradcam"] = timed(lambda: cam(input_tensor=x, targets=targets), sync, args.warmup, args.runs)
            except RuntimeError as e:  # out of memory at the largest batch is a result, not a crash
                row["error"] = str(e).splitlines()[0]
                if device.type == "cuda":
                    torch.cuda.empty_cache()
            for key in ("forward", "gradcam_pass", "pgc_gradcam"):
                if key in row:
                    row[key + "_img_per_s"] = batch / row[key]
            print("peer:", json.dumps(row), file=sys.stderr)
            result["results"].append(row)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
