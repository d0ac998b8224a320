"""Tables (Markdown, which reads well in a terminal too) and the target checks."""

from __future__ import annotations

from .training import REFERENCE


def _table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def training_table(table: dict) -> str:
    """Ratios to the book-style step per (batch, dtype); the reference's own time last."""
    settings = sorted(table, key=lambda s: (s[1] != "float64", s[0]))
    systems = []
    for setting in settings:
        systems += [name for name in table[setting] if name not in systems]
    header = ["system"] + [f"{dtype} batch {n}" for n, dtype in settings]
    rows = []
    for name in systems:
        row = [name]
        for setting in settings:
            times = table[setting]
            row.append(f"{times[name] / times[REFERENCE]:.2f}" if name in times else "-")
        rows.append(row)
    rows.append(
        ["(reference time per step)"] + [f"{table[s][REFERENCE] * 1e6:.0f} us" for s in settings]
    )
    return _table(header, rows)


def per_node_table(result: dict, nodes: int) -> str:
    raw_total = result["raw NumPy"][1]
    rows = []
    for system, (fwd, total) in result.items():
        rows.append([system, f"{fwd:.2f}", f"{total - fwd:.2f}", f"{total:.2f}",
                     f"{total / raw_total:.1f}"])
    header = ["system", "forward us/node", "backward us/node", "fwd+bwd us/node",
              "ratio to raw NumPy"]
    return f"Chain of {nodes} ops (x * 0.9, tanh) on 8 elements:\n\n" + _table(header, rows)


def long_chain_table(results: dict) -> str:
    rows = []
    for nodes, r in results.items():
        torch = f"{r['torch seconds']:.3f}" if "torch seconds" in r else "-"
        rows.append([f"{nodes:,}", f"{r['seconds']:.3f}", f"{r['best seconds']:.3f}",
                     f"{r['seconds'] / nodes * 1e6:.2f}", f"{r['bytes per node']:.0f}", torch])
    header = ["nodes", "autograd_lite fwd+bwd s (median)", "(best)", "us/node (median)",
              "peak bytes/node (tracemalloc)", "PyTorch fwd+bwd s (median)"]
    return _table(header, rows)


def gradcheck_table(r: dict) -> str:
    rows = [[f"{r['parameters']:,}", f"{r['full seconds']:.2f} ({r['full passed']})",
             f"{r['fast seconds']:.3f} ({r['fast passed']})",
             f"{r['full seconds'] / r['fast seconds']:.0f}x"]]
    return _table(["parameters", "full s (passed)", "fast s (passed)", "fast speed-up"], rows)


def pictures_table(r: dict) -> str:
    rows = [[f"{r['nodes']:,}", f"{r['to_dot seconds']:.3f}", f"{r['render seconds']:.2f}",
             f"{r['svg bytes']:,}"]]
    return _table(["graph nodes", "to_dot s", "render to SVG s", "SVG bytes"], rows)


def targets(results: dict) -> list:
    """(target, median measured, best-round measured, met by the median) for the issue's
    targets that this run measured."""
    out = []
    api = "autograd_lite Tensor API"
    median, best = results.get("training"), results.get("training best")
    if median:
        for n, limit in ((1, 1.0), (100, 0.75), (1000, 0.72)):
            setting = (n, "float64")
            if setting in median and api in median[setting]:
                ratio = median[setting][api] / median[setting][REFERENCE]
                low = best[setting][api] / best[setting][REFERENCE]
                out.append((f"training step float64 batch {n} <= {limit:.2f} x book-style",
                            f"{ratio:.2f}", f"{low:.2f}", ratio <= limit))
    per_node, per_node_best = results.get("per-node"), results.get("per-node best")
    if per_node and "autograd_lite" in per_node:
        total = per_node["autograd_lite"][1]
        out.append(("per-node overhead fwd+bwd <= 3 us", f"{total:.2f} us",
                    f"{per_node_best['autograd_lite'][1]:.2f} us", total <= 3.0))
    long_chains = results.get("long-chains")
    if long_chains and 100_000 in long_chains:
        r = long_chains[100_000]
        out.append(("100,000-node chain fwd+bwd < 0.6 s", f"{r['seconds']:.3f} s",
                    f"{r['best seconds']:.3f} s", r["seconds"] < 0.6))
        out.append(("100,000-node chain < 1 KB per node", f"{r['bytes per node']:.0f} B",
                    "-", r["bytes per node"] < 1024))
    return out


def targets_table(rows: list) -> str:
    return _table(["target", "measured (median)", "best round", "met (median)"],
                  [[t, m, b, "yes" if ok else "NO"] for t, m, b, ok in rows])
