/* vars.c: shell variables: a hash table of sh_var (scalars, indexed and associative arrays,
 * namerefs, with their attributes), function-local variables as shadowing chains popped at
 * return, temporary assignments (x=1 cmd), computed variables (RANDOM, LINENO, FUNCNAME...)
 * and the environment: handed to commands, and kept in the process (sh_env_sync) for the
 * commands run in it. Positional and special parameters ($1, $#, $?) live in expand.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell/sh.h"

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static sh_var **slot(sh_state *sh, const char *name)
{
    sh_vars *t = &sh->vars;
    uint64_t h = hash_name(name);
    sh_var **pp = &t->tab[h & (t->cap - 1)];
    while (*pp && ((*pp)->hash != h || strcmp((*pp)->name, name) != 0)) pp = &(*pp)->next;
    return pp;
}

static void grow(sh_state *sh)
{
    sh_vars *t = &sh->vars;
    size_t ncap = t->cap * 2;
    sh_var **nt = vk_calloc(sh->p, ncap, sizeof *nt);
    if (!nt) return; /* stay at the old size: chains get longer, nothing breaks */
    for (size_t i = 0; i < t->cap; i++) {
        sh_var *v = t->tab[i];
        while (v) {
            sh_var *n = v->next;
            sh_var **pp = &nt[v->hash & (ncap - 1)];
            v->next = *pp;
            *pp = v;
            v = n;
        }
    }
    vk_free(sh->p, t->tab);
    t->tab = nt;
    t->cap = ncap;
}

static void insert(sh_state *sh, sh_var *v)
{
    if (sh->vars.count * 4 >= sh->vars.cap * 3) grow(sh);
    sh_var **pp = slot(sh, v->name);
    v->next = *pp;
    *pp = v;
    sh->vars.count++;
}

/* detach the visible variable called name from the table */
static sh_var *detach(sh_state *sh, const char *name)
{
    sh_var **pp = slot(sh, name);
    sh_var *v = *pp;
    if (v) {
        *pp = v->next;
        v->next = NULL;
        sh->vars.count--;
    }
    return v;
}

/* the process environment must follow a change to an exported variable (sh_env_sync) */
static void env_touch(sh_state *sh, const sh_var *v)
{
    if (v && (v->flags & VF_EXPORT)) sh->env_dirty = true;
}

void sh_var_touch(sh_state *sh, sh_var *v) { env_touch(sh, v); }

/* declare -u / -l / -c: convert s in place (by characters in a UTF-8 locale; a character
 * whose other case would take more bytes keeps its case) */
void sh_case_convert(sh_state *sh, const sh_var *v, char *s)
{
    if (!(v->flags & (VF_LOWER | VF_UPPER | VF_CAPCASE))) return;
    bool utf8 = sh_utf8_locale(sh);
    size_t n = strlen(s), r = 0, w = 0;
    while (r < n) {
        uint32_t c;
        size_t l = utf8 ? sh_u8_decode(s + r, n - r, &c) : 1;
        if (!utf8) c = (unsigned char)s[r];
        if (l == 0) l = 1, c = 0xfffd0000u; /* an invalid byte: no case */
        bool up = (v->flags & VF_UPPER) || ((v->flags & VF_CAPCASE) && r == 0);
        uint32_t m = c;
        if (c < 0x110000) {
            if (!utf8 && c >= 0x80) m = c;
            else m = up ? sh_u_toupper(c) : sh_u_tolower(c);
        }
        char enc[4];
        size_t el = m == c ? 0 : sh_u8_encode(m, enc);
        if (m != c && el <= l) {
            memcpy(s + w, enc, el);
            w += el;
        } else {
            memmove(s + w, s + r, l);
            w += l;
        }
        r += l;
    }
    s[w] = 0;
}

/* A variable is one block: the struct, then its name, then, in a child's copy of the table
 * (sh_var_copy_table, which a $( ) or a pipeline stage pays for), its first value. An inline
 * value is never freed or grown by itself: a new value replaces it. */
static bool val_inline(const sh_var *v)
{
    return v->val && v->val == v->name + strlen(v->name) + 1;
}

/* free v's scalar value (not v->val = NULL: the caller sets the new one) */
static void val_free(sh_state *sh, sh_var *v)
{
    if (!val_inline(v)) vk_free(sh->p, v->val);
}

static void free_var(sh_state *sh, sh_var *v)
{
    if (!v) return;
    sh_array_clear(sh, v);
    vk_free(sh->p, v->arr);
    val_free(sh, v);
    if (!v->inblock) vk_free(sh->p, v);
}

/* the bytes a variable takes with its name and value (vlen: none when val is NULL) */
static size_t var_size(size_t nlen, const char *val, size_t vlen)
{
    size_t n = sizeof(sh_var) + nlen + 1 + (val ? vlen + 1 : 0);
    return (n + 15) & ~(size_t)15;
}

static sh_var *var_init(void *mem, const char *name, size_t nlen, const char *val, size_t vlen)
{
    sh_var *v = mem;
    memset(v, 0, sizeof *v);
    v->name = (char *)(v + 1);
    memcpy(v->name, name, nlen);
    v->name[nlen] = 0;
    if (val) {
        v->val = v->name + nlen + 1;
        memcpy(v->val, val, vlen);
        v->val[vlen] = 0;
    }
    v->hash = hash_name(v->name);
    return v;
}

/* a new variable called name (nlen bytes), with val (vlen bytes) as its value if not NULL */
static sh_var *new_var_val(sh_state *sh, const char *name, size_t nlen, const char *val,
                           size_t vlen)
{
    void *mem = vk_malloc(sh->p, var_size(nlen, val, vlen));
    return mem ? var_init(mem, name, nlen, val, vlen) : NULL;
}

static sh_var *new_var(sh_state *sh, const char *name, size_t nlen)
{
    return new_var_val(sh, name, nlen, NULL, 0);
}

void sh_vars_init(sh_state *sh)
{
    sh->vars.cap = 64;
    sh->vars.count = 0;
    sh->vars.tab = vk_calloc(sh->p, sh->vars.cap, sizeof *sh->vars.tab);
    if (!sh->vars.tab) sh->vars.cap = 0;
}

void sh_vars_free(sh_state *sh)
{
    sh_vars_pop_level(sh, 1);
    for (size_t i = 0; i < sh->vars.cap; i++) {
        sh_var *v = sh->vars.tab[i];
        while (v) {
            sh_var *n = v->next;
            free_var(sh, v);
            v = n;
        }
    }
    vk_free(sh->p, sh->vars.tab);
    sh->vars.tab = NULL;
    sh->vars.cap = sh->vars.count = 0;
}

/* ---- arrays ---- */
static size_t arr_find(const sh_var *v, int64_t idx, bool *found)
{
    size_t lo = 0, hi = v->narr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->arr[mid].idx < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < v->narr && v->arr[lo].idx == idx;
    return lo;
}

const char *sh_array_get(sh_var *v, int64_t idx)
{
    if (v->flags & VF_ASSOC) return idx == 0 ? sh_assoc_get(v, "0") : NULL;
    if (!(v->flags & VF_ARRAY)) return idx == 0 ? v->val : NULL;
    bool found;
    size_t i = arr_find(v, idx, &found);
    return found ? v->arr[i].val : NULL;
}

int sh_array_set(sh_state *sh, sh_var *v, int64_t idx, const char *val)
{
    v->flags &= ~VF_INVISIBLE;
    if (v->flags & VF_ASSOC) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)idx);
        return sh_assoc_set(sh, v, key, val);
    }
    v->flags &= ~VF_INVISIBLE;
    if (!(v->flags & VF_ARRAY)) {
        env_touch(sh, v); /* an array is not exported */
        /* a scalar becomes element 0 */
        char *old = v->val;
        bool inl = val_inline(v);
        v->val = NULL;
        v->vcap = 0;
        v->flags |= VF_ARRAY;
        if (old) {
            int rc = sh_array_set(sh, v, 0, old);
            if (!inl) vk_free(sh->p, old);
            /* val was the scalar itself (declare -a on a scalar): element 0 has it now */
            if (rc || (val == old && idx == 0)) return rc;
        }
    }
    char *copy = vk_strdup(sh->p, val);
    if (!copy) return -1;
    sh_case_convert(sh, v, copy);
    bool found;
    size_t i = arr_find(v, idx, &found);
    if (found) {
        vk_free(sh->p, v->arr[i].val);
        v->arr[i].val = copy;
        return 0;
    }
    if (v->narr == v->carr) {
        size_t nc = v->carr ? v->carr * 2 : 8;
        sh_aelem *na = vk_realloc(sh->p, v->arr, nc * sizeof *na);
        if (!na) {
            vk_free(sh->p, copy);
            return -1;
        }
        v->arr = na;
        v->carr = nc;
    }
    memmove(v->arr + i + 1, v->arr + i, (v->narr - i) * sizeof *v->arr);
    v->arr[i] = (sh_aelem){.idx = idx, .val = copy};
    v->narr++;
    return 0;
}

void sh_array_clear(sh_state *sh, sh_var *v)
{
    for (size_t i = 0; i < v->narr; i++) {
        vk_free(sh->p, v->arr[i].val);
        vk_free(sh->p, v->arr[i].key);
    }
    v->narr = 0;
}

void sh_array_unset(sh_state *sh, sh_var *v, int64_t idx)
{
    bool found;
    size_t i = arr_find(v, idx, &found);
    if (!found) return;
    vk_free(sh->p, v->arr[i].val);
    memmove(v->arr + i, v->arr + i + 1, (v->narr - i - 1) * sizeof *v->arr);
    v->narr--;
}

/* ---- associative arrays ----
 * bash keeps them in a hash table of 1024 buckets (FNV-1 over the key's bytes as signed chars,
 * new entries first in their bucket, four times the buckets once there are twice as many
 * entries) and lists them bucket by bucket. The elements are kept sorted that way. */
static uint32_t bash_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h *= 16777619u;
        h ^= (uint32_t)(int32_t)(signed char)*s;
    }
    return h;
}

/* does element a come before element b in the walk? */
static bool assoc_before(const sh_var *v, const sh_aelem *a, const sh_aelem *b)
{
    uint32_t ba = a->hash & (v->nbuckets - 1), bb = b->hash & (v->nbuckets - 1);
    if (ba != bb) return ba < bb;
    return a->idx > b->idx;
}

static void assoc_sort(sh_var *v)
{
    for (size_t i = 1; i < v->narr; i++) {
        sh_aelem e = v->arr[i];
        size_t k = i;
        while (k > 0 && assoc_before(v, &e, &v->arr[k - 1])) {
            v->arr[k] = v->arr[k - 1];
            k--;
        }
        v->arr[k] = e;
    }
}

static sh_aelem *assoc_find(sh_var *v, const char *key, uint32_t h)
{
    /* binary search for the bucket, then a walk through it */
    uint32_t want = h & (v->nbuckets - 1);
    size_t lo = 0, hi = v->narr;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if ((v->arr[mid].hash & (v->nbuckets - 1)) < want)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < v->narr && (v->arr[i].hash & (v->nbuckets - 1)) == want; i++)
        if (v->arr[i].hash == h && strcmp(v->arr[i].key, key) == 0) return &v->arr[i];
    return NULL;
}

const char *sh_assoc_get(sh_var *v, const char *key)
{
    if (!(v->flags & VF_ASSOC)) return NULL;
    sh_aelem *e = assoc_find(v, key, bash_hash(key));
    return e ? e->val : NULL;
}

int sh_assoc_set(sh_state *sh, sh_var *v, const char *key, const char *val)
{
    v->flags &= ~VF_INVISIBLE;
    uint32_t h = bash_hash(key);
    sh_aelem *e = assoc_find(v, key, h);
    char *copy = vk_strdup(sh->p, val);
    if (!copy) return -1;
    sh_case_convert(sh, v, copy);
    if (e) {
        vk_free(sh->p, e->val);
        e->val = copy;
        return 0;
    }
    char *k = vk_strdup(sh->p, key);
    if (!k) {
        vk_free(sh->p, copy);
        return -1;
    }
    if (v->narr == v->carr) {
        size_t nc = v->carr ? v->carr * 2 : 8;
        sh_aelem *na = vk_realloc(sh->p, v->arr, nc * sizeof *na);
        if (!na) {
            vk_free(sh->p, copy);
            vk_free(sh->p, k);
            return -1;
        }
        v->arr = na;
        v->carr = nc;
    }
    if (v->narr >= (size_t)v->nbuckets * 2) {
        v->nbuckets *= 4;
        assoc_sort(v);
    }
    sh_aelem ne = {.idx = v->aseq++, .val = copy, .key = k, .hash = h};
    size_t i = v->narr;
    while (i > 0 && assoc_before(v, &ne, &v->arr[i - 1])) i--;
    memmove(v->arr + i + 1, v->arr + i, (v->narr - i) * sizeof *v->arr);
    v->arr[i] = ne;
    v->narr++;
    return 0;
}

void sh_assoc_unset(sh_state *sh, sh_var *v, const char *key)
{
    if (!(v->flags & VF_ASSOC)) return;
    sh_aelem *e = assoc_find(v, key, bash_hash(key));
    if (!e) return;
    size_t i = (size_t)(e - v->arr);
    vk_free(sh->p, e->val);
    vk_free(sh->p, e->key);
    memmove(v->arr + i, v->arr + i + 1, (v->narr - i - 1) * sizeof *v->arr);
    v->narr--;
}

/* ---- lookup ---- */
static void rebuild_pipestatus(sh_state *sh)
{
    sh->pstat_dirty = false;
    sh_var *v = *slot(sh, "PIPESTATUS");
    if (!v) {
        v = new_var(sh, "PIPESTATUS", 10);
        if (!v) return;
        insert(sh, v);
    }
    sh_array_clear(sh, v);
    val_free(sh, v);
    v->val = NULL;
    v->vcap = 0;
    v->flags |= VF_ARRAY;
    for (int i = 0; i < sh->npipestatus; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", sh->pipestatus[i]);
        sh_array_set(sh, v, i, num);
    }
}

/* name as an empty array (associative with that many buckets), made if need be */
static sh_var *fresh_array(sh_state *sh, const char *name, bool assoc, uint32_t buckets)
{
    sh_var *v = *slot(sh, name);
    if (!v) {
        v = new_var(sh, name, strlen(name));
        if (!v) return NULL;
        insert(sh, v);
    }
    sh_array_clear(sh, v);
    val_free(sh, v);
    v->val = NULL;
    v->vcap = 0;
    v->flags = (v->flags & ~(VF_ASSOC | VF_ARRAY | VF_INVISIBLE)) | (assoc ? VF_ASSOC : VF_ARRAY);
    if (assoc) {
        v->nbuckets = buckets;
        v->aseq = 0;
    }
    return v;
}

/* FUNCNAME, BASH_LINENO, BASH_SOURCE from the call stack */
static void rebuild_frames(sh_state *sh)
{
    sh->frames_dirty = false;
    static const char *const names[] = {"FUNCNAME", "BASH_LINENO", "BASH_SOURCE"};
    for (int k = 0; k < 3; k++) {
        sh_var *v = fresh_array(sh, names[k], false, 0);
        if (!v) return;
        int n = 0;
        /* FUNCNAME exists only while a function runs (in a script, main counts) */
        bool nomain = sh->cmode || sh->from_stdin; /* no "main" frame: -c, stdin */
        bool any_func = !nomain;
        for (int i = 0; i < sh->nframes; i++)
            if (strcmp(sh->frames[i].name, "source") != 0) any_func = true;
        if (k == 0 && !any_func) continue;
        for (int i = sh->nframes - 1; i >= 0; i--, n++) {
            const sh_frame *f = &sh->frames[i];
            char num[16];
            snprintf(num, sizeof num, "%d", f->line);
            sh_array_set(sh, v, n, k == 0 ? f->name : (k == 1 ? num : f->source));
        }
        /* a script file's own frame is "main" (a -c string and stdin have none); at its top
         * level BASH_LINENO is (0) and BASH_SOURCE the file, FUNCNAME is empty */
        if ((sh->nframes || k >= 1) && !nomain) {
            const char *src = sh->arg0 ? sh->arg0 : "";
            sh_array_set(sh, v, n, k == 0 ? "main" : (k == 1 ? "0" : src));
        }
    }
}

/* DIRSTACK, BASH_ALIASES and BASH_CMDS: arrays made afresh from the directory stack, the
 * aliases and the command hash table whenever they are read (bash's tables keep the order of
 * their hash buckets: 64 for aliases, 256 for commands). */
static bool is_table_var(const char *name)
{
    return (name[0] == 'D' && strcmp(name, "DIRSTACK") == 0) ||
           (name[0] == 'B' && (strcmp(name, "BASH_ALIASES") == 0 ||
                               strcmp(name, "BASH_CMDS") == 0));
}

static int cmp_hashent(const void *a, const void *b)
{
    uint64_t x = (*(sh_hashent *const *)a)->seq, y = (*(sh_hashent *const *)b)->seq;
    return x < y ? -1 : x > y;
}

static void rebuild_table_var(sh_state *sh, const char *name)
{
    if (name[0] == 'D') {
        sh_var *v = fresh_array(sh, name, false, 0);
        if (!v) return;
        const char *pwd = sh_var_value(sh, "PWD");
        if (!pwd) pwd = vk_getcwd(sh->p);
        sh_array_set(sh, v, 0, pwd ? pwd : "/");
        for (int k = 0; k < sh->ndirs; k++) sh_array_set(sh, v, k + 1, sh->dirstack[k]);
        return;
    }
    bool aliases = strcmp(name, "BASH_ALIASES") == 0;
    sh_var *v = fresh_array(sh, name, true, aliases ? 64 : 256);
    if (!v) return;
    size_t n = 0;
    if (aliases) {
        for (sh_alias *a = sh->aliases; a; a = a->next) n++;
        sh_alias **all = n ? vk_malloc(sh->p, n * sizeof *all) : NULL;
        if (!all) return;
        size_t k = n;
        for (sh_alias *a = sh->aliases; a; a = a->next) all[--k] = a; /* oldest first */
        for (k = 0; k < n; k++) sh_assoc_set(sh, v, all[k]->name, all[k]->val);
        vk_free(sh->p, all);
    } else {
        for (sh_hashent *e = sh->hashtab; e; e = e->next) n++;
        sh_hashent **all = n ? vk_malloc(sh->p, n * sizeof *all) : NULL;
        if (!all) return;
        size_t k = 0;
        for (sh_hashent *e = sh->hashtab; e; e = e->next) all[k++] = e;
        qsort(all, n, sizeof *all, cmp_hashent);
        for (k = 0; k < n; k++) sh_assoc_set(sh, v, all[k]->name, all[k]->path);
        vk_free(sh->p, all);
    }
}

static bool is_frame_var(const char *name)
{
    return (name[0] == 'F' && strcmp(name, "FUNCNAME") == 0) ||
           (name[0] == 'B' && (strcmp(name, "BASH_LINENO") == 0 ||
                               strcmp(name, "BASH_SOURCE") == 0));
}

/* a nameref v (declare -n): the name it finally refers to, or NULL, as bash's lookup: past
 * 8 references, or when one leads back to v or to itself (*loop set) */
static const char *ref_walk(sh_state *sh, sh_var *v, bool *loop)
{
    sh_var *orig = v;
    const char *name = v->name;
    *loop = false;
    for (int level = 1; v && (v->flags & VF_NAMEREF) && v->val && *v->val; level++) {
        if (level > 8) return NULL;
        sh_var *old = v;
        name = v->val;
        v = *slot(sh, name);
        if (v == orig || v == old) {
            *loop = true;
            return NULL;
        }
    }
    return name;
}

/* ref_walk, and bash's warning for a loop ("circular name reference", with v's name) */
static const char *ref_target(sh_state *sh, sh_var *v)
{
    bool loop;
    const char *t = ref_walk(sh, v, &loop);
    /* once per command and name: vos looks a variable up more often than bash */
    if (loop && (sh->ref_warn_seq != sh->cmd_seq || strcmp(sh->ref_warned, v->name))) {
        sh_error(sh, "warning: %s: circular name reference", v->name);
        sh->ref_warn_seq = sh->cmd_seq;
        snprintf(sh->ref_warned, sizeof sh->ref_warned, "%s", v->name);
    }
    return t;
}

bool sh_nameref_loops(sh_state *sh, const char *name)
{
    sh_var *v = sh->vars.tab ? *slot(sh, name) : NULL;
    bool loop = false;
    if (v && (v->flags & VF_NAMEREF) && v->val && *v->val) ref_walk(sh, v, &loop);
    return loop;
}

sh_var *sh_var_get(sh_state *sh, const char *name)
{
    if (!sh->vars.tab) return NULL;
    if (sh->pstat_dirty && name[0] == 'P' && strcmp(name, "PIPESTATUS") == 0)
        rebuild_pipestatus(sh);
    if (sh->frames_dirty && is_frame_var(name)) rebuild_frames(sh);
    if (is_table_var(name)) rebuild_table_var(sh, name);
    sh_var *v = *slot(sh, name);
    if (v && (v->flags & VF_NAMEREF) && v->val && *v->val) {
        const char *t = ref_target(sh, v);
        v = t ? *slot(sh, t) : NULL;
    }
    return v;
}

sh_var *sh_var_get_raw(sh_state *sh, const char *name)
{
    if (!sh->vars.tab) return NULL;
    if (is_table_var(name)) rebuild_table_var(sh, name);
    return *slot(sh, name);
}

/* the name a change to name acts on (itself, or a nameref's target; NULL: a reference that
 * leads nowhere, see ref_target) */
static const char *deref(sh_state *sh, const char *name)
{
    sh_var *v = *slot(sh, name);
    return v && (v->flags & VF_NAMEREF) && v->val && *v->val ? ref_target(sh, v) : name;
}

const char *sh_nameref_elem(sh_state *sh, const char *name)
{
    if (!sh->vars.tab) return NULL;
    sh_var *v = *slot(sh, name);
    if (!v || !(v->flags & VF_NAMEREF) || !v->val || !*v->val) return NULL;
    const char *t = ref_target(sh, v);
    if (!t) return NULL;
    const char *br = strchr(t, '[');
    size_t tl = strlen(t);
    return br && br > t && tl > 2 && t[tl - 1] == ']' ? t : NULL;
}

/* the element a nameref names ("arr[i]"): its variable (NULL when unset) and, split off, the
 * expanded key (an associative array's) or the index; false after an error in the subscript */
/* "arr[sub]" split: the name into base (256 bytes), the subscript's text (the caller frees
 * it), NULL when too long or out of memory */
static char *split_elem(sh_state *sh, const char *target, char *base)
{
    const char *br = strchr(target, '[');
    size_t bl = (size_t)(br - target);
    if (bl >= 256) return NULL;
    memcpy(base, target, bl);
    base[bl] = 0;
    return vk_strndup(sh->p, br + 1, strlen(br + 1) - 1);
}

static bool elem_of(sh_state *sh, const char *target, sh_var **vout, char **key, int64_t *idx)
{
    char base[256];
    *vout = NULL;
    *key = NULL;
    *idx = 0;
    char *subtext = split_elem(sh, target, base);
    if (!subtext) return false;
    sh_var *v = sh_var_get(sh, base);
    bool ok = true;
    if (v && (v->flags & VF_ASSOC)) {
        *key = sh_expand_word(sh, subtext);
        ok = *key != NULL;
    } else {
        char *subx = sh_expand_str(sh, subtext);
        ok = subx && sh_arith(sh, subx, idx) == 0;
        vk_free(sh->p, subx);
        if (ok && *idx < 0 && v && (v->flags & VF_ARRAY) && v->narr)
            *idx += v->arr[v->narr - 1].idx + 1;
    }
    vk_free(sh->p, subtext);
    *vout = v;
    return ok;
}

static const char *elem_value(sh_state *sh, const char *target)
{
    sh_var *v;
    char *key;
    int64_t idx;
    const char *r = NULL;
    if (elem_of(sh, target, &v, &key, &idx) && v) {
        if (key) r = sh_assoc_get(v, key);
        else if (v->flags & VF_ARRAY) r = idx >= 0 ? sh_array_get(v, idx) : NULL;
        else if (idx == 0) r = v->val;
    }
    vk_free(sh->p, key);
    return r;
}

static uint32_t next_random(sh_state *sh)
{
    if (!sh->rand_seeded) return (uint32_t)(vk_random(sh->p) & 0x7fff);
    /* a seeded sequence is reproducible, as in bash (not bash's exact numbers) */
    sh->rand_state = sh->rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((sh->rand_state >> 33) & 0x7fff);
}

static const char *special_value(sh_state *sh, const char *name)
{
    char *b = sh->specbuf;
    size_t n = sizeof sh->specbuf;
    if (strcmp(name, "RANDOM") == 0) {
        snprintf(b, n, "%u", next_random(sh));
    } else if (strcmp(name, "LINENO") == 0) {
        snprintf(b, n, "%d", sh->lineno);
    } else if (strcmp(name, "SECONDS") == 0) {
        int64_t s = (vk_monotonic_ns(sh->p) - sh->start_ns) / 1000000000 + sh->seconds_base;
        snprintf(b, n, "%lld", (long long)s);
    } else if (strcmp(name, "BASHPID") == 0) {
        snprintf(b, n, "%d", vk_getpid(sh->p));
    } else if (strcmp(name, "EPOCHSECONDS") == 0) {
        snprintf(b, n, "%lld", (long long)(vk_time_ns(sh->p) / 1000000000));
    } else if (strcmp(name, "EPOCHREALTIME") == 0) {
        int64_t t = vk_time_ns(sh->p);
        snprintf(b, n, "%lld.%06lld", (long long)(t / 1000000000),
                 (long long)(t % 1000000000 / 1000));
    } else if (strcmp(name, "SRANDOM") == 0) {
        snprintf(b, n, "%u", (unsigned)(vk_random(sh->p) & 0xffffffffu));
    } else if (strcmp(name, "BASH_COMMAND") == 0) {
        b[0] = 0;
        if (sh->cur_cmd) {
            sh_buf t;
            sh_buf_init(&t, sh->p);
            sh_print_command(&t, sh->cur_cmd);
            snprintf(b, n, "%s", t.s ? t.s : "");
            sh_buf_free(&t);
        }
    } else if (strcmp(name, "BASH_SUBSHELL") == 0) {
        snprintf(b, n, "%d", sh->subshell);
    } else if (strcmp(name, "SHELLOPTS") == 0 || strcmp(name, "BASHOPTS") == 0) {
        /* the options that are on, as a colon list in name order */
        static const char *const onames[] = {
#define SH_OPT_NAME5_(nm, c, str) str,
            SH_OPTIONS(SH_OPT_NAME5_)
#undef SH_OPT_NAME5_
        };
        static const char *const snames[] = {
#define SH_SHOPT_NAME5_(nm, str, d) str,
            SH_SHOPTS(SH_SHOPT_NAME5_)
#undef SH_SHOPT_NAME5_
        };
        bool shell = name[0] == 'S';
        int count = shell ? O_COUNT : SO_COUNT;
        const char *const *names = shell ? onames : snames;
        const bool *on = shell ? sh->opt : sh->shopt;
        size_t k = 0;
        b[0] = 0;
        /* both lists are short: pick the next name in order each time */
        const char *prev = "";
        for (int done = 0; done < count; done++) {
            const char *best = NULL;
            for (int i = 0; i < count; i++)
                if (on[i] && strcmp(names[i], prev) > 0 && (!best || strcmp(names[i], best) < 0))
                    best = names[i];
            if (!best) break;
            int w = snprintf(b + k, n - k, "%s%s", k ? ":" : "", best);
            if (w < 0 || (size_t)w >= n - k) break;
            k += (size_t)w;
            prev = best;
        }
    } else {
        return NULL;
    }
    return b;
}

const char *sh_var_value(sh_state *sh, const char *name)
{
    sh_var *v = sh_var_get(sh, name);
    if (!v) {
        /* a nameref to an array element has no variable of its own (declare -n r=a[1]) */
        const char *elem = sh_nameref_elem(sh, name);
        return elem ? elem_value(sh, elem) : NULL;
    }
    if (v->flags & VF_SPECIAL) return special_value(sh, name);
    if (v->flags & (VF_ARRAY | VF_ASSOC)) return sh_array_get(v, 0);
    return v->val;
}

/* ---- assignment ---- */
static void special_assigned(sh_state *sh, const char *name, const char *val)
{
    if (strcmp(name, "RANDOM") == 0) {
        int64_t seed = 0;
        sh_parse_int(val, &seed);
        sh->rand_state = (uint64_t)seed;
        sh->rand_seeded = true;
    } else if (strcmp(name, "SECONDS") == 0) {
        int64_t s = 0;
        sh_parse_int(val, &s);
        sh->seconds_base = s;
        sh->start_ns = vk_monotonic_ns(sh->p);
    } else if (strcmp(name, "OPTIND") == 0) {
        sh->optind_pos = 0;
    }
}

int sh_var_set_len(sh_state *sh, const char *name, size_t nlen, const char *val, int addflags)
{
    char nbuf[256];
    const char *nm = name;
    if (name[nlen] != 0) {
        if (nlen >= sizeof nbuf) return -1;
        memcpy(nbuf, name, nlen);
        nbuf[nlen] = 0;
        nm = nbuf;
    }
    if (!sh->vars.tab) return -1;
    if (sh->pstat_dirty && nm[0] == 'P' && strcmp(nm, "PIPESTATUS") == 0) rebuild_pipestatus(sh);
    if (sh->hashtab && nm[0] == 'P' && strcmp(nm, "PATH") == 0) sh_hash_clear(sh); /* as bash */
    sh_var *v = *slot(sh, nm);
    if (v && (v->flags & VF_NAMEREF) && v->val && *v->val && !(addflags & VF_NAMEREF)) {
        const char *elem = sh_nameref_elem(sh, nm);
        if (elem) {
            /* a reference to an array element (declare -n r=a[1]): that element is set */
            char base[256];
            char *subtext = split_elem(sh, elem, base);
            if (!subtext) return -1;
            int rc = sh_assign_elem(sh, base, subtext, val, false);
            vk_free(sh->p, subtext);
            return rc;
        }
        nm = ref_target(sh, v);
        if (!nm) {
            /* bash: the assignment fails, and the command line is abandoned */
            sh->bad_subscript = true;
            return -1;
        }
        if (strlen(nm) >= sizeof nbuf) return -1;
        memmove(nbuf, nm, strlen(nm) + 1);
        nm = nbuf;
        v = *slot(sh, nm);
    }
    if (v && (v->flags & VF_READONLY)) {
        sh_error(sh, "%s: readonly variable", nm);
        return -1;
    }
    if (!v) {
        v = new_var(sh, nm, strlen(nm));
        if (!v) return -1;
        v->level = 0;
        insert(sh, v);
    }
    if (sh->opt[O_ALLEXPORT]) v->flags |= VF_EXPORT;
    v->flags |= addflags;
    if (v->flags & VF_SPECIAL) special_assigned(sh, nm, val);
    /* as bash: setting POSIXLY_CORRECT (or finding it in the environment) turns posix mode
     * on, unsetting it turns it off */
    if (nm[0] == 'P' && strcmp(nm, "POSIXLY_CORRECT") == 0 && !sh->opt[O_POSIX])
        sh_posix_opts(sh, true);
    if (v->flags & (VF_ARRAY | VF_ASSOC)) return sh_array_set(sh, v, 0, val);
    char *copy = vk_strdup(sh->p, val);
    if (!copy) return -1;
    sh_case_convert(sh, v, copy);
    val_free(sh, v);
    v->val = copy;
    v->vcap = 0;
    env_touch(sh, v);
    return 0;
}

int sh_var_append(sh_state *sh, const char *name, const char *val)
{
    if (!sh->vars.tab || sh->opt[O_ALLEXPORT]) return 1;
    sh_var *v = *slot(sh, name);
    if (!v || !v->val || (v->flags & ~VF_EXPORT)) return 1;
    size_t al = strlen(val), ol = v->vcap ? v->vlen : strlen(v->val);
    if (!v->vcap || ol + al + 1 > v->vcap) {
        size_t nc = (ol + al + 1) * 2;
        if (nc < 64) nc = 64;
        char *nv;
        if (val_inline(v)) {
            nv = vk_malloc(sh->p, nc);
            if (nv) memcpy(nv, v->val, ol + 1);
        } else {
            nv = vk_realloc(sh->p, v->val, nc);
        }
        if (!nv) return -1;
        v->val = nv;
        v->vcap = nc;
    }
    memcpy(v->val + ol, val, al + 1);
    v->vlen = ol + al;
    env_touch(sh, v);
    return 0;
}

int sh_var_set(sh_state *sh, const char *name, const char *val, int addflags)
{
    return sh_var_set_len(sh, name, strlen(name), val, addflags);
}

sh_var *sh_assoc_new(sh_state *sh, const char *name)
{
    sh_var *v = sh_array_new(sh, name);
    if (!v) return NULL;
    v->flags = (v->flags & ~VF_ARRAY) | VF_ASSOC;
    v->nbuckets = 1024;
    v->aseq = 0;
    return v;
}

sh_var *sh_array_new(sh_state *sh, const char *name)
{
    name = deref(sh, name);
    if (!name) return NULL;
    sh_var *v = *slot(sh, name);
    if (v && (v->flags & VF_READONLY)) {
        sh_error(sh, "%s: readonly variable", name);
        return NULL;
    }
    if (!v) {
        v = new_var(sh, name, strlen(name));
        if (!v) return NULL;
        insert(sh, v);
    }
    if (sh->opt[O_ALLEXPORT]) v->flags |= VF_EXPORT;
    env_touch(sh, v);
    val_free(sh, v);
    v->val = NULL;
    v->vcap = 0;
    sh_array_clear(sh, v);
    v->flags = (v->flags & ~(VF_ASSOC | VF_INVISIBLE)) | VF_ARRAY;
    return v;
}

void sh_var_flag(sh_state *sh, const char *name, int flags, bool on)
{
    /* declare -n name acts on name itself, other attributes on what it refers to */
    sh_var *v = (flags & VF_NAMEREF) ? sh_var_get_raw(sh, name) : sh_var_get(sh, name);
    if (!v && !(flags & VF_NAMEREF) && !(name = deref(sh, name))) return;
    if (!v) {
        if (!on) return;
        v = new_var(sh, name, strlen(name));
        if (!v) return;
        insert(sh, v);
    }
    env_touch(sh, v);
    if (on)
        v->flags |= flags;
    else
        v->flags &= ~flags;
    env_touch(sh, v);
}

int sh_var_unset(sh_state *sh, const char *name)
{
    if (!sh->vars.tab) return 0;
    const char *target = deref(sh, name);
    if (!target) target = name; /* a circular reference: bash unsets the reference itself */
    sh_var *v = *slot(sh, target);
    if (!v) {
        /* unset through a reference to an array element unsets that element */
        const char *elem = sh_nameref_elem(sh, name);
        if (!elem) return 0;
        sh_var *ev;
        char *key;
        int64_t idx;
        int rc = 0;
        if (elem_of(sh, elem, &ev, &key, &idx) && ev) {
            if (ev->flags & VF_READONLY) rc = -1;
            else if (key) sh_assoc_unset(sh, ev, key);
            else if ((ev->flags & VF_ARRAY) && idx >= 0) sh_array_unset(sh, ev, idx);
        }
        vk_free(sh->p, key);
        return rc;
    }
    name = target;
    if (v->flags & VF_READONLY) return -1;
    if (name[0] == 'P' && strcmp(name, "POSIXLY_CORRECT") == 0 && sh->opt[O_POSIX])
        sh_posix_opts(sh, false);
    env_touch(sh, v);
    if (v->level > 0 && (v->level == sh->func_depth || sh->shopt[SO_LOCALVAR_UNSET])) {
        /* a local stays local (and unset) until its function returns (a caller's local
         * too with localvar_unset) */
        sh_array_clear(sh, v);
        val_free(sh, v);
        v->val = NULL;
        v->vcap = 0;
        v->flags &= ~(VF_ARRAY | VF_ASSOC | VF_EXPORT | VF_SPECIAL);
        return 0;
    }
    if (v->level > 0 && v->shadow) {
        /* unsetting a caller's local: bash pops it, showing the value it hid; the dead local
         * stays on the locals list until its function returns */
        sh_var *hid = v->shadow;
        detach(sh, name);
        v->shadow = NULL;
        insert(sh, hid);
        env_touch(sh, hid);
        return 0;
    }
    if (v->level > 0) {
        /* unsetting a caller's local: bash makes it vanish in that scope too */
        sh_array_clear(sh, v);
        val_free(sh, v);
        v->val = NULL;
        v->vcap = 0;
        v->flags &= ~(VF_ARRAY | VF_ASSOC | VF_EXPORT | VF_SPECIAL);
        return 0;
    }
    detach(sh, name);
    free_var(sh, v);
    return 0;
}

/* ---- locals ---- */
int sh_var_make_local(sh_state *sh, const char *name)
{
    int level = sh->func_depth;
    sh_var *cur = *slot(sh, name);
    if (cur && cur->level == level) return 0;
    sh_var *v = new_var(sh, name, strlen(name));
    if (!v) return -1;
    v->level = level;
    if (cur) {
        detach(sh, name);
        v->shadow = cur;
        /* specials keep being special inside a function; a local of an exported variable is
         * exported too (bash) */
        v->flags |= cur->flags & (VF_SPECIAL | VF_EXPORT);
        env_touch(sh, cur);
    }
    insert(sh, v);
    v->lnext = sh->locals;
    sh->locals = v;
    return 0;
}

void sh_vars_pop_level(sh_state *sh, int level)
{
    while (sh->locals && sh->locals->level >= level) {
        sh_var *v = sh->locals;
        sh->locals = v->lnext;
        env_touch(sh, v);
        env_touch(sh, v->shadow);
        if (*slot(sh, v->name) == v) detach(sh, v->name);
        if (v->shadow) insert(sh, v->shadow);
        v->shadow = NULL;
        free_var(sh, v);
    }
}

/* ---- temporary assignments ---- */
int sh_tempenv_push(sh_state *sh, const char *name, const char *val)
{
    sh_var *cur = *slot(sh, name);
    if (cur && (cur->flags & VF_READONLY)) {
        sh_error(sh, "%s: readonly variable", name);
        return -1;
    }
    sh_saved *s = vk_calloc(sh->p, 1, sizeof *s);
    if (!s) return -1;
    s->name = vk_strdup(sh->p, name);
    sh_var *v = new_var(sh, name, strlen(name));
    char *copy = vk_strdup(sh->p, val);
    if (!s->name || !v || !copy) {
        vk_free(sh->p, s->name);
        vk_free(sh->p, s);
        free_var(sh, v);
        vk_free(sh->p, copy);
        return -1;
    }
    if (cur) detach(sh, name);
    s->var = cur;
    v->val = copy;
    v->vcap = 0;
    v->flags = VF_EXPORT | (cur ? cur->flags & VF_SPECIAL : 0);
    v->level = cur ? cur->level : sh->func_depth;
    if (cur && (cur->flags & VF_SPECIAL)) special_assigned(sh, name, val);
    if (sh->hashtab && strcmp(name, "PATH") == 0) sh_hash_clear(sh); /* as an assignment */
    insert(sh, v);
    s->next = sh->tempenv;
    sh->tempenv = s;
    sh->env_dirty = true;
    return 0;
}

/* The temporary variables made since mark, reversed in place (the list runs newest first). */
static sh_saved *tempenv_reverse(sh_saved *head, sh_saved *mark)
{
    sh_saved *prev = mark;
    while (head && head != mark) {
        sh_saved *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Hide (hide) or show again the temporary variables made since mark: bash expands a
 * command's redirections without its prefix assignments (x=g cmd >$x writes to the old $x).
 * Special variables stay as they are (their side effects are not undone). Newest first to
 * hide, oldest first to show: a name given twice comes back right. */
void sh_tempenv_hide(sh_state *sh, sh_saved *mark, bool hide)
{
    if (!sh->tempenv || sh->tempenv == mark) return;
    if (!hide) sh->tempenv = tempenv_reverse(sh->tempenv, mark);
    for (sh_saved *s = sh->tempenv; s && s != mark; s = s->next) {
        sh_var *cur = *slot(sh, s->name);
        if ((cur && (cur->flags & VF_SPECIAL)) || (s->var && (s->var->flags & VF_SPECIAL)))
            continue;
        if (cur) detach(sh, s->name);
        if (s->var) insert(sh, s->var);
        s->var = cur;
    }
    if (!hide) sh->tempenv = tempenv_reverse(sh->tempenv, mark);
    sh->env_dirty = true;
}

void sh_tempenv_pop(sh_state *sh, sh_saved *mark)
{
    while (sh->tempenv && sh->tempenv != mark) {
        sh_saved *s = sh->tempenv;
        sh->tempenv = s->next;
        sh->env_dirty = true;
        sh_var *cur = detach(sh, s->name);
        free_var(sh, cur);
        if (s->var) insert(sh, s->var);
        vk_free(sh->p, s->name);
        vk_free(sh->p, s);
    }
}

/* ---- environment for commands ---- */
char **sh_env_build(sh_state *sh, char **extra, int nextra)
{
    size_t n = 0;
    for (size_t i = 0; i < sh->vars.cap; i++)
        for (sh_var *v = sh->vars.tab[i]; v; v = v->next)
            if ((v->flags & VF_EXPORT) && !(v->flags & (VF_ARRAY | VF_ASSOC))) n++;
    char **env = vk_calloc(sh->p, n + (size_t)nextra + 2, sizeof *env); /* a spare for _ */
    if (!env) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < sh->vars.cap; i++) {
        for (sh_var *v = sh->vars.tab[i]; v; v = v->next) {
            if (!(v->flags & VF_EXPORT) || (v->flags & (VF_ARRAY | VF_ASSOC))) continue;
            const char *val = (v->flags & VF_SPECIAL) ? special_value(sh, v->name) : v->val;
            if (!val) continue;
            bool overridden = false;
            size_t nl = strlen(v->name);
            for (int j = 0; j < nextra; j++)
                if (strncmp(extra[j], v->name, nl) == 0 && extra[j][nl] == '=')
                    overridden = true;
            if (overridden) continue;
            size_t len = nl + 1 + strlen(val) + 1;
            char *kv = vk_malloc(sh->p, len);
            if (!kv) {
                sh_env_free(sh, env);
                return NULL;
            }
            snprintf(kv, len, "%s=%s", v->name, val);
            env[k++] = kv;
        }
    }
    for (int j = 0; j < nextra; j++) {
        env[k] = vk_strdup(sh->p, extra[j]);
        if (!env[k]) {
            sh_env_free(sh, env);
            return NULL;
        }
        k++;
    }
    env[k] = NULL;
    return env;
}

/* the value an exported variable puts in the environment, or NULL */
static const char *env_value(sh_state *sh, sh_var *v)
{
    if (!v || !(v->flags & VF_EXPORT) || (v->flags & (VF_ARRAY | VF_ASSOC))) return NULL;
    return (v->flags & VF_SPECIAL) ? special_value(sh, v->name) : v->val;
}

void sh_env_sync(sh_state *sh)
{
    if (!sh->env_dirty || !sh->vars.tab) return;
    sh->env_dirty = false;
    vk_proc *p = sh->p;
    char name[256];
    /* drop or update what the process has, then add what it lacks */
    for (int i = 0;;) {
        char *const *env = vk_environ(p);
        if (!env[i]) break;
        const char *eq = strchr(env[i], '=');
        size_t nl = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
        if (nl == 0 || nl >= sizeof name) { /* no variable can have it (vk_setenv refuses "") */
            i++;
            continue;
        }
        memcpy(name, env[i], nl);
        name[nl] = 0;
        if (nl > 12 && strncmp(name, "BASH_FUNC_", 10) == 0 && strcmp(name + nl - 2, "%%") == 0) {
            /* an exported function: kept (and its text updated) while it is one */
            name[nl - 2] = 0;
            sh_func *f = sh_func_get(sh, name + 10);
            char *text = f && f->exported ? sh_func_env_text(sh, f->name, f->body) : NULL;
            name[nl - 2] = '%';
            if (!text) {
                vk_setenv(p, name, NULL);
                continue;
            }
            if (!eq || strcmp(eq + 1, text) != 0) vk_setenv(p, name, text);
            vk_free(p, text);
            i++;
            continue;
        }
        const char *val = env_value(sh, *slot(sh, name));
        if (!val) {
            vk_setenv(p, name, NULL); /* the next entry moves to index i */
            continue;
        }
        if (!eq || strcmp(eq + 1, val) != 0) vk_setenv(p, name, val);
        i++;
    }
    for (size_t i = 0; i < sh->vars.cap; i++)
        for (sh_var *v = sh->vars.tab[i]; v; v = v->next) {
            const char *val = env_value(sh, v);
            if (val && !vk_getenv(p, v->name)) vk_setenv(p, v->name, val);
        }
    for (sh_func *f = sh->funcs; f; f = f->next) {
        if (!f->exported || strlen(f->name) > sizeof name - 13) continue;
        snprintf(name, sizeof name, "BASH_FUNC_%s%%%%", f->name);
        if (vk_getenv(p, name)) continue;
        char *text = sh_func_env_text(sh, f->name, f->body);
        if (text) vk_setenv(p, name, text);
        vk_free(p, text);
    }
}

void sh_env_free(sh_state *sh, char **env)
{
    if (!env) return;
    for (char **e = env; *e; e++) vk_free(sh->p, *e);
    vk_free(sh->p, env);
}

static int cmp_var(const void *a, const void *b)
{
    return strcmp((*(sh_var *const *)a)->name, (*(sh_var *const *)b)->name);
}

sh_var **sh_vars_sorted(sh_state *sh, size_t *n)
{
    if (sh->pstat_dirty) rebuild_pipestatus(sh);
    if (sh->frames_dirty) rebuild_frames(sh);
    /* listings show the dynamic tables empty, as bash's do */
    fresh_array(sh, "DIRSTACK", false, 0);
    fresh_array(sh, "BASH_ALIASES", true, 64);
    fresh_array(sh, "BASH_CMDS", true, 256);
    sh_var **arr = vk_malloc(sh->p, (sh->vars.count + 1) * sizeof *arr);
    *n = 0;
    if (!arr) return NULL;
    for (size_t i = 0; i < sh->vars.cap; i++)
        for (sh_var *v = sh->vars.tab[i]; v; v = v->next) arr[(*n)++] = v;
    qsort(arr, *n, sizeof *arr, cmp_var);
    return arr;
}

/* Copy every visible variable of src into dst (a new shell in another process). Returns
 * NULL on memory exhaustion, dst's table otherwise (as a non-NULL marker). */
sh_var *sh_var_copy_table(sh_state *dst, sh_state *src)
{
    if (src->pstat_dirty) rebuild_pipestatus(src);
    /* the table at the parent's size, and every variable (struct, name, value) in one block:
     * a child's copy is made for every $( ) and pipeline stage, and mostly only read */
    dst->vars.cap = src->vars.cap ? src->vars.cap : 64;
    dst->vars.count = 0;
    dst->vars.tab = vk_calloc(dst->p, dst->vars.cap, sizeof *dst->vars.tab);
    if (!dst->vars.tab) {
        dst->vars.cap = 0;
        return NULL;
    }
    size_t total = 0;
    for (size_t i = 0; i < src->vars.cap; i++)
        for (sh_var *v = src->vars.tab[i]; v; v = v->next)
            total += var_size(strlen(v->name), v->val,
                              v->val ? (v->vcap ? v->vlen : strlen(v->val)) : 0);
    char *blk = total ? vk_malloc(dst->p, total) : NULL;
    if (total && !blk) return NULL;
    for (size_t i = 0; i < src->vars.cap; i++) {
        for (sh_var *v = src->vars.tab[i]; v; v = v->next) {
            size_t nlen = strlen(v->name);
            size_t vlen = v->val ? (v->vcap ? v->vlen : strlen(v->val)) : 0;
            sh_var *c = var_init(blk, v->name, nlen, v->val, vlen);
            blk += var_size(nlen, v->val, vlen);
            c->inblock = true;
            c->flags = v->flags;
            c->level = v->level;
            insert(dst, c);
            if ((v->flags & (VF_ARRAY | VF_ASSOC)) && v->narr) {
                c->arr = vk_malloc(dst->p, v->narr * sizeof *c->arr);
                if (!c->arr) return NULL;
                c->carr = v->narr;
                for (size_t k = 0; k < v->narr; k++) {
                    sh_aelem e = v->arr[k];
                    e.val = vk_strdup(dst->p, e.val);
                    e.key = e.key ? vk_strdup(dst->p, e.key) : NULL;
                    c->arr[c->narr++] = e;
                    if (!e.val || (v->arr[k].key && !e.key)) return NULL;
                }
            }
            c->nbuckets = v->nbuckets;
            c->aseq = v->aseq;
        }
    }
    return dst->vars.tab ? (sh_var *)dst->vars.tab : NULL;
}
