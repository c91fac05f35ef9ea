#!/usr/bin/env python3
"""fuzz-seeds.py SPEC DIR: write seed inputs for `make fuzz-interp` into DIR, taken from the
interpreter's own cases (tests/cmd/SPEC*.test): the programs of its command lines
(single-quoted arguments) and, for bc and dc, the stdin sections. A fuzzer that starts from
real programs reaches deep code in minutes instead of hours. SPEC "sh" (for `make fuzz-parse` and `make fuzz`)
takes the whole script of every case in tests/spec/*.test."""
import glob, hashlib, os, re, sys

spec, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
seeds = set()
paths = glob.glob("tests/spec/*.test") if spec == "sh" else glob.glob(f"tests/cmd/{spec}*.test")
for path in paths:
    text = open(path, encoding="utf-8", errors="replace").read()
    for case in text.split("\n=== ")[1:]:
        lines = case.split("\n")
        script, stdin, sect = [], [], "script"
        for ln in lines[1:]:
            if ln.startswith("--- "):
                sect = ln[4:].split()[0]
                continue
            if sect == "script":
                script.append(ln)
            elif sect == "stdin":
                stdin.append(ln)
        body = "\n".join(script)
        if spec == "sh":
            seeds.add(body + "\n")
            continue
        for m in re.finditer(r"\b%s\b[^'\n|;]*'([^']+)'" % re.escape(spec), body):
            seeds.add(m.group(1))
        if spec in ("bc", "dc") and stdin:
            seeds.add("\n".join(stdin) + "\n")
for s in seeds:
    data = s.encode()[:4096]
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"fuzz-seeds: {len(seeds)} seeds for {spec}")
