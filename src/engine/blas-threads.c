/* blas-threads.c: work on OpenBLAS's pool threads through gotoblas_pthread(), which its pthreads
 * server exports beside blas_thread_init (driver/others/blas_server.c): it queues N entries,
 * runs entry 0 on the calling thread and hands each other one to an idle server thread, then
 * waits for them all, as it does for the pieces of a GEMM. */
#include "engine/blas-threads.h"

#include <cblas.h>

/* not in cblas.h; weak, so that another BLAS still links (the work then runs here alone) */
extern int gotoblas_pthread (int numthreads, void *function, void *args, int stride)
  __attribute__ ((weak));
/* the pool's size: blas_num_threads - 1 server threads were created */
extern int blas_num_threads __attribute__ ((weak));

static gboolean
have_pool (void)
{
  /* 1 = the pthreads server (0 sequential, 2 OpenMP) */
  return gotoblas_pthread != NULL && openblas_get_parallel () == 1;
}

void
dp_blas_threads_run (int n, void (*fn) (void *item), void *items, gsize stride)
{
  g_return_if_fail (n >= 0 && fn != NULL);
  if (n > 1 && have_pool ())
    {
      gotoblas_pthread (n, fn, items, (int) stride);
      return;
    }
  for (int k = 0; k < n; k++)
    fn ((char *) items + (gsize) k * stride);
}

int
dp_blas_threads_available (void)
{
  return have_pool () ? MAX (1, openblas_get_num_threads ()) : 1;
}

int
dp_blas_threads_pool_size (void)
{
  return have_pool () && &blas_num_threads != NULL ? MAX (1, blas_num_threads) : 1;
}
