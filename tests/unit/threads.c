/* threads.c: many VMs on several host threads at once (run under ThreadSanitizer by
 * `make tsan`): pipelines, timeouts and interrupts in parallel, and no VM ever sees another's
 * files or processes. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "test.h"

#define NTHREADS 4
#define ROUNDS 6

typedef struct worker {
    int id;
    int failures;
    char msg[256];
} worker;

typedef struct intr {
    vos_vm *vm;
    _Atomic int done;
} intr;

/* Interrupt every 20 ms until the exec is over: one interrupt could land before it starts. */
static void *interrupt_later(void *arg)
{
    intr *it = arg;
    while (!atomic_load(&it->done)) {
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
        vos_interrupt(it->vm);
    }
    return NULL;
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int round = 0; round < ROUNDS; round++) {
        vos_vm *vm = test_vm_new(); /* the registry is thread-safe */
        char script[256], want[256];
        vos_result r;
        vos_result_init(&r);
        snprintf(script, sizeof script,
                 "echo %d > /tmp/mine; ls /tmp; seq 1 2000 | tail -n 1; cat /tmp/mine", w->id);
        snprintf(want, sizeof want, "mine\n2000\n%d\n", w->id);
        vos_exec(vm, script, NULL, &r);
        if (strcmp(r.out, want) != 0) {
            w->failures++;
            snprintf(w->msg, sizeof w->msg, "worker %d got '%s'", w->id, r.out);
        }
        vos_result_free(&r);
        /* processes of other VMs are invisible: /proc lists only this VM's shell (pid 1) */
        vos_exec(vm, "n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo $n ${d#/proc/}", NULL,
                 &r);
        if (strcmp(r.out, "1 1\n") != 0) {
            w->failures++;
            snprintf(w->msg, sizeof w->msg, "worker %d sees processes '%s'", w->id, r.out);
        }
        vos_result_free(&r);
        vos_exec_opts o;
        vos_exec_opts_init(&o);
        vos_limits o_lim;
        vos_limits_init(&o_lim);
        o.struct_size = sizeof o;
        o.limits = &o_lim;
        o_lim.time_ms = 30;
        if (vos_exec(vm, "yes | cat | cat > /dev/null", &o, &r) != VOS_ETIME) w->failures++;
        vos_result_free(&r);
        pthread_t t;
        intr it = {vm, 0};
        pthread_create(&t, NULL, interrupt_later, &it);
        if (vos_exec(vm, "while :; do :; done", NULL, &r) != VOS_EINTERRUPTED) w->failures++;
        atomic_store(&it.done, 1);
        pthread_join(t, NULL);
        vos_result_free(&r);
        test_vm_free(vm);
    }
    return NULL;
}

TEST(threads_many_vms_in_parallel)
{
    pthread_t t[NTHREADS];
    worker w[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i + 100;
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NTHREADS; i++)
        if (w[i].failures) test_fail(__FILE__, __LINE__, "%d failures: %s", w[i].failures, w[i].msg);
}
