#!/usr/bin/env python3
"""Turns the JMH JSON of `run.sh bench OUT` into the README's markdown: CPU against CUDA medians and their ratio per
benchmark, for the fused overlay its GB/s against the device-to-device copy, and the CPU overlay of the same batch
against the GPU's end-to-end paths. Usage: report.py OUT [GPU name]."""
import json
import os
import statistics
import sys


def medians(path):
    out = {}
    try:
        results = json.load(open(path))
    except (OSError, ValueError):
        return out  # missing, or empty because its JMH run failed or was cut short
    for r in results:
        raw = [x for it in r["primaryMetric"]["rawData"] for x in it]
        params = dict(r.get("params", {}))
        backend = params.pop("backend", None)
        key = (r["benchmark"].split(".", 3)[-1].split(".", 1)[-1], tuple(sorted(params.items())))
        out.setdefault(key, {})[backend] = statistics.median(raw)
    return out


def main():
    out_dir = sys.argv[1]
    gpu = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else "the GPU in nvidia-smi.txt"
    rows = {}
    for name in ("jmh.json", "jmh-map.json", "jmh-attention.json", "jmh-gpu-sizes.json"):
        for key, by in medians(os.path.join(out_dir, name)).items():
            rows.setdefault(key, {}).update(by)
    print(f"| benchmark | parameters | CPU median ms | CUDA median ms ({gpu}) | CPU / CUDA |")
    print("|---|---|---|---|---|")
    for (name, params), by in sorted(rows.items()):
        cpu, cuda = by.get("cpu"), by.get("cuda")
        ratio = f"{cpu / cuda:.1f}x" if cpu and cuda else "-"
        p = ", ".join(f"{k}={v}" for k, v in params)
        print(f"| {name} | {p} | {'-' if cpu is None else f'{cpu:.3f}'} | {'-' if cuda is None else f'{cuda:.3f}'} | {ratio} |")
    engine(out_dir, gpu)
    convolutions(out_dir, gpu)
    overlay = medians(os.path.join(out_dir, "jmh-overlay.json"))
    if overlay:
        print()
        print("| fused overlay | parameters | median ms | GB/s | of device copy |")
        print("|---|---|---|---|---|")
        by_params = {}
        for (name, params), by in overlay.items():
            by_params.setdefault(params, {})[name] = by[None]
        for params, ms in sorted(by_params.items()):
            p = dict(params)
            moved = 8 * int(p["batch"]) * int(p["side"]) ** 2
            copy = ms.get("deviceCopy")
            for name in ("kernelsOnly", "deviceCopy", "transfersOnly", "endToEnd", "streamedEndToEnd", "cpuOverlay"):
                if name in ms:
                    gbs = moved / (ms[name] / 1000) / 1e9
                    share = f"{copy / ms[name] * 100:.0f}%" if copy and name == "kernelsOnly" else ""
                    print(f"| {name} | batch={p['batch']}, side={p['side']} | {ms[name]:.3f} | {gbs:.0f} | {share} |")
            if "cpuOverlay" in ms:
                for name in ("endToEnd", "streamedEndToEnd"):
                    if name in ms:
                        print(f"\nCPU overlay ({p['batch']} x {p['side']}^2, all cores) / GPU {name}: {ms['cpuOverlay'] / ms[name]:.1f}x")

# torchvision ResNet-50 at 224x224: 4.09 GMAC forward; a backward to the input costs about as much again (no weight
# gradients), so the Grad-CAM pass is counted as 2 x forward up to layer4 and the input gradient as 2 x forward
FORWARD_FLOP = 2 * 4.09e9


def engine(out_dir, gpu):
    """Images per second of the engine's passes beside torch and pytorch-grad-cam from peer.json, same GPU."""
    rows = medians(os.path.join(out_dir, "jmh-engine.json"))
    if not rows:
        return
    try:
        peer = {(r["batch"], r["tf32"]): r for r in json.load(open(os.path.join(out_dir, "peer.json")))["results"]}
    except (OSError, ValueError, KeyError):
        peer = {}
    print()
    print(f"| ResNet-50 (torchvision layout) on {gpu} | input | batch | precision | Heed engine img/s | TFLOP/s | torch img/s (same precision) | pytorch-grad-cam img/s | Heed / pytorch-grad-cam |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, params), by in sorted(rows.items(), key=lambda kv: (kv[0][0], int(dict(kv[0][1]).get("batch", 0)))):
        p = dict(params)
        batch = int(p.get("batch", 1))
        size = int(p.get("size", 224))
        ms = by.get(None)
        if ms is None:
            continue
        rate = batch / (ms / 1000)
        flop = FORWARD_FLOP * (size / 224) ** 2 * (1 if name == "forward" else 2) * batch / (ms / 1000) / 1e12
        precision = p.get("precision", "FP32")
        key = {"forward": "forward", "gradCamPass": "gradcam_pass"}.get(name)
        same = peer.get((batch, precision == "TF32"), {}) if size == 224 else {}
        torch_rate = f"{same[key + '_img_per_s']:.0f}" if key and key + "_img_per_s" in same else "-"
        # pytorch-grad-cam's GradCAM gives maps at input size: against Heed's whole explanation (gradCam: pass, maps,
        # overlay) and its pass alone
        pgc = same.get("pgc_gradcam_img_per_s") if name in ("gradCamPass", "gradCam") else None
        print(f"| {name} | {size}x{size} | {batch} | {precision} | {rate:.2f} | {flop:.1f} | {torch_rate} | {'-' if not pgc else f'{pgc:.0f}'} | "
              f"{'-' if not pgc else f'{rate / pgc:.2f}x'} |")


# NVIDIA's published dense peaks, TFLOP/s: (FP32 on the CUDA cores, TF32 on the tensor cores without sparsity)
# (first match wins: the more specific names first; GH200's GPU is an H100 SXM's)
PEAKS = [("H100 PCIe", (51.2, 378.0)), ("H100 NVL", (60.0, 417.5)), ("H100", (66.9, 494.7)), ("H200", (66.9, 494.7)),
         ("A100", (19.5, 156.0))]


def convolutions(out_dir, gpu):
    """TFLOP/s of each ResNet-50 convolution alone (ConvShapeBenchmark), and its share of the GPU's peak when known."""
    rows = medians(os.path.join(out_dir, "jmh-conv.json"))
    if not rows:
        return
    peak = next((p for name, p in PEAKS if name in gpu), None)
    print()
    print(f"| ResNet-50 convolution on {gpu} | pass | batch | precision | median ms | TFLOP/s | of the dense peak |")
    print("|---|---|---|---|---|---|---|")
    for (name, params), by in sorted(rows.items(), key=lambda kv: (kv[0][0], dict(kv[0][1]).get("precision"), shape_order(dict(kv[0][1])["shape"]))):
        p = dict(params)
        ms = by.get(None)
        if ms is None:
            continue
        in_c, out_c, kernel, stride, side = shape_numbers(p["shape"])
        out_side = (side + 2 * (kernel // 2) - kernel) // stride + 1
        batch = int(p["batch"])
        flop = 2 * batch * out_c * out_side * out_side * in_c * kernel * kernel
        tflops = flop / (ms / 1000) / 1e12
        share = "-" if peak is None else f"{tflops / peak[0 if p['precision'] == 'FP32' else 1] * 100:.0f}%"
        print(f"| {p['shape']} | {name} | {batch} | {p['precision']} | {ms:.3f} | {tflops:.1f} | {share} |")


def shape_numbers(shape):
    """'in>out kK sS @side' as five ints."""
    channels, kernel, stride, side = shape.split(" ")
    in_c, out_c = channels.split(">")
    return int(in_c), int(out_c), int(kernel[1:]), int(stride[1:]), int(side[1:])


def shape_order(shape):
    in_c, out_c, kernel, stride, side = shape_numbers(shape)
    return (-side, in_c, out_c, kernel, stride)


if __name__ == "__main__":
    main()
