#!/bin/bash
# diff-compare.sh: the long hand-run check that vos diff gives GNU diff's exact bytes.
# Generates N file pairs (deterministic from SEED: random edits of the repo's source files,
# files of few distinct lines, blank-line runs, missing final newlines, whitespace and case
# changes, large files with scattered edits, unrelated files that hit the cost cut-off),
# runs GNU diff and vos diff with a rotating set of options on each, and reports every pair
# whose output or status differs (kept in the work dir for a look).
# Usage: tools/diff-compare.sh [N=300] [SEED=1] [VOS=build/vos] [BIG=1]
set -u
N=${1:-300}
SEED=${2:-1}
VOS=${3:-build/vos}
BIG=${4:-1}
VOS=$(readlink -f "$VOS")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/diff-compare.XXXXXX)
cd "$W" || exit 2

# the source material: every C file of the repo, one line per line
cat "$ROOT"/src/*/*.c > corpus.txt

gawk -v n="$N" -v seed="$SEED" -v big="$BIG" '
function rnd(k) { return int(rand() * k) }
function pick_corpus_line() { return corpus[1 + rnd(ncorpus)] }
function small_line(   r) {
    r = rnd(12)
    if (r < 2) return ""
    if (r < 4) return "}"
    if (r < 6) return "a"
    if (r < 8) return "b"
    if (r < 9) return "    return 0;"
    return "x" rnd(6)
}
function gen_line(kind) {
    if (kind == 0) return small_line()
    if (kind == 1) return pick_corpus_line()
    return "line " rnd(1000000)
}
# base file of len lines into arr; returns len
function make_base(arr, kind, len,   i, start) {
    if (kind == 1 && rnd(2)) {
        start = 1 + rnd(ncorpus - len > 1 ? ncorpus - len : 1)
        for (i = 1; i <= len; i++) arr[i] = corpus[start + i - 1]
        return len
    }
    for (i = 1; i <= len; i++) arr[i] = gen_line(kind)
    return len
}
function copy(src, n, dst,   i) { delete dst; for (i = 1; i <= n; i++) dst[i] = src[i]; return n }
# apply nedits random edits to arr (length len); returns the new length
function edit(arr, len, kind, nedits,   e, op, p, k, i, tmp, tn, q, line) {
    for (e = 0; e < nedits; e++) {
        op = rnd(10)
        p = 1 + rnd(len + 1)
        k = 1 + rnd(rnd(4) == 0 ? 12 : 3)
        tn = 0
        delete tmp
        if (op <= 2) {            # delete k lines
            for (i = 1; i <= len; i++) if (i < p || i >= p + k) tmp[++tn] = arr[i]
        } else if (op <= 5) {     # insert k lines
            for (i = 1; i < p && i <= len; i++) tmp[++tn] = arr[i]
            for (q = 0; q < k; q++) tmp[++tn] = gen_line(kind)
            for (; i <= len; i++) tmp[++tn] = arr[i]
        } else if (op <= 7) {     # change k lines
            for (i = 1; i <= len; i++) tmp[++tn] = (i >= p && i < p + k) ? gen_line(kind) : arr[i]
        } else if (op == 8) {     # duplicate a block
            for (i = 1; i <= len; i++) { tmp[++tn] = arr[i]; if (i == p) for (q = p; q < p + k && q <= len; q++) tmp[++tn] = arr[q] }
        } else {                  # blank lines or whitespace/case tweaks
            for (i = 1; i <= len; i++) {
                line = arr[i]
                if (i >= p && i < p + k) {
                    q = rnd(5)
                    if (q == 0) line = line " "
                    else if (q == 1) line = toupper(line)
                    else if (q == 2) { gsub(/    /, "\t", line) }
                    else if (q == 3) { tmp[++tn] = "" }
                    else line = "  " line
                }
                tmp[++tn] = line
            }
        }
        len = copy(tmp, tn, arr)
    }
    return len
}
function write(file, arr, len, nonl,   i) {
    printf "" > file
    for (i = 1; i <= len; i++) {
        if (i == len && nonl) printf "%s", arr[i] > file
        else print arr[i] > file
    }
    close(file)
}
BEGIN {
    srand(seed)
    while ((getline line < "corpus.txt") > 0) corpus[++ncorpus] = line
    for (t = 1; t <= n; t++) {
        r = rnd(100)
        kind = rnd(3)
        if (big && r < 3) { len = 20000 + rnd(80000); kind = 1 + rnd(2); nedits = 5 + rnd(300) }
        else if (r < 10) { len = 200 + rnd(2000); nedits = 1 + rnd(40) }
        else { len = rnd(60); nedits = rnd(6) }
        delete A; delete B
        la = make_base(A, kind, len)
        lb = copy(A, la, B)
        if (big && r >= 3 && r < 5) {     # unrelated files: the cost cut-off
            lb = make_base(B, 2, 500 + rnd(6000))
            la = make_base(A, 2 * rnd(2), 500 + rnd(6000))
        } else if (big && r >= 5 && r < 7) {  # shuffles of one vocabulary: long searches
            v = 5 + rnd(rnd(2) ? 50 : 3000)
            la = 2000 + rnd(25000); lb = la + rnd(2000) - 1000
            for (i = 1; i <= la; i++) A[i] = "v" rnd(v)
            for (i = 1; i <= lb; i++) B[i] = rnd(3) ? A[1 + rnd(la)] : "v" rnd(v)
        } else {
            lb = edit(B, lb, kind, nedits)
            if (rnd(4) == 0) la = edit(A, la, kind, rnd(3))
        }
        write("a" t, A, la, rnd(8) == 0)
        write("b" t, B, lb, rnd(8) == 0)
    }
}'

# options rotate over the pairs
OPTS=("" "-u" "-c" "-U0" "-U1" "-e" "-n" "-b" "-w" "-i" "-B" "-d" "-u -b" "-U5" "-E" "-Z"
      "--speed-large-files" "-y" "-y -W 80" "--horizon-lines=2" "-f" "-u -B" "-c -w" "-d -u"
      "--strip-trailing-cr" "-t" "-T" "-p -u" "--suppress-common-lines -y" "-D X")
script=""
for ((t = 1; t <= N; t++)); do
    o=${OPTS[$(( (t * 7 + SEED) % ${#OPTS[@]} ))]}
    printf '%s\n' "$o" > "opt$t"
    script+="diff $o a$t b$t > vos$t 2> voserr$t; echo \$? > vosst$t"$'\n'
done
touch -d @0 a* b*
for ((t = 1; t <= N; t++)); do
    o=$(cat "opt$t")
    (LC_ALL=C diff $o "a$t" "b$t" > "gnu$t" 2> "gnuerr$t"; echo $? > "gnust$t")
done
start=$(date +%s%N)
"$VOS" --mount "$W:$W:rw" --cwd "$W" -c "$script"
end=$(date +%s%N)
bad=0
for ((t = 1; t <= N; t++)); do
    if ! cmp -s "gnu$t" "vos$t" || ! cmp -s "gnust$t" "vosst$t" || ! cmp -s "gnuerr$t" "voserr$t"; then
        bad=$((bad + 1))
        echo "DIFFERS: pair $t (diff $(cat "opt$t") a$t b$t; $(wc -l < "a$t") / $(wc -l < "b$t") lines)"
    fi
done
echo "$N pairs, $bad differ (vos run: $(( (end - start) / 1000000 )) ms); work dir $W"
[ "$bad" -eq 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$W"
[ "$bad" -eq 0 ]
