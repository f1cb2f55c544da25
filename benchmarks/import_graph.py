"""Print the import graph of ``dividend/`` (one line per module: what it imports) and its cycles.

Built with grimp, the graph library import-linter uses, so it shows exactly what the
contracts in pyproject.toml check. Exit status 1 if any cycle exists.

    python -m benchmarks.import_graph            # graph and cycles
    python -m benchmarks.import_graph --packages # the graph squashed to dividend's subpackages
"""

from __future__ import annotations

import argparse
import sys

import grimp


def module_graph(packages: bool = False) -> dict[str, set[str]]:
    """Importer -> imported modules inside ``dividend`` (squashed to subpackages if asked)."""
    graph = grimp.build_graph("dividend", cache_dir=None)

    def name(m: str) -> str:
        return ".".join(m.split(".")[:2]) if packages else m

    out: dict[str, set[str]] = {}
    for m in sorted(graph.modules):
        out.setdefault(name(m), set())
        for imported in graph.find_modules_directly_imported_by(m):
            if imported.startswith("dividend") and name(imported) != name(m):
                out[name(m)].add(name(imported))
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", action="store_true", help="squash to dividend.<subpackage>")
    args = ap.parse_args(argv)
    graph = module_graph(args.packages)
    for m, deps in graph.items():
        print(f"{m} -> {', '.join(sorted(deps)) or '(nothing in dividend)'}")
    found = cycles(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(found)} cycle(s)")
    for c in found:
        print("cycle: " + " <-> ".join(c))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
