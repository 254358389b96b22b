#!/usr/bin/env python3
"""The BCJR sweeps of an `ncu` text report (./scripts/gpu-test --profile writes profile-bcjr.txt) as a
markdown table: one row per distinct sweep kernel launched on --tiles tiles (its first launch),
with time, registers, occupancy, issue figures and thread instructions per state-step
(executed warp instructions x 32 / (tiles x steps x states)).

  python3 scripts/ncu_table.py profile-bcjr.txt --tiles 1056 [--steps 128] [--states 65536]
"""
import argparse
import re
import sys

METRICS = ["Duration", "Registers Per Thread", "Theoretical Occupancy", "Achieved Occupancy",
           "Executed Ipc Active", "Issue Slots Busy", "No Eligible", "L1/TEX Hit Rate", "Executed Instructions"]
HEADER = re.compile(r"^  void (bcjr_sweep_kernel|bcjr_lean_fused_sweep_kernel)<([^>]*)>\(BcjrLaunch\) \((\d+), 1, 1\)")


def describe(kernel, flags):
    """Template flags as the sweep they select (kernels/bcjr_sweep_kernels.cuh)."""
    if kernel == "bcjr_sweep_kernel":  # <L, KV, V, K, kForward, kTangent, kFuse, kRepLut>
        forward, tangent, fuse, rep = flags[4:8]
        lean = 0
    else:  # bcjr_lean_fused_sweep_kernel<L, KV, V, K, kTangent, kRepLut>
        forward, tangent, fuse, rep, lean = 0, flags[4], 1, flags[5], 1
    name = ("forward" if forward else "backward") + (" + posterior" if fuse else "") + (", tangents" if tangent else "")
    how = ", ".join(x for x, on in (("lean", lean), ("replicated LUT", rep)) if on) or "first design"
    return name, how


def parse(path):
    launches, cur = [], None
    for line in open(path, encoding="utf-8", errors="replace"):
        m = HEADER.match(line)
        if m:
            cur = {"kernel": m.group(1), "flags": [int(x) for x in m.group(2).split(",")], "grid": int(m.group(3))}
            launches.append(cur)
        elif cur:
            for k in METRICS:
                mm = re.match(r"^    " + re.escape(k) + r"\s+\S+\s+([\d,.]+)\s*$", line)
                if mm and k not in cur:
                    cur[k] = mm.group(1).replace(",", "")
    return launches


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report")
    ap.add_argument("--tiles", type=int, required=True)
    ap.add_argument("--steps", type=int, default=128)
    ap.add_argument("--states", type=int, default=65536)
    a = ap.parse_args()
    launches = [l for l in parse(a.report) if l["grid"] == a.tiles]
    if not launches:
        sys.exit(f"ncu_table: no BCJR sweep launched on {a.tiles} tiles in {a.report}")
    state_steps = a.tiles * a.steps * a.states
    print("| sweep | kernel build | ms | registers | occupancy theor. / achieved % | IPC | issue slots busy % "
          "| no eligible % | L1 hit % | instr. per state-step |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    seen = set()
    for l in launches:
        key = (l["kernel"], tuple(l["flags"]))
        if key in seen:
            continue
        seen.add(key)
        name, how = describe(l["kernel"], l["flags"])
        per = int(float(l["Executed Instructions"])) * 32 / state_steps
        print(f"| {name} | {how} | {l['Duration']} | {l['Registers Per Thread']} | {l['Theoretical Occupancy']} / "
              f"{l['Achieved Occupancy']} | {l['Executed Ipc Active']} | {l['Issue Slots Busy']} | {l['No Eligible']} "
              f"| {l['L1/TEX Hit Rate']} | {per:.1f} |")


if __name__ == "__main__":
    main()
