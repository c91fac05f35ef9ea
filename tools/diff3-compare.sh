#!/bin/bash
# diff3-compare.sh: the long hand-run check that vos diff3 gives GNU diff3's exact bytes.
# N triples (deterministic from SEED): an original and two edited copies (overlapping and
# separate edits, identical edits on both sides, missing final newlines, lines starting with
# '.'), compared with a rotating set of options by GNU diff3 and vos diff3.
# Usage: tools/diff3-compare.sh [N=300] [SEED=1] [VOS=build/vos]
set -u
N=${1:-300}
SEED=${2:-1}
VOS=$(readlink -f "${3:-build/vos}")
W=$(mktemp -d /tmp/diff3-compare.XXXXXX)
cd "$W" || exit 2
gawk -v n="$N" -v seed="$SEED" '
function rnd(k) { return int(rand() * k) }
function line() { r = rnd(12); return r < 2 ? "" : r < 4 ? "same" : r < 5 ? "." : "l" rnd(300) }
function edit(src, ls, dst,   i, ld, r) {
    ld = 0
    for (i = 1; i <= ls; i++) {
        r = rnd(100)
        if (r < 5) continue
        if (r < 10) { dst[++ld] = "e" rnd(50); continue }
        if (r < 13) { dst[++ld] = src[i]; dst[++ld] = "i" rnd(50); continue }
        dst[++ld] = src[i]
    }
    return ld
}
BEGIN {
    srand(seed)
    for (t = 1; t <= n; t++) {
        len = rnd(rnd(3) ? 30 : 200)
        delete O; delete M; delete Y
        for (i = 1; i <= len; i++) O[i] = line()
        lm = edit(O, len, M)
        if (rnd(5) == 0) { ly = lm; for (i = 1; i <= lm; i++) Y[i] = M[i]; ly = edit(Y, ly, Y) }
        else ly = edit(O, len, Y)
        printf "" > ("o" t); printf "" > ("m" t); printf "" > ("y" t)
        for (i = 1; i <= len; i++) print O[i] > ("o" t)
        nm = rnd(8) == 0; ny = rnd(8) == 0
        for (i = 1; i <= lm; i++) { if (i == lm && nm) printf "%s", M[i] > ("m" t); else print M[i] > ("m" t) }
        for (i = 1; i <= ly; i++) { if (i == ly && ny) printf "%s", Y[i] > ("y" t); else print Y[i] > ("y" t) }
        close("o" t); close("m" t); close("y" t)
    }
}'
OPTS=("" "-m" "-e" "-E" "-x" "-X" "-3" "-A" "-A -T" "-e -i" "-m -L a -L b -L c" "-T" "-a" "-E -L mine")
script=""
for ((t = 1; t <= N; t++)); do
    o=${OPTS[$(( (t * 3 + SEED) % ${#OPTS[@]} ))]}
    printf '%s\n' "$o" > "opt$t"
    (LC_ALL=C diff3 $o "m$t" "o$t" "y$t" > "gnu$t" 2> "gnuerr$t"; echo $? > "gnust$t")
    script+="diff3 $o m$t o$t y$t > vos$t 2> voserr$t; echo \$? > vosst$t"$'\n'
done
"$VOS" --mount "$W:$W:rw" --cwd "$W" -c "$script"
bad=0
for ((t = 1; t <= N; t++)); do
    if ! cmp -s "gnu$t" "vos$t" || ! cmp -s "gnust$t" "vosst$t" || ! cmp -s "gnuerr$t" "voserr$t"; then
        bad=$((bad + 1))
        echo "DIFFERS: triple $t (diff3 $(cat "opt$t") m$t o$t y$t)"
    fi
done
echo "$N triples, $bad differ; work dir $W"
[ "$bad" -eq 0 ] && [ -z "${KEEP:-}" ] && rm -rf "$W"
[ "$bad" -eq 0 ]
