/* sys_sig.h: Linux signal names for the commands that take one (timeout -s, pkill -SIG):
 * "TERM", "SIGTERM", "sigterm" or "15". A private header of src/cmd (the shell keeps its own
 * table; commands do not include the shell). */
#ifndef SYS_SIG_H
#define SYS_SIG_H

#include <ctype.h>
#include <string.h>

static const char *const sys_signames[32] = {
    "0",    "HUP",  "INT",    "QUIT", "ILL",  "TRAP", "ABRT",   "BUS",  "FPE",  "KILL",   "USR1",
    "SEGV", "USR2", "PIPE",   "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",  "TTIN",
    "TTOU", "URG",  "XCPU",   "XFSZ", "VTALRM", "PROF", "WINCH", "IO",  "PWR",  "SYS"};

/* The signal number a name or number gives, or -1. */
static inline int sys_sig_number(const char *s)
{
    if (isdigit((unsigned char)*s)) {
        int v = 0;
        for (; *s; s++) {
            if (!isdigit((unsigned char)*s) || v > 1000) return -1;
            v = v * 10 + (*s - '0');
        }
        return v < 32 ? v : (v > 128 && v - 128 < 32 ? v - 128 : -1);
    }
    char up[16];
    size_t n = strlen(s);
    if (n >= sizeof up) return -1;
    for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)s[i]);
    const char *name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
    for (int i = 1; i < 32; i++)
        if (strcmp(name, sys_signames[i]) == 0) return i;
    if (strcmp(name, "IOT") == 0) return 6;
    if (strcmp(name, "POLL") == 0) return 29;
    return -1;
}

static inline const char *sys_sig_name(int sig)
{
    return sig > 0 && sig < 32 ? sys_signames[sig] : "?";
}

#endif
