/* watchdog.c: one thread for the whole library that fires exec deadlines. An exec with a time
 * limit is armed here when it starts; at its deadline the watchdog aborts it (VOS_ETIME), which
 * wakes every process of the exec wherever it waits (a pipe, a sleep, waitpid, a driver's
 * vos_call_sleep) and makes vos_call_check answer VOS_ETIME to a driver that polls it, so a
 * deadline holds even while every process of the exec is inside a driver or a long host
 * library call that polls. Processes also check the clock themselves now and then (a backstop
 * for a starved watchdog). The thread starts with the first armed exec and then stays, asleep
 * while nothing is armed. */
#include <time.h>

#include "kernel/internal.h"

static pthread_mutex_t wd_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cv;
static vk_exec *wd_head, *wd_tail; /* armed execs, earliest deadline first */
static bool wd_started;

static void *wd_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd_mu);
    for (;;) {
        if (!wd_head) {
            pthread_cond_wait(&wd_cv, &wd_mu);
            continue;
        }
        int64_t now = vk_now_mono(), dl = wd_head->deadline_ns;
        if (now < dl) {
            struct timespec ts = {dl / 1000000000, dl % 1000000000};
            pthread_cond_timedwait(&wd_cv, &wd_mu, &ts);
            continue;
        }
        /* due: take it off the list with a reference, fire it without our lock (the abort
         * takes the VM's lock, and an exec is unreferenced under it) */
        vk_exec *ex = wd_head;
        wd_head = ex->wd_next;
        if (wd_head)
            wd_head->wd_prev = NULL;
        else
            wd_tail = NULL;
        ex->wd_armed = false;
        ex->wd_next = ex->wd_prev = NULL;
        /* an exec whose last reference just went is being freed: its unref waits for our
         * lock to disarm it, and finds it gone */
        int refs = atomic_load(&ex->refs);
        while (refs > 0 && !atomic_compare_exchange_weak(&ex->refs, &refs, refs + 1)) {
        }
        if (refs == 0) continue;
        pthread_mutex_unlock(&wd_mu);
        vk_exec_abort(ex->vm, ex, VOS_ETIME);
        vk_exec_unref(ex);
        pthread_mutex_lock(&wd_mu);
    }
    return NULL;
}

static void wd_start(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 256u << 10);
    pthread_t th;
    wd_started = pthread_create(&th, &at, wd_main, NULL) == 0;
    pthread_attr_destroy(&at);
}

void vk_wd_arm(vk_exec *ex)
{
    if (ex->deadline_ns == INT64_MAX) return;
    pthread_mutex_lock(&wd_mu);
    if (!wd_started) wd_start();
    /* insert in deadline order; execs mostly arrive with later deadlines than those armed,
     * so walk back from the tail */
    vk_exec *after = wd_tail;
    while (after && after->deadline_ns > ex->deadline_ns) after = after->wd_prev;
    ex->wd_prev = after;
    ex->wd_next = after ? after->wd_next : wd_head;
    if (ex->wd_next)
        ex->wd_next->wd_prev = ex;
    else
        wd_tail = ex;
    if (after)
        after->wd_next = ex;
    else
        wd_head = ex;
    ex->wd_armed = true;
    if (wd_head == ex) pthread_cond_signal(&wd_cv);
    pthread_mutex_unlock(&wd_mu);
}

void vk_wd_disarm(vk_exec *ex)
{
    pthread_mutex_lock(&wd_mu);
    if (ex->wd_armed) {
        if (ex->wd_prev)
            ex->wd_prev->wd_next = ex->wd_next;
        else
            wd_head = ex->wd_next;
        if (ex->wd_next)
            ex->wd_next->wd_prev = ex->wd_prev;
        else
            wd_tail = ex->wd_prev;
        ex->wd_armed = false;
        ex->wd_next = ex->wd_prev = NULL;
    }
    pthread_mutex_unlock(&wd_mu);
}
