#!/usr/bin/env python3
"""Fill a spec file's expected sections from the reference: /bin/bash on this machine.

Each case's script runs the way tests/runner runs the bash side (`bash -c SCRIPT bash` under
env -i with PATH, HOME, LC_ALL=C, TZ=UTC, in a fresh /tmp/vos-runner-XXXXXX dir, stdin from the
case's stdin section or /dev/null; with `--- sh`, bash is run as `sh`, so in posix mode).
The file is rewritten in place: stdout, stderr and status come from bash (stderr is always
written, empty or not, so vos's stderr is compared too); stdin, sh, skip-bash and vos-* sections
and comments are kept. Cases marked skip-bash are left as they are. Check the output is what
you meant to test before committing it: the reference decides the bytes, not the author.

Usage: tools/spec-gen.py FILE.test [FILE.test...]
"""
import os
import shutil
import subprocess
import sys
import tempfile

KEEP = ("stdin", "sh", "skip-bash", "vos-stdout", "vos-stderr", "vos-status")
FILL = ("stdout", "stderr", "status")
NAMES = KEEP + FILL


def marker(line):
    """('name', strip) for a section marker line, else None."""
    if not line.startswith("--- "):
        return None
    rest = line[4:].rstrip("\n")
    strip = rest.endswith(" -n")
    if strip:
        rest = rest[:-3]
    return (rest, strip) if rest in NAMES else None


def parse(text):
    pre, cases, cur = [], [], None
    sect = None
    for line in text.splitlines(keepends=True):
        if line.startswith("=== "):
            cur = {"head": [line], "script": [], "sects": []}
            cases.append(cur)
            sect = None
            continue
        if cur is None:
            pre.append(line)
            continue
        m = marker(line)
        if m:
            sect = [m[0], m[1], []]
            cur["sects"].append(sect)
            continue
        if sect is not None:
            sect[2].append(line)
        elif not cur["script"] and line.startswith(("# differs", "# vos only")):
            cur["head"].append(line)
        else:
            cur["script"].append(line)
    return pre, cases


def body(s):
    text = "".join(s[2])
    if s[1] and text.endswith("\n"):
        text = text[:-1]
    return text


def run_bash(script, stdin, as_sh):
    d = tempfile.mkdtemp(prefix="vos-runner-", dir="/tmp")
    try:
        env = {"PATH": "/usr/bin:/bin", "HOME": d, "LC_ALL": "C", "TZ": "UTC"}
        name = "sh" if as_sh else "bash"
        p = subprocess.run([name, "-c", script, name], executable="/bin/bash", cwd=d, env=env,
                           input=stdin.encode() if stdin is not None else None,
                           stdin=None if stdin is not None else subprocess.DEVNULL,
                           capture_output=True, timeout=20, start_new_session=True)
        return p.stdout.decode("utf-8", "surrogateescape"), \
            p.stderr.decode("utf-8", "surrogateescape"), p.returncode
    finally:
        subprocess.run(["chmod", "-R", "u+rwx", d], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


def section(name, text):
    if text == "" and name == "stdout":
        return ""
    if text.endswith("\n") or text == "":
        return f"--- {name}\n{text}"
    return f"--- {name} -n\n{text}\n"


def main():
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            pre, cases = parse(f.read())
        out = ["".join(pre)]
        for c in cases:
            sects = {s[0]: s for s in c["sects"]}
            out.append("".join(c["head"]) + "".join(c["script"]))
            if "skip-bash" in sects:
                out.append("".join(f"--- {s[0]}{' -n' if s[1] else ''}\n" + "".join(s[2])
                                   for s in c["sects"]))
                continue
            for k in ("sh", "stdin"):
                if k in sects:
                    s = sects[k]
                    out.append(f"--- {k}{' -n' if s[1] else ''}\n" + "".join(s[2]))
            stdin = body(sects["stdin"]) if "stdin" in sects else None
            so, se, st = run_bash("".join(c["script"]), stdin, "sh" in sects)
            if st < 0:
                st = 128 - st
            out.append(section("stdout", so))
            out.append(section("stderr", se))
            if st != 0:
                out.append(f"--- status\n{st}\n")
            for k in ("vos-stdout", "vos-stderr", "vos-status"):
                if k in sects:
                    s = sects[k]
                    out.append(f"--- {k}{' -n' if s[1] else ''}\n" + "".join(s[2]))
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("".join(out))


if __name__ == "__main__":
    main()
