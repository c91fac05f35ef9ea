/* sys_user.h: names of users and groups from the VM's /etc/passwd and /etc/group, for id,
 * groups and whoami (a private header of src/cmd). */
#ifndef SYS_USER_H
#define SYS_USER_H

#include "lib/cmd.h"

#include "lib/format.h"

#include <stdlib.h>
#include <string.h>

typedef struct sys_ent {
    const char *name;
    unsigned id;  /* uid or gid */
    unsigned gid; /* passwd: the primary group */
    const char *members; /* group: the member list "a,b" */
} sys_ent;

/* The entry of file (/etc/passwd or /etc/group) whose name is name (when not NULL) or whose id
 * is id. False when there is none. Strings live in the arena. */
static inline bool sys_lookup(vl_ctx *c, const char *file, const char *name, unsigned id,
                              sys_ent *out)
{
    int err;
    vl_in *in = vl_in_open_quiet(c, file, &err);
    if (!in) return false;
    char *line;
    ssize_t len;
    bool found = false;
    bool pw = strstr(file, "passwd") != NULL;
    while (!found && (len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        if (line[len - 1] == '\n') line[--len] = '\0';
        char *f[7] = {0};
        char *s = vl_xstrdup(c, line);
        int nf = 0;
        for (char *q = s; nf < 7;) {
            f[nf++] = q;
            char *col = strchr(q, ':');
            if (!col) break;
            *col = '\0';
            q = col + 1;
        }
        if (nf < 3) continue;
        unsigned v = (unsigned)strtoul(f[2], NULL, 10);
        if (name ? strcmp(f[0], name) == 0 : v == id) {
            out->name = f[0];
            out->id = v;
            out->gid = pw && nf > 3 ? (unsigned)strtoul(f[3], NULL, 10) : v;
            out->members = !pw && nf > 3 ? f[3] : "";
            found = true;
        }
    }
    vl_in_close(c, in);
    return found;
}

/* Is user a listed member of group entry g? */
static inline bool sys_member(const sys_ent *g, const char *user)
{
    size_t l = strlen(user);
    for (const char *m = g->members; m && *m;) {
        const char *e = strchr(m, ',');
        size_t ml = e ? (size_t)(e - m) : strlen(m);
        if (ml == l && strncmp(m, user, l) == 0) return true;
        if (!e) break;
        m = e + 1;
    }
    return false;
}

/* Every gid whose group lists user (besides the primary one), into gids (at most max); the
 * count. */
static inline int sys_supplementary(vl_ctx *c, const char *user, unsigned primary, unsigned *gids,
                                    int max)
{
    int err, n = 0;
    vl_in *in = vl_in_open_quiet(c, "/etc/group", &err);
    if (!in) return 0;
    char *line;
    ssize_t len;
    while (n < max && (len = vl_in_getdelim(c, in, '\n', &line)) > 0) {
        if (line[len - 1] == '\n') line[--len] = '\0';
        char *s = vl_xstrdup(c, line);
        char *f[4] = {0};
        int nf = 0;
        for (char *q = s; nf < 4;) {
            f[nf++] = q;
            char *col = strchr(q, ':');
            if (!col) break;
            *col = '\0';
            q = col + 1;
        }
        if (nf < 4) continue;
        sys_ent g = {f[0], (unsigned)strtoul(f[2], NULL, 10), 0, f[3]};
        if (g.id != primary && sys_member(&g, user)) gids[n++] = g.id;
    }
    vl_in_close(c, in);
    return n;
}

/* ---- a user as id and groups show it ---- */

typedef struct sys_who {
    const char *user; /* NULL when the uid has no name */
    unsigned uid, gid;
    unsigned gids[64];
    int ngids; /* the primary first */
} sys_who;

/* false: no such user (message printed) */
static inline bool sys_find_who(vl_ctx *c, const char *name, sys_who *w)
{
    sys_ent e;
    memset(w, 0, sizeof *w);
    if (name) {
        if (!sys_lookup(c, "/etc/passwd", name, 0, &e)) {
            /* a number names a uid */
            char *end;
            unsigned long v = strtoul(name, &end, 10);
            if (!*name || *end || !sys_lookup(c, "/etc/passwd", NULL, (unsigned)v, &e)) {
                vl_error(c, "%s: no such user", vl_quote_locale(c, name));
                return false;
            }
        }
        w->user = e.name;
        w->uid = e.id;
        w->gid = e.gid;
    } else {
        w->uid = vk_getuid(c->p);
        w->gid = vk_getgid(c->p);
        if (sys_lookup(c, "/etc/passwd", NULL, w->uid, &e)) w->user = e.name;
    }
    w->gids[0] = w->gid;
    w->ngids = 1;
    if (w->user) w->ngids += sys_supplementary(c, w->user, w->gid, w->gids + 1, 63);
    return true;
}

static inline const char *sys_group_name(vl_ctx *c, unsigned gid)
{
    sys_ent g;
    return sys_lookup(c, "/etc/group", NULL, gid, &g) ? g.name : NULL;
}

static inline void sys_print_group(vl_ctx *c, unsigned gid, bool names)
{
    const char *g = names ? sys_group_name(c, gid) : NULL;
    if (names && !g) {
        vl_error(c, "cannot find name for group ID %u", gid);
        vl_printf(c, "%u", gid);
        return;
    }
    if (g) vl_puts(c, g);
    else vl_printf(c, "%u", gid);
}

#endif
