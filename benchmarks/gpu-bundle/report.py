#!/usr/bin/env python3
"""Turns the JMH JSON of `run.sh bench OUT` into the README's markdown: CPU against CUDA medians and their ratio per
benchmark, and for the fused overlay its GB/s against the device-to-device copy. Usage: report.py OUT [GPU name]."""
import json
import os
import statistics
import sys


def medians(path):
    out = {}
    if not os.path.exists(path):
        return out
    for r in json.load(open(path)):
        raw = [x for it in r["primaryMetric"]["rawData"] for x in it]
        params = dict(r.get("params", {}))
        backend = params.pop("backend", None)
        key = (r["benchmark"].split(".", 3)[-1].split(".", 1)[-1], tuple(sorted(params.items())))
        out.setdefault(key, {})[backend] = statistics.median(raw)
    return out


def main():
    out_dir = sys.argv[1]
    gpu = sys.argv[2] if len(sys.argv) > 2 else "the GPU in nvidia-smi.txt"
    rows = medians(os.path.join(out_dir, "jmh.json"))
    for key, by in medians(os.path.join(out_dir, "jmh-gpu-sizes.json")).items():
        rows.setdefault(key, {}).update(by)
    print(f"| benchmark | parameters | CPU median ms | CUDA median ms ({gpu}) | CPU / CUDA |")
    print("|---|---|---|---|---|")
    for (name, params), by in sorted(rows.items()):
        cpu, cuda = by.get("cpu"), by.get("cuda")
        ratio = f"{cpu / cuda:.1f}x" if cpu and cuda else "-"
        p = ", ".join(f"{k}={v}" for k, v in params)
        print(f"| {name} | {p} | {'-' if cpu is None else f'{cpu:.3f}'} | {'-' if cuda is None else f'{cuda:.3f}'} | {ratio} |")
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
            for name in ("kernelsOnly", "deviceCopy", "transfersOnly", "endToEnd"):
                if name in ms:
                    gbs = moved / (ms[name] / 1000) / 1e9
                    share = f"{copy / ms[name] * 100:.0f}%" if copy and name == "kernelsOnly" else ""
                    print(f"| {name} | batch={p['batch']}, side={p['side']} | {ms[name]:.3f} | {gbs:.0f} | {share} |")


if __name__ == "__main__":
    main()
