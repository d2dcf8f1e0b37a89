#!/usr/bin/env python3
"""The core's import graph must have no circle.

Reads every .rs file under a crate's src/, takes the `crate::…` / `super::…` paths it
names (outside its `#[cfg(test)] mod tests`), resolves each to the file that defines
the item (following a mod.rs's `pub use sub::{…}` re-exports to the submodule), and
fails when the file graph has a cycle, printing each cycle with one edge per line.

    python3 .ci/import_graph.py crates/retort-core/src          # check
    python3 .ci/import_graph.py crates/retort-core/src --layers # print the layering

A regex reader, not a Rust parser: it sees paths, not `use` trees' semantics. Good
enough for a gate (a false edge errs on the strict side), and it needs nothing
installed beyond Python's standard library.
"""
import collections
import os
import re
import sys

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_files(root):
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            if name.endswith(".rs"):
                rel = os.path.relpath(os.path.join(dirpath, name), root)[:-3].split(os.sep)
                if rel[-1] in ("mod", "lib", "main"):
                    rel = rel[:-1]
                files[tuple(rel)] = os.path.join(dirpath, name)
    return files


def strip(src):
    src = re.sub(r"//[^\n]*", "", src)
    cut = re.search(r"#\[cfg\(test\)\]\s*(pub\s+)?mod\s+\w+\s*\{", src)
    return src[: cut.start()] if cut else src


def use_paths(src):
    """Every path a file names: `crate::a::b`, `super::x`, and the leaves of use trees."""
    out = []

    def expand(prefix, tree):
        tree = tree.strip()
        m = re.match(r"^(.*?)::\{(.*)\}$", tree, re.S)
        if m:
            head = prefix + [p for p in m.group(1).split("::") if p]
            depth, part, parts = 0, "", []
            for ch in m.group(2):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                if ch == "," and depth == 0:
                    parts.append(part)
                    part = ""
                else:
                    part += ch
            parts.append(part)
            for p in parts:
                if p.strip():
                    expand(head, p)
        else:
            name = re.split(r"\s+as\s+", tree)[0].strip()
            out.append(prefix + [p for p in name.split("::") if p])

    for m in re.finditer(r"\buse\s+((?:crate|super)::[^;]*);", src, re.S):
        expand([], m.group(1))
    for m in re.finditer(r"\b((?:crate|super)(?:::" + IDENT + r")+)", src):
        out.append(m.group(1).split("::"))
    return out


def reexports(files):
    """mod.rs `pub use sub::{A, B}` → {(module, 'A'): submodule}."""
    table = {}
    for mod, path in files.items():
        if not path.endswith(("mod.rs", "lib.rs")):
            continue
        src = strip(open(path, encoding="utf-8").read())
        for m in re.finditer(r"pub\s+use\s+(" + IDENT + r")::([^;]*);", src, re.S):
            sub = m.group(1)
            if mod + (sub,) not in files:
                continue
            for name in re.findall(IDENT, m.group(2)):
                table[(mod, name)] = mod + (sub,)
            if m.group(2).strip() == "*":
                table[(mod, "*")] = mod + (sub,)
    return table


def resolve(files, table, here, segs):
    if segs[0] == "crate":
        path = list(segs[1:])
    else:
        base = list(here if files[here].endswith(("mod.rs", "lib.rs")) else here[:-1])
        while segs and segs[0] == "super":
            base = base[:-1]
            segs = segs[1:]
        path = base + list(segs)
    for i in range(len(path), 0, -1):
        mod = tuple(path[:i])
        if mod in files:
            nxt = path[i] if i < len(path) else None
            if nxt is not None and (mod, nxt) in table:
                return table[(mod, nxt)]
            if nxt is not None and (mod, "*") in table:
                return table[(mod, "*")]
            return mod
    return None


def graph(root):
    files = module_files(root)
    table = reexports(files)
    edges = collections.defaultdict(set)
    for mod, path in files.items():
        if path.endswith(("mod.rs", "lib.rs")) and not has_items(path):
            continue  # an index that only declares and re-exports
        for segs in use_paths(strip(open(path, encoding="utf-8").read())):
            target = resolve(files, table, mod, segs)
            if target is not None and target != mod and target != ():
                if files[target].endswith(("mod.rs", "lib.rs")) and not has_items(files[target]):
                    continue
                edges[mod].add(target)
    return files, edges


def has_items(path):
    src = strip(open(path, encoding="utf-8").read())
    return bool(re.search(r"^\s*(pub(\([^)]*\))?\s+)?(fn|struct|enum|trait|static|const|type|impl)\b", src, re.M))


def cycles(nodes, edges):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def name(mod):
    return "/".join(mod) or "lib"


def main():
    root = sys.argv[1]
    files, edges = graph(root)
    found = cycles(files, edges)
    if found:
        for comp in found:
            members = set(comp)
            print(f"import circle of {len(comp)} files in {root}:")
            for a in comp:
                for b in sorted(edges[a] & members):
                    print(f"  {name(a)} -> {name(b)}")
        sys.exit(1)
    if "--layers" in sys.argv:
        level = {}

        def depth(v):
            if v not in level:
                level[v] = 1 + max((depth(w) for w in edges[v]), default=-1)
            return level[v]

        for v in files:
            depth(v)
        for lv in range(max(level.values()) + 1):
            print(lv, " ".join(sorted(name(v) for v in files if level[v] == lv)))
    print(f"import graph: {len(files)} files, no circle")


if __name__ == "__main__":
    main()
