/* jobs.h: child processes of the shell (jobs.c): pipelines, subshells, background commands,
 * command substitution, and waiting for them. Private to the shell. */
#ifndef SH_JOBS_H
#define SH_JOBS_H

#include "shell/sh.h"

int sh_eval_pipe(sh_state *sh, sh_node *n);
int sh_eval_bg(sh_state *sh, sh_node *n);
int sh_eval_subshell(sh_state *sh, sh_node *n);
int sh_eval_coproc(sh_state *sh, sh_node *n);
/* Reap finished background jobs without blocking (keeps their statuses for wait). */
void sh_jobs_reap(sh_state *sh);
void sh_jobs_free(sh_state *sh);

#endif
