#!/bin/bash
# patch-compare.sh: the long hand-run check that vos patch behaves as GNU patch 2.7.6.
# For N cases (deterministic from SEED): a file A, an edited copy B, their diff (unified with
# 0-5 lines of context, context or normal), and a target made from A (or B, to look reversed)
# with random drift: lines inserted before hunks (offsets), context lines changed (fuzz), changed
# lines (failures). GNU patch and vos patch run in twin directories with a rotating option set;
# stdout, stderr, status, and every file left behind (.orig, .rej) must match.
# Usage: tools/patch-compare.sh [N=200] [SEED=1] [VOS=build/vos]
set -u
N=${1:-200}
SEED=${2:-1}
VOS=$(readlink -f "${3:-build/vos}")
W=$(mktemp -d /tmp/patch-compare.XXXXXX)
mkdir -p "$W/gen" "$W/gnu" "$W/vos"
cd "$W/gen" || exit 2
gawk -v n="$N" -v seed="$SEED" '
function rnd(k) { return int(rand() * k) }
function line() { r = rnd(10); return r < 2 ? "" : r < 4 ? "dup" : "l" rnd(100000) }
BEGIN {
    srand(seed)
    for (t = 1; t <= n; t++) {
        len = 5 + rnd(rnd(3) ? 60 : 400)
        delete A; delete B
        for (i = 1; i <= len; i++) A[i] = line()
        # B: a few edits of A
        lb = 0
        for (i = 1; i <= len; i++) {
            r = rnd(100)
            if (r < 4) { continue }
            if (r < 8) { B[++lb] = "new" rnd(1000); continue }
            if (r < 11) { B[++lb] = A[i]; B[++lb] = "ins" rnd(1000); continue }
            B[++lb] = A[i]
        }
        # target: A or B with drift
        rev = rnd(6) == 0
        delete T; lt = 0
        src = rev ? "B" : "A"; ls = rev ? lb : len
        for (i = 1; i <= ls; i++) {
            v = rev ? B[i] : A[i]
            r = rnd(100)
            if (r < 3) T[++lt] = "drift" rnd(1000)
            if (r >= 3 && r < 6) { T[++lt] = "ctx" rnd(1000); continue }
            if (r == 6) continue
            T[++lt] = v
        }
        nonl = rnd(10) == 0
        for (i = 1; i <= len; i++) print A[i] > ("a" t)
        for (i = 1; i <= lb; i++) { if (i == lb && nonl) printf "%s", B[i] > ("b" t); else print B[i] > ("b" t) }
        for (i = 1; i <= lt; i++) print T[i] > ("t" t)
        close("a" t); close("b" t); close("t" t)
    }
}'
FMT=("-U3" "-U0" "-U1" "-U2" "-U5" "-c" "-C1" "" "-U3" "-U3")
OPTS=("" "-F0" "-F1" "-F3" "-N" "-t" "-f" "-R" "-s" "--dry-run" "-b" "--no-backup-if-mismatch" "-E" "-l")
script=""
for ((t = 1; t <= N; t++)); do
    [ -f "a$t" ] || : > "a$t"; [ -f "b$t" ] || : > "b$t"
    f=${FMT[$(( (t * 3 + SEED) % ${#FMT[@]} ))]}
    o=${OPTS[$(( (t * 5 + SEED) % ${#OPTS[@]} ))]}
    LC_ALL=C diff $f --label "a/f$t" --label "b/f$t" "a$t" "b$t" > "p$t.diff"
    printf '%s\n' "$o" > "opt$t"
    for side in gnu vos; do mkdir "../$side/c$t"; cp "t$t" "../$side/c$t/f$t"; cp "p$t.diff" "../$side/c$t/"; done
    script+="cd $W/vos/c$t; patch -p1 $o < p$t.diff > ../out$t 2> ../err$t; echo \$? > ../st$t"$'\n'
done
for ((t = 1; t <= N; t++)); do
    o=$(cat "opt$t")
    (cd "$W/gnu/c$t" && LC_ALL=C patch -p1 $o < "p$t.diff" > ../out$t 2> ../err$t; echo $? > ../st$t)
done
"$VOS" --mount "$W:$W:rw" -c "$script"
bad=0
for ((t = 1; t <= N; t++)); do
    if ! diff -r "$W/gnu/c$t" "$W/vos/c$t" > /dev/null || ! cmp -s "$W/gnu/out$t" "$W/vos/out$t" ||
       ! cmp -s "$W/gnu/err$t" "$W/vos/err$t" || ! cmp -s "$W/gnu/st$t" "$W/vos/st$t"; then
        bad=$((bad + 1))
        echo "DIFFERS: case $t (patch -p1 $(cat "opt$t") < p$t.diff)"
    fi
done
echo "$N cases, $bad differ; work dir $W"
[ "$bad" -eq 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$W"
[ "$bad" -eq 0 ]
