"""What the numbers depend on: NumPy and its BLAS, thread counts, the CPU, the load."""

from __future__ import annotations

import gc
import os
import platform
import sys

import numpy as np

THREAD_VARIABLES = (
    "OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_build() -> str:
    """The BLAS NumPy was built against, from ``numpy.show_config``."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
    except Exception:  # older NumPy: no dict mode
        return "unknown (numpy.show_config has no dict mode)"
    text = f"{blas.get('name')} {blas.get('version')}"
    if blas.get("openblas configuration"):
        text += f" ({blas['openblas configuration']})"
    return text


def blas_runtime() -> list[str]:
    """The thread pools loaded at run time, with the kernel OpenBLAS picked (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed: BLAS kernel and threads unknown"]
    rows = []
    for pool in threadpool_info():
        rows.append(
            f"{pool.get('internal_api')} {pool.get('version')}: {pool.get('num_threads')} "
            f"threads, kernel {pool.get('architecture', '-')}, {pool.get('filepath')}"
        )
    return rows or ["no BLAS/OpenMP thread pool found"]


def torch_info() -> str:
    try:
        import torch
    except ImportError:
        return "not installed"
    return f"{torch.__version__}, {torch.get_num_threads()} intra-op threads"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def collect() -> dict:
    """The environment as ``label -> text`` (lists for multi-line entries)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    env = {name: os.environ.get(name, "(unset)") for name in THREAD_VARIABLES}
    return {
        "Python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "Platform": platform.platform(),
        "CPU": f"{cpu_model()}; {os.cpu_count()} logical CPUs, {usable} usable",
        "NumPy": np.__version__,
        "BLAS (build)": blas_build(),
        "BLAS (runtime, threadpoolctl)": blas_runtime(),
        "Thread variables": ", ".join(f"{k}={v}" for k, v in env.items()),
        "PyTorch": torch_info(),
        "Garbage collector": f"enabled={gc.isenabled()}, thresholds={gc.get_threshold()}",
        "Load average (1, 5, 15 min) at start": load_average(),
    }
