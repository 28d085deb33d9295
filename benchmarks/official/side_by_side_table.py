#!/usr/bin/python3
"""Prints the Markdown side-by-side table from the official drivers' JSON lines and the harness's metrics.json files.

    side_by_side_table.py OFFICIAL.jsonl HARNESS_RUNS_DIR

HARNESS_RUNS_DIR is <output>/official_side_by_side/synthetic/pill (one folder per method, seed0/metrics.json).
Both ratios read "> 1: the harness is faster": predict = harness img/s / official img/s, epoch = official s /
harness s (issue 23's convention).
"""
import csv
import json
import os
import sys

ROWS = [
    # method, what the official side runs, the setting both sides run
    ("patchcore", "PatchCore", "WRN-50-2 L2+3, 256->224, batch 2, coreset 10 %"),
    ("reconpatch", "PatchCore at 1 % (ReConPatch has no public code)", "WRN-50-2 L2+3, 256->224, batch 2, coreset 1 %"),
    ("cfa", "CFA", "ResNet-18 L1-3, 256->224, batch 4"),
    ("fyd", "RegAD test() (FYD has no public code)", "ResNet-18 + STNs, 224; harness FYD batch 32 / RegAD batch 1"),
    ("rd4ad", "RD4AD", "ResNet-18, 256, train batch 16, test batch 1"),
    ("recontrast", "ReContrast", "WRN-50-2, 256, train batch 16, test batch 1"),
    ("ssm", "SSM (Retinal-OCT code)", "UNet 64 ch, 128, train batch 32, test batch 1"),
]


def number(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def epoch_end_seconds(runs_dir, method):
    """Seconds from the start of the harness's Fit to its last training step (train_log.csv's last row): the epoch
    without what Fit does after it (coreset, Gaussian, SSM's score statistics over the training set)."""
    path = os.path.join(runs_dir, method, "seed0", "train_log.csv")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return float(rows[-1]["seconds"]) if rows and rows[-1].get("seconds") else None


def main():
    official_file, runs_dir = sys.argv[1], sys.argv[2]
    official = {}
    with open(official_file) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                entry = json.loads(line)
                official[entry["method"]] = entry
    harness = {}
    for method, _, _ in ROWS:
        path = os.path.join(runs_dir, method, "seed0", "metrics.json")
        if os.path.exists(path):
            with open(path) as f:
                harness[method] = json.load(f)

    print("| method | official code | setting (both sides) | official predict img/s | harness predict img/s | ratio "
          "| official epoch s | harness epoch s | ratio |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    rows = [row for row in ROWS if row[0] in official or row[0] in harness]  # the methods this run timed
    for method, code, setting in rows:
        o, h = official.get(method, {}), harness.get(method, {})
        t = h.get("timings", {})
        o_predict, h_predict = o.get("predict_images_per_second"), t.get("predict_images_per_second")
        o_fit, h_fit = o.get("fit_seconds"), t.get("fit_seconds")
        batch = t.get("predict_batch_size")
        h_predict_text = number(h_predict) + (f" (batch {batch})" if batch else "")
        print(f"| {method} | {code} | {setting} | {number(o_predict)} | {h_predict_text} | "
              f"{number(ratio(h_predict, o_predict))} | {number(o_fit, 1)} | {number(h_fit, 1)} | "
              f"{number(ratio(o_fit, h_fit))} |")

    print()
    print("With loading (the official loop's wall time, DataLoader included; the harness's predict phase: "
          "loading, pre-processing, the model, copying maps); the harness at batch 1 (warm, up to 16 images); "
          "the harness's Fit up to its last training step (train_log.csv), without the coreset, Gaussian or "
          "score statistics that follow it:")
    print()
    print("| method | test images | official img/s with loading | harness img/s with loading | ratio "
          "| harness img/s at batch 1 | harness s to the epoch's last step | ratio to official epoch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for method, _, _ in rows:
        o, h = official.get(method, {}), harness.get(method, {})
        t = h.get("timings", {})
        images = h.get("counts", {}).get("test") or o.get("test_images")
        o_loaded = o.get("predict_images_per_second_with_loading")
        h_loaded = images / t["predict_seconds"] if images and t.get("predict_seconds") else None
        epoch_end = epoch_end_seconds(runs_dir, method)
        print(f"| {method} | {images if images else '—'} | {number(o_loaded)} | {number(h_loaded)} | "
              f"{number(ratio(h_loaded, o_loaded))} | {number(t.get('predict_images_per_second_batch1'))} | "
              f"{number(epoch_end, 1)} | {number(ratio(o.get('fit_seconds'), epoch_end))} |")


if __name__ == "__main__":
    main()
