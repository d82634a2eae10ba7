"""What every benchmark records about the machine it ran on, and how it
times."""

import platform
import time


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def best_of(repeat, function):
    """The shortest wall time of `repeat` calls of `function`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def add_output_options(parser, root, name):
    """--output FILE (default out/bench/NAME.json, outside version control)
    and --record (write bench/results/NAME.json, the committed result that
    docs/performance.md quotes). Resolve with output_path(args, root, name)."""
    parser.add_argument("--output", default=None,
                        help="where to write the results (default: out/bench/%s.json)" % name)
    parser.add_argument("--record", action="store_true",
                        help="replace the committed bench/results/%s.json (when updating "
                             "docs/performance.md)" % name)


def output_path(args, root, name):
    import os
    if args.output and args.record:
        raise SystemExit("--output and --record exclude each other")
    if args.record:
        path = os.path.join(root, "bench", "results", name + ".json")
    else:
        path = args.output or os.path.join(root, "out", "bench", name + ".json")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return path
