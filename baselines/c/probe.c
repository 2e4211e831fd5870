/* Build-time probe: can this C compiler compile and link what omp_shim.c uses? */
#include <omp.h>
#include <stddef.h>

int main(void) {
    size_t sum = 0;
    omp_set_dynamic(0);
    omp_set_schedule((omp_sched_t)(omp_sched_dynamic | omp_sched_monotonic), 1);
#pragma omp parallel num_threads(2)
    {
#pragma omp for schedule(runtime) reduction(+ : sum)
        for (size_t i = 0; i < 4; i++) {
            sum += i;
        }
#pragma omp single
        {
#pragma omp taskloop grainsize(1)
            for (size_t i = 0; i < 4; i++) {
#pragma omp atomic
                sum += i;
            }
        }
    }
    return sum == 12 ? 0 : 1;
}
