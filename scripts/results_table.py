#!/usr/bin/env python3
"""Summarises run folders (bcjr ptq / bcjr train) as a Markdown table: perplexities FP, PTQ and QAT
with their protocol, the change QAT - PTQ, and from metrics.jsonl the steps, last KL, flips at the
last step and seconds of training.

    python3 scripts/results_table.py RUNS_DIR
"""
import json
import pathlib
import sys


def row(run):
    cfg = json.loads((run / "run.json").read_text())["config"]
    res = json.loads((run / "results.json").read_text())
    ppl = {p["label"]: p for p in res.get("perplexity", [])}
    metrics = []
    if (run / "metrics.jsonl").exists():
        metrics = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines() if l.strip()]
    fp, ptq, qat = (ppl.get(k, {}).get("ppl") for k in ("FP", "PTQ", "QAT"))
    sch = cfg["schedule"]
    sch = f"{sch['kind']} {sch.get('t0', '')}->{sch.get('tmin', '')}" if "t0" in sch else sch["kind"]
    lr = f"lr {cfg['lr']:g}" + ("" if cfg.get("lr_units", "weight") == "weight" else f" {cfg['lr_units']}")
    what = f"PTQ {cfg['ptq_mode']}" if cfg["steps"] == 0 else \
        f"QAT {sch}, {cfg['multi_layer']}, PTQ {cfg['ptq_mode']}, {lr}"
    flips = ""
    if metrics:
        last = {}
        for m in metrics:  # the last step of each phase
            last[m["phase"]] = m
        flips = sum(l.get("flips", 0) for m in last.values() for l in m["linears"] if l.get("flips", -1) >= 0)
    proto = next(iter(ppl.values()), {})
    return {
        "run": run.name, "layers": ",".join(str(l) for l in cfg["layers"]), "what": what, "seed": cfg["seed"],
        "fp": fp, "ptq": ptq, "qat": qat, "delta": (qat - ptq) if (qat and ptq) else None,
        "steps": len(metrics), "kl": metrics[-1]["kl"] if metrics else None, "flips": flips,
        "seconds": sum(m["seconds"] for m in metrics),
        "proto": f"ctx {proto.get('ctx')}, {proto.get('windows')} windows, {proto.get('tokens')} tokens",
    }


def fmt(x, spec):
    return "" if x is None or x == "" else format(x, spec)


def main():
    runs = sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if (p / "results.json").exists())
    rows = [row(r) for r in runs]
    print("| run | layers | method | seed | FP | PTQ | QAT | QAT - PTQ | steps | last KL | flips | train s | protocol |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['run']} | {r['layers']} | {r['what']} | {r['seed']} | {fmt(r['fp'], '.4f')} | {fmt(r['ptq'], '.4f')} "
              f"| {fmt(r['qat'], '.4f')} | {fmt(r['delta'], '+.4f')} | {r['steps']} | {fmt(r['kl'], '.4f')} "
              f"| {r['flips']} | {r['seconds']:.1f} | {r['proto']} |")


if __name__ == "__main__":
    main()
