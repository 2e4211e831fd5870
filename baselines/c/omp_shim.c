/* The OpenMP side of wsbench's `omp:SCHED` and `omp-taskloop:G` strategies.
 *
 * Only the scheduling lives here: every index is handed back to Rust through `body`, so the
 * task code that runs is the same compiled Rust as for every other strategy. Each region
 * pins its threads (thread t to cpus[t], when cpus[t] >= 0) before any index runs and
 * reports where each thread was at the region's start and end (sched_getcpu). Every entry
 * point runs one region of exactly `p` threads and returns the team size it got, so the
 * caller can refuse a smaller team (OMP_THREAD_LIMIT, OMP_DYNAMIC).
 */
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stddef.h>

typedef void (*wsb_body)(void *ctx, int thread, size_t index);

/* Pins the calling thread to `cpu` (when >= 0); 1 on success or nothing asked, else 0. */
static int wsb_pin(int cpu) {
    if (cpu < 0) {
        return 1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* The region's prologue on thread t: pin, then note where it runs. */
static void wsb_enter(const int *cpus, int *cpu_start, int *pin_failed) {
    int t = omp_get_thread_num();
    if (!wsb_pin(cpus[t])) {
#pragma omp atomic write
        *pin_failed = 1;
    }
    cpu_start[t] = sched_getcpu();
}

/* The value of the _OPENMP macro this file was compiled with (yyyymm of the spec). */
int wsb_openmp_macro(void) { return _OPENMP; }

/* Runs an empty region of `p` threads, pinned; returns the team size (0 if pinning failed). */
int wsb_omp_warm(int p, const int *cpus, int *cpu_start) {
    int got = 0, pin_failed = 0;
    omp_set_dynamic(0);
#pragma omp parallel num_threads(p)
    {
        wsb_enter(cpus, cpu_start, &pin_failed);
#pragma omp single
        got = omp_get_num_threads();
    }
    return pin_failed ? 0 : got;
}

/* `parallel for schedule(runtime)` over 0..n with the run-sched-var set to (kind, chunk). */
int wsb_omp_for(int p, const int *cpus, unsigned kind, int chunk, size_t n, wsb_body body,
                void *ctx, int *cpu_start, int *cpu_end) {
    int got = 0, pin_failed = 0;
    omp_set_dynamic(0);
    omp_set_schedule((omp_sched_t)kind, chunk);
#pragma omp parallel num_threads(p)
    {
        wsb_enter(cpus, cpu_start, &pin_failed);
        int t = omp_get_thread_num();
#pragma omp single nowait
        got = omp_get_num_threads();
#pragma omp for schedule(runtime)
        for (size_t i = 0; i < n; i++) {
            body(ctx, t, i);
        }
        cpu_end[t] = sched_getcpu();
    }
    return pin_failed ? 0 : got;
}

/* `taskloop grainsize(grain)` over 0..n, created by one thread inside `parallel`/`single`. */
int wsb_omp_taskloop(int p, const int *cpus, size_t grain, size_t n, wsb_body body, void *ctx,
                     int *cpu_start, int *cpu_end) {
    int got = 0, pin_failed = 0;
    omp_set_dynamic(0);
#pragma omp parallel num_threads(p)
    {
        wsb_enter(cpus, cpu_start, &pin_failed);
#pragma omp single
        {
            got = omp_get_num_threads();
#pragma omp taskloop grainsize(grain)
            for (size_t i = 0; i < n; i++) {
                body(ctx, omp_get_thread_num(), i);
            }
        }
        cpu_end[omp_get_thread_num()] = sched_getcpu();
    }
    return pin_failed ? 0 : got;
}
