/* fp-mode.c: flush-to-zero + denormals-are-zero on the calling thread (x86: MXCSR bits FTZ and
 * DAZ; AArch64: FPCR.FZ, which flushes inputs and results alike) and on OpenBLAS's pool threads.
 *
 * How OpenBLAS's pool threads get their mode (driver/others/blas_server.c, OpenBLAS 0.3.21):
 * blas_thread_init() creates blas_num_threads - 1 server threads with pthread_create, from
 * gotoblas_init() (a library constructor, before main) or lazily from the first BLAS call, and
 * goto_set_num_threads() creates more from whichever thread raises the count. A new thread starts
 * with its creator's MXCSR; the server loop never changes it afterwards unless OpenBLAS is built
 * with CONSISTENT_FPCSR (it then copies the caller's MXCSR into each job), and Debian's build is
 * not (its libopenblas has no ldmxcsr instruction). So the threads made before main() keep the
 * default mode for the life of the process, unless a job sets it on each of them:
 * dp_blas_threads_run() runs one function on N queue entries, entry 0 on the calling thread and
 * each other one on an idle server thread. With N = the pool's size and entries that wait for
 * one another before returning, no server thread can take a second entry, so each of the N - 1
 * server threads runs exactly one. */
#include "engine/fp-mode.h"

#include "engine/blas-threads.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define MXCSR_FTZ 0x8000u /* flush-to-zero: subnormal results become ±0 */
#define MXCSR_DAZ 0x0040u /* denormals-are-zero: subnormal inputs read as ±0 */
#elif defined(__aarch64__)
#define FPCR_FZ (1ul << 24)
#endif

gboolean
dp_fp_mode_set_thread (void)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr (_mm_getcsr () | MXCSR_FTZ | MXCSR_DAZ);
  return TRUE;
#elif defined(__aarch64__)
  unsigned long fpcr;
  __asm__ __volatile__ ("mrs %0, fpcr" : "=r" (fpcr));
  __asm__ __volatile__ ("msr fpcr, %0" : : "r" (fpcr | FPCR_FZ));
  return TRUE;
#else
  return FALSE;
#endif
}

void
dp_fp_mode_clear_thread (void)
{
#if defined(__x86_64__) || defined(__i386__)
  _mm_setcsr (_mm_getcsr () & ~(MXCSR_FTZ | MXCSR_DAZ));
#elif defined(__aarch64__)
  unsigned long fpcr;
  __asm__ __volatile__ ("mrs %0, fpcr" : "=r" (fpcr));
  __asm__ __volatile__ ("msr fpcr, %0" : : "r" (fpcr & ~FPCR_FZ));
#endif
}

gboolean
dp_fp_mode_is_set (void)
{
#if defined(__x86_64__) || defined(__i386__)
  return (_mm_getcsr () & (MXCSR_FTZ | MXCSR_DAZ)) == (MXCSR_FTZ | MXCSR_DAZ);
#elif defined(__aarch64__)
  unsigned long fpcr;
  __asm__ __volatile__ ("mrs %0, fpcr" : "=r" (fpcr));
  return (fpcr & FPCR_FZ) != 0;
#else
  return FALSE;
#endif
}

typedef struct
{
  int n;         /* entries */
  int arrived;   /* entries that set the mode (atomic) */
  int set;       /* of those, the ones where it is now on (atomic) */
} PoolJob;

/* one queue entry, on a pool thread or the calling one: set the mode, then wait for every other
 * entry, so that this thread cannot be handed a second one */
static void
pool_entry (void *arg)
{
  PoolJob *job = *(PoolJob **) arg;
  dp_fp_mode_set_thread ();
  if (dp_fp_mode_is_set ())
    g_atomic_int_inc (&job->set);
  g_atomic_int_inc (&job->arrived);
  while (g_atomic_int_get (&job->arrived) < job->n)
    g_thread_yield ();
}

int
dp_fp_mode_init (void)
{
  if (!dp_fp_mode_set_thread ())
    return 0;
  /* without OpenBLAS's pthreads server the pool size is 1 (OpenMP's threads are created by the
   * first parallel region, from a thread that already has the mode) */
  PoolJob job = { dp_blas_threads_pool_size (), 0, 0 };
  if (job.n <= 1)
    return 1;
  g_autofree PoolJob **args = g_new (PoolJob *, job.n);
  for (int i = 0; i < job.n; i++)
    args[i] = &job;
  dp_blas_threads_run (job.n, pool_entry, args, sizeof (PoolJob *));
  return g_atomic_int_get (&job.set);
}
