"""``make bench``: every screen workload and the relay benchmarks, written up.

Run from the repository root::

    .venv/bin/python -m bench.run                  # everything, about two hours
    .venv/bin/python -m bench.run --quick          # a smoke run, about 2 minutes
    .venv/bin/python -m bench.run --only typing,relay --seconds 30

A full run writes ``bench/results/latest.json`` and ``latest.md`` and
refreshes the generated tables in ``docs/performance.md``; a ``--quick`` or
``--only`` run writes ``bench/results/partial.json`` and ``partial.md`` and
leaves the docs alone. The screen workloads need Xvfb, libXtst and the Qt xcb
libraries (``make setup`` installs them on Debian); the relay part needs
nothing but loopback.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench import (
    cluster_bench,
    console_bench,
    control_bench,
    desk_bench,
    desk_load,
    identity_bench,
    message_bench,
    procs,
    relay_bench,
    report,
    room_bench,
    video_quality,
)
from bench.screen_bench import ASSIST, ASSIST_TILES, Plan, references_for, run_workload
from bench.xserver import running_xvfb

RESULTS = Path(__file__).resolve().parent / "results"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
PARTS = (
    *report.WORKLOADS,
    "x11vnc",
    "no-video",
    "video",
    "relay",
    "messages",
    "identity",
    "cluster",
    "rooms",
    "control",
    "desk",
    "console",
)
#: A full run repeats each screen workload (the machine is noisy) and reports medians.
FULL_REPEAT = 5


def plans(quick: bool, seconds: float | None) -> dict[str, Plan]:
    if seconds is not None:
        return {kind: Plan(seconds) for kind in report.WORKLOADS}
    if quick:  # static stays long enough for its CPU share to mean something
        return {
            kind: Plan(10.0 if kind == "static" else 6.0, probes=3) for kind in report.WORKLOADS
        }
    # Motion runs a minute: a backlog that grows must show in its last third.
    return {kind: Plan(60.0 if kind == "motion" else 20.0) for kind in report.WORKLOADS}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short runs: a smoke test, ~2 minutes")
    p.add_argument(
        "--only",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        metavar="PART[,PART]",
        help=f"run only these parts: {', '.join(PARTS)}",
    )
    p.add_argument("--seconds", type=float, help="active seconds per screen workload (20)")
    p.add_argument(
        "--repeat",
        type=int,
        help="run each screen workload N times and report medians (5 in a full run, else 1)",
    )
    p.add_argument("--out", type=Path, help="results JSON (default: bench/results/...)")
    p.add_argument("--no-docs", action="store_true", help="do not touch docs/performance.md")
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, frames)")
    p.add_argument(
        "--no-tls",
        action="store_true",
        help="plain ws:// relays, to measure what TLS costs (not what users run)",
    )
    args = p.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        p.error("--repeat must be 1 or more")
    unknown = sorted(set(args.only or ()) - set(PARTS))
    if unknown:
        p.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parts = args.only or list(PARTS)
    full = not args.quick and not args.only and args.seconds is None
    repeat = args.repeat or (FULL_REPEAT if full else 1)
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": "",
        "generated": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "command": "make bench" if full else "python -m bench.run " + " ".join(sys.argv[1:]),
        "workloads": {},
        "reference": {},
        "video": {},
        "relay": {},
        "messages": {},
        "identity": {},
        "cluster": {},
        "rooms": {},
        "control": {},
        "desk": {},
        "desk_load": {},
        "desk_load_cluster": {},
        "console": {},
    }
    info = report.machine()
    results["machine"], results["machine_detail"] = info["summary"], info
    print(f"machine: {info['summary']}; load {info['load_average_at_start']}", flush=True)
    work_dir = tempfile.mkdtemp(prefix="assist-bench-")
    work = Path(work_dir)
    if not args.no_tls:
        procs.use_tls(work)  # every relay (and the yardstick forwarder) serves wss://
    results["tls"] = not args.no_tls
    kinds = [k for k in report.WORKLOADS if k in parts]
    if kinds:
        plan_for = plans(args.quick, args.seconds)
        results["plans"] = {k: plan_for[k].__dict__ for k in kinds}
        results["repeat"] = repeat
        with running_xvfb() as display:
            for kind in kinds:
                t = time.monotonic()
                peers = [ASSIST] + (references_for(kind) if "x11vnc" in parts else [])
                if "no-video" in parts and kind in ("windowmove", "motion"):
                    peers.append(ASSIST_TILES)
                names = ", ".join(p.name for p in peers)
                print(f"{kind}: {names} ({plan_for[kind].seconds:g} s) x{repeat} ...", flush=True)
                runs: dict[str, list[dict[str, Any]]] = {p.name: [] for p in peers}
                for i in range(repeat):  # the peers alternate, round by round
                    for peer in peers:
                        try:
                            runs[peer.name].append(
                                run_workload(
                                    kind,
                                    plan_for[kind],
                                    display,
                                    work / f"{kind}-{peer.name}-{i}",
                                    peer,
                                )
                            )
                        except Exception as exc:  # noqa: BLE001 - one broken part must not lose the rest
                            traceback.print_exc()
                            runs[peer.name].append({"error": f"{type(exc).__name__}: {exc}"})
                result = median_of(runs.pop(ASSIST.name))
                result["run_s"] = round(time.monotonic() - t, 1)
                results["workloads"][kind] = result
                print(f"{kind}: {_brief(result)}", flush=True)
                if runs:
                    results["reference"][kind] = {n: median_of(r) for n, r in runs.items()}
                    for name, ref in results["reference"][kind].items():
                        print(f"{kind} {name}: {_brief(ref)}", flush=True)
        results["ratios"] = report.ratios(results)
    if "video" in parts:
        print("video: PSNR while the motion workload moves and after it stops ...", flush=True)
        try:
            with running_xvfb() as display:
                results["video"] = video_quality.run(display, 30 if args.quick else 90)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["video"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"video: {_brief(results['video'])}", flush=True)
    if "relay" in parts:
        print("relay: running ...", flush=True)
        try:
            results["relay"] = relay_bench.run(work / "relay", quick=args.quick)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["relay"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"relay: {_brief(results['relay'])}", flush=True)
    if "messages" in parts:
        print("messages: running ...", flush=True)
        try:
            results["messages"] = message_bench.run(rounds=3 if args.quick else FULL_REPEAT)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["messages"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"messages: {_brief(results['messages'])}", flush=True)
    if "identity" in parts:
        print("identity: running ...", flush=True)
        try:
            results["identity"] = identity_bench.run(rounds=3 if args.quick else FULL_REPEAT)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["identity"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"identity: {_brief(results['identity'])}", flush=True)
    if "cluster" in parts:
        print("cluster: running (PostgreSQL, Redis, HAProxy, three nodes) ...", flush=True)
        try:
            results["cluster"] = cluster_bench.run(work / "cluster", quick=args.quick)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["cluster"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"cluster: {_brief(results['cluster'])}", flush=True)
    if "rooms" in parts:
        print("rooms: running (1 and 4 helpers, one slow; typing and scrolling) ...", flush=True)
        try:
            with running_xvfb() as display:
                results["rooms"] = room_bench.run(
                    display,
                    work / "rooms",
                    rounds=1 if args.quick else FULL_REPEAT,
                    seconds=5.0 if args.quick else 10.0,
                )
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["rooms"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"rooms: {_brief(results['rooms'])}", flush=True)
    if "control" in parts:
        print("control: keystroke round trip, a 100 MB file while the screen moves ...")
        try:
            with running_xvfb() as display:
                results["control"] = control_bench.run(
                    display, work / "control", rounds=1 if args.quick else FULL_REPEAT
                )
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["control"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"control: {_brief(results['control'])}", flush=True)
    if "desk" in parts:
        print("desk: running (simulated days of the wait estimate) ...", flush=True)
        try:
            results["desk"] = desk_bench.run(rounds=3 if args.quick else FULL_REPEAT)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["desk"] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"desk: {_brief(results['desk'])}", flush=True)
        print("desk: running (500 customers waiting, 50 agents taking) ...", flush=True)
        try:
            results["desk_load"] = desk_load.run(
                work / "desk-load", rounds=2 if args.quick else FULL_REPEAT
            )
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["desk_load"] = {"error": f"{type(exc).__name__}: {exc}"}
        print("desk: the same load against three nodes (PostgreSQL, Redis) ...", flush=True)
        try:
            results["desk_load_cluster"] = desk_load.run(
                work / "desk-load-cluster", rounds=2 if args.quick else FULL_REPEAT, nodes=3
            )
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["desk_load_cluster"] = {"error": f"{type(exc).__name__}: {exc}"}
    if "console" in parts:
        print("console: reports over 1,000,000 contacts, 50 live desks, 10,000 webhooks ...")
        try:
            results["console"] = console_bench.run(work / "console", quick=args.quick)
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            results["console"] = {"error": f"{type(exc).__name__}: {exc}"}
    results["targets"] = report.check(results)
    results["total_s"] = round(time.monotonic() - started, 1)

    out = args.out or RESULTS / ("latest.json" if full else "partial.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = report.markdown(results)
    out.with_suffix(".md").write_text(table, encoding="utf-8")
    print()
    print(table)
    print(f"wrote {out} and {out.with_suffix('.md')}")
    if full and not args.no_docs:
        if report.update_docs(DOCS, table):
            print(f"updated the tables in {DOCS}")
        else:
            print(f"note: no bench markers in {DOCS}; tables not copied there")
    if args.keep:
        print(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from repeated runs: the median of every number; the runs kept under "runs"."""
    good = [r for r in runs if "error" not in r]
    if len(runs) == 1 or not good:
        return runs[0]
    out: dict[str, Any] = dict(good[0])
    for key in good[0]:
        values = [r.get(key) for r in good]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(values):
            out[key] = round(statistics.median(numbers), 3)
    out["runs"] = runs
    return out


def _brief(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"FAILED: {result['error']}"
    keys = (
        *("fps", "input_latency_ms_p50", "input_latency_ms_p95", "bytes_per_s", "client_cpu_pct"),
        *("psnr_db", "throughput_ratio", "p99_added_ms", "idle_conn_kb"),
        *("motion_frame_build_ratio", "motion_frame_parse_ratio"),
        *("identity_ms", "pake_ms", "identity_to_pake_ratio"),
        *("cross_setup_added_ms", "cross_rtt_ratio", "three_nodes_p99_added_ms"),
        *("cpu_per_session_ratio", "failover_s_p95"),
        *("sqlite_sign_ins_per_s", "postgresql_sign_ins_per_s"),
        *("typing_p95_ratio", "scrolling_p95_ratio", "typing_fps_ratio", "scrolling_fps_ratio"),
        *("typing_split_p95_ratio", "scrolling_split_p95_ratio"),
        *("abs_error_min_median_of_days",),
        *("psnr_moving_min", "psnr_after_refine", "bytes_ratio"),
        *("rtt_p50_ms", "file_mb_per_s", "fps_during_file"),
    )
    return ", ".join(f"{k}={result[k]}" for k in keys if k in result)


if __name__ == "__main__":
    sys.exit(main())
