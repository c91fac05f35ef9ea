#!/usr/bin/env python3
"""Differential shell fuzzer: random small scripts under /bin/bash and vos, compared.

Each script is built from a grammar of the constructs models write (expansions, quoting,
arrays, arithmetic, redirections, functions, control flow, traps, here-documents, globbing
in a fresh directory). It runs twice the way tests/runner runs a case: `bash -c SCRIPT bash`
under env -i with PATH, HOME, LC_ALL=C, TZ=UTC in a fresh temp dir, and `vos -c SCRIPT bash`
with the same variables and a VM cwd of the same path. stdout, stderr and the exit status
must be equal; each mismatch is printed (and saved under --out) as a ready-to-paste case.

Usage: tools/diffsh.py [--vos build/vos] [-n 1000] [--seed S] [-j 2] [--out DIR] [-q]
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

VARS = ["x", "y", "s", "n"]
ARRS = ["a", "b"]
LITS = ["foo", "a b", "x*y", "1", "42", "-3", "", "a.b.c", "/usr/lib", "AbC", "é", "q'q", 'd"q',
        "a\\b", "  sp  ", "x=y", "%s", "-n", "[ab]"]
PATS = ["*", "?", "a*", "*.c", "[ab]", "*b*", "f", ".", "o", "/*", "*/", "?(a|b)", "+(o)"]


class G:
    def __init__(self, rnd):
        self.r = rnd
        self.depth = 0
        self.maxdepth = rnd.choice([1, 1, 2, 3])

    def ch(self, xs):
        return self.r.choice(xs)

    def lit(self):
        return self.quote(self.ch(LITS))

    def quote(self, s):
        k = self.r.randrange(3)
        if k == 0 and "'" not in s:
            return "'" + s + "'"
        if k == 1:
            return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'
        if s == "":
            return "''"
        out = ""
        for c in s:
            out += ("\\" + c) if c in " '\"\\*?[]$`()&;|<>{}#~=%!" else c
        return out

    def pat(self):
        p = self.ch(PATS)
        return p if self.r.random() < 0.7 else '"' + p + '"'

    def param(self):
        v = self.ch(VARS)
        r = self.r.randrange(24)
        if r == 0: return "$" + v
        if r == 1: return "${%s:-%s}" % (v, self.lit())
        if r == 2: return "${%s-%s}" % (v, self.lit())
        if r == 3: return "${%s:+%s}" % (v, self.lit())
        if r == 4: return "${#%s}" % v
        if r == 5: return "${%s#%s}" % (v, self.pat())
        if r == 6: return "${%s##%s}" % (v, self.pat())
        if r == 7: return "${%s%%%s}" % (v, self.pat())
        if r == 8: return "${%s%%%%%s}" % (v, self.pat())
        if r == 9: return "${%s/%s/%s}" % (v, self.pat(), self.ch(["X", "", "<&>", "\\/"]))
        if r == 10: return "${%s//%s/%s}" % (v, self.pat(), self.ch(["X", "", "-", "'q'"]))
        if r == 11: return "${%s:%d}" % (v, self.r.randrange(-3, 4)) if self.r.random() < .5 else "${%s:%d:%d}" % (v, self.r.randrange(0, 4), self.r.randrange(-2, 4))
        if r == 12: return "${%s^^}" % v
        if r == 13: return "${%s,}" % v
        if r == 14: return "${%s@Q}" % v
        if r == 15:
            a = self.ch(ARRS)
            return self.ch(["${%s[@]}", "${%s[*]}", "${#%s[@]}", "${%s[1]}", "${%s[-1]}",
                            "${!%s[@]}", "${%s[@]:1}", "${%s[@]/a/X}", "${%s[@]^}"]) % a
        if r == 16: return "$(( %s ))" % self.arith()
        if r == 17: return "$(%s)" % self.simple()
        if r == 18: return "`echo %s`" % self.lit()
        if r == 19: return self.ch(["$#", "$?", "$1", "$@", "$*", "${#}", "${1:-d}", "$0"])
        if r == 20: return "${%s:=%s}" % (v, self.lit())
        if r == 21: return "${%s@U}" % v if self.r.random() < .5 else "${%s~~}" % v
        if r == 22: return "${!%s}" % self.ch(["v", "x"])
        return "${%s:?%s}" % (v, self.ch(["unset", ""])) if self.r.random() < .3 else "$" + v

    def word(self):
        r = self.r.randrange(10)
        if r < 3: return self.lit()
        if r < 6: return self.param()
        if r == 6: return '"' + self.param() + '"'
        if r == 7: return self.ch(["{a,b}", "{1..3}", "x{,y}", "{c..a}", "{1..10..4}", "~", "~/x", "a{b,c{d,e}}"])
        if r == 8: return self.ch(["*", "*.c", "?", "[ab]*", "d/*", "*/", ".*", "@(a|b)", "!(*.c)", "**"])
        return '"' + self.lit().strip("'\"") + self.param() + '"'

    def arith(self):
        self.depth += 1
        r = self.r.randrange(12) if self.depth < 4 else self.r.randrange(3)
        if r == 0: e = str(self.r.randrange(-5, 20))
        elif r == 1: e = self.ch(["n", "x", "i", "a[1]", "$n", "0x1f", "010", "2#101", "7"])
        elif r == 2: e = self.ch(["n++", "++n", "n--", "n+=2", "i=3", "n*=2"])
        elif r == 3: e = "(%s)" % self.arith()
        elif r == 4: e = "%s ? %s : %s" % (self.arith(), self.arith(), self.arith())
        elif r == 5: e = "-%s" % self.arith()
        elif r == 6: e = "!%s" % self.arith()
        else:
            e = "%s %s %s" % (self.arith(), self.ch(["+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^", "&&", "||", "<", ">=", "==", "!=", ","]), self.arith())
        self.depth -= 1
        return e

    def assign(self):
        r = self.r.randrange(8)
        v = self.ch(VARS)
        if r == 0: return "%s=(%s)" % (self.ch(ARRS), " ".join(self.word() for _ in range(self.r.randrange(4))))
        if r == 1: return "%s[%s]=%s" % (self.ch(ARRS), self.ch(["0", "1", "3", "n", "-1", "i+1"]), self.word())
        if r == 2: return "%s+=%s" % (v, self.word())
        if r == 3: return "%s+=(%s)" % (self.ch(ARRS), self.word())
        if r == 4: return "declare -A b=([k]=1 [%s]=2)" % self.ch(["j", "a b", "k"])
        return "%s=%s" % (v, self.word())

    def redir(self):
        return self.ch([">f", ">>f", "2>&1", "2>/dev/null", "<f", ">&2", "2>e", "<<<%s" % self.word(), ">|f", "&>f", "3>f", "<nofile"])

    def simple(self):
        r = self.r.randrange(22)
        if r < 5: cmd = "echo " + " ".join(self.word() for _ in range(self.r.randrange(1, 4)))
        elif r < 7: cmd = "printf %s %s" % (self.ch(["'%s\\n'", "'[%s]'", "'%d\\n'", "'%q\\n'", "'%5s|%-3s|\\n'", "'%x %o\\n'", "'%b\\n'", "'%.2s\\n'"]), " ".join(self.word() for _ in range(self.r.randrange(0, 3))))
        elif r < 10: cmd = self.assign()
        elif r == 10: cmd = "(( %s ))" % self.arith()
        elif r == 11: cmd = "[[ %s %s %s ]]" % (self.word(), self.ch(["==", "!=", "=~", "<", "-eq", "-lt"]), self.ch([self.word(), self.pat(), "^a.*", "[0-9]+"]))
        elif r == 12: cmd = "[ %s %s %s ]" % (self.word(), self.ch(["=", "!=", "-eq", "-gt"]), self.word())
        elif r == 13: cmd = self.ch(["f", "f %s" % self.word(), "g %s %s" % (self.word(), self.word())])
        elif r == 14: cmd = self.ch(["true", "false", ":", "shift", "set -- %s %s" % (self.word(), self.word()), "unset %s" % self.ch(VARS + ARRS), "local %s=1" % self.ch(VARS), "return 2", "break", "continue", "exit 3"])
        elif r == 15: cmd = self.ch(["cat f", "cat e", "ls", "{ cat <<EOF\n%s $x\n\\$y ${n:-0}\nEOF\n}" % self.lit().strip("'\""), "{ cat <<'EOF'\n$x `a`\nEOF\n}", "{ cat <<-EOF\n\tt $n\n\tEOF\n}", "read -r %s <<< %s" % (self.ch(VARS), self.word()), "read %s %s <<< %s" % (self.ch(VARS), self.ch(VARS), self.word())])
        elif r == 16: cmd = self.ch(["trap 'echo T:$?' EXIT", "trap 'echo E' ERR", "trap 'echo R' RETURN", "trap -p", "trap - EXIT", "trap 'echo U' USR1; kill -USR1 $$"])
        elif r == 17: cmd = self.ch(["set -e", "set +e", "set -u", "set -o pipefail", "shopt -s nullglob", "shopt -s failglob", "shopt -s extglob", "shopt -s dotglob", "shopt -s globstar", "IFS=:", "IFS=", "unset IFS", "set -f"])
        elif r == 18: cmd = self.ch(["declare -p %s" % self.ch(VARS + ARRS), "typeset -i n=%s" % self.word(), "declare -a a", "readonly y", "export x", "echo ${a[*]@Q}", "eval %s" % self.quote(self.ch(["echo $x", "x=3", "a=(1 2)", "echo $((n+1))"]))])
        elif r == 19: cmd = "IFS=%s read -ra %s <<< %s" % (self.ch([":", "' '", "','"]), self.ch(ARRS), self.word())
        elif r == 20: cmd = self.ch(["mkdir -p d", "touch d/a.c", "rm -f f", "cd d", "cd \"$HOME\"", "echo ${PWD#$HOME}"])
        else: cmd = "x=%s echo %s" % (self.word(), self.word())
        if self.r.random() < 0.15:
            cmd += " " + self.redir()
        return cmd

    def pipeline(self):
        c = self.command()
        r = self.r.randrange(10)
        if r == 0: return c + " | " + self.ch(["cat", "wc -l", "tr a-z A-Z", "sort", "head -n1", "while read -r l; do echo \"<$l>\"; done"])
        if r == 1: return c + " && " + self.command()
        if r == 2: return c + " || " + self.command()
        if r == 3: return "! " + c
        return c

    def command(self):
        if self.depth >= self.maxdepth:
            return self.simple()
        self.depth += 1
        r = self.r.randrange(20)
        if r == 0: c = "if %s; then %s; else %s; fi" % (self.pipeline(), self.list(), self.list())
        elif r == 1: c = "for i in %s; do %s; done" % (" ".join(self.word() for _ in range(self.r.randrange(4))), self.list())
        elif r == 2: c = "for ((i=0; i<%d; i++)); do %s; done" % (self.r.randrange(4), self.list())
        elif r == 3: c = "i=0; while (( i++ < %d )); do %s; done" % (self.r.randrange(4), self.list())
        elif r == 4: c = "case %s in %s) %s;; %s) %s;& *) %s;; esac" % (self.word(), self.pat(), self.list(), self.pat(), self.list(), self.list())
        elif r == 5: c = "( %s )" % self.list()
        elif r == 6: c = "{ %s; }" % self.list()
        elif r == 7: c = "f() { %s; }" % self.list()
        elif r == 8: c = "g() { local %s=%s; %s; echo \"$# $1\"; }" % (self.ch(VARS), self.word(), self.list())
        elif r == 9: c = "until %s; do %s; break; done" % (self.pipeline(), self.list())
        else: c = self.simple()
        self.depth -= 1
        return c

    def list(self):
        return "; ".join(self.pipeline() for _ in range(self.r.randrange(1, 3)))

    def script(self):
        pre = ["x=foo", "y='a b'", "s=' x*y '", "n=2", "a=(one 'two three' '')", "touch a.c b.c bb", "mkdir -p d", "v=x"]
        self.r.shuffle(pre)
        lines = pre[:self.r.randrange(3, len(pre) + 1)]
        for _ in range(self.r.randrange(1, 4)):
            lines.append(self.pipeline())
        lines.append('echo "rc=$?"')
        return "\n".join(lines) + "\n"


def default_signals():
    # a background job gets SIGINT/SIGQUIT ignored (and nohup SIGHUP): bash would inherit
    # that and list it in `trap -p`; the runner starts bash with default dispositions
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)


def killgroup(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run(argv, cwd, env, timeout=10):
    # its own process group, killed whole at the end: a script's background jobs and the
    # children of a timed-out one must not live on (they did, and loaded the machine)
    p = subprocess.Popen(argv, executable="/bin/bash" if argv[0] == "bash" else None,
                         cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=default_signals,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        killgroup(p.pid)
        p.communicate()
        return b"", b"", "timeout"
    killgroup(p.pid)
    # bash killed by signal N is status 128+N as a shell reports it (vos exits with it)
    rc = p.returncode if p.returncode >= 0 else 128 - p.returncode
    return out, err, rc


def one(vos, seed):
    script = G(random.Random(seed)).script()
    res = []
    for side in ("bash", "vos"):
        d = tempfile.mkdtemp(prefix="diffsh.")
        env = {"PATH": "/usr/bin:/bin", "HOME": d, "LC_ALL": "C", "TZ": "UTC"}
        if side == "bash":
            argv = ["bash", "-c", script, "bash"]  # argv[0] bash, as the runner runs it
        else:
            argv = [vos, "--cwd", d, "--timeout", "8", "--env", "HOME=" + d, "--env", "LC_ALL=C",
                    "--env", "TZ=UTC", "--env", "PATH=/usr/bin:/bin", "-c", script, "bash"]
        o, e, s = run(argv, d, env)
        shutil.rmtree(d, ignore_errors=True)
        # the temp dir's name is random: hide it, also as ${x^^} prints it
        def hide(b):
            return b.replace(d.encode(), b"TMP").replace(d.upper().encode(), b"TMP")
        res.append((hide(o), hide(e), s))
    return seed, script, res[0], res[1]


def case_text(seed, script, b, v):
    out = "=== diffsh seed %d\n%s--- stdout\n" % (seed, script)
    out += b[0].decode("utf-8", "replace") + "--- stderr\n" + b[1].decode("utf-8", "replace")
    out += "--- status\n%s\n" % b[2]
    out += "### vos gave:\n--- stdout\n" + v[0].decode("utf-8", "replace") + "--- stderr\n"
    out += v[1].decode("utf-8", "replace") + "--- status\n%s\n" % v[2]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vos", default="build/vos")
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--out", default=None, help="directory for one file per mismatch")
    ap.add_argument("-q", action="store_true", help="print only the summary")
    ap.add_argument("--show", type=int, default=None, help="print the script of one seed")
    a = ap.parse_args()
    if a.show is not None:
        sys.stdout.write(G(random.Random(a.show)).script())
        return 0
    vos = os.path.abspath(a.vos)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
    bad = 0
    with ThreadPoolExecutor(a.j) as ex:
        for seed, script, b, v in ex.map(lambda s: one(vos, s), range(a.seed, a.seed + a.n)):
            if b == v or b[2] == "timeout":
                continue
            bad += 1
            t = case_text(seed, script, b, v)
            if a.out:
                with open(os.path.join(a.out, "%d.txt" % seed), "w") as f:
                    f.write(t)
            if not a.q:
                sys.stdout.write(t + "\n")
    print("diffsh: %d mismatches in %d scripts (seeds %d..%d): %.2f%%"
          % (bad, a.n, a.seed, a.seed + a.n - 1, 100.0 * bad / a.n))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
