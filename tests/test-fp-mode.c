/* test-fp-mode.c: subnormal floats are flushed to zero on a training thread (one that starts
 * with IEEE gradual underflow, as GLib's pool threads may) and inside an sgemm split between
 * OpenBLAS's pool threads, which are created before main() with the mode off. */
#include <cblas.h>
#include <float.h>

#include "engine/fp-mode.h"

/* 1e-39 is subnormal (FLT_MIN ≈ 1.18e-38); volatile, so that the compiler cannot fold */
static volatile float subnormal = 1e-39f;
static volatile float small = 1e-20f;

static gpointer
thread_arithmetic (gpointer data)
{
  float *out = data;
  dp_fp_mode_clear_thread ();
  out[0] = subnormal * 2.0f;   /* a subnormal input: 2e-39 under IEEE rules */
  out[1] = small * small;      /* a subnormal result: 1e-40 */
  /* what dp-trainer.c's worker does first; FALSE where the CPU family has no such mode */
  out[4] = dp_fp_mode_set_thread ();
  out[2] = subnormal * 2.0f;   /* DAZ: the input reads as 0 */
  out[3] = small * small;      /* FTZ: the result is 0 */
  out[5] = dp_fp_mode_is_set ();
  return NULL;
}

static void
test_thread (void)
{
  float out[6];
  GThread *t = g_thread_new ("training", thread_arithmetic, out);
  g_thread_join (t);
  /* the test can tell: without the mode the arithmetic is IEEE gradual underflow */
  g_assert_cmpfloat (out[0], >, 0.0f);
  g_assert_cmpfloat (out[1], >, 0.0f);
  if (!out[4])
    {
      g_test_skip ("no flush-to-zero mode on this CPU family");
      return;
    }
  g_assert_cmpfloat (out[2], ==, 0.0f);
  g_assert_cmpfloat (out[3], ==, 0.0f);
  g_assert_true (out[5]);
}

#define N 256

/* elements of C = A·B that are not 0, with A (N, N) all subnormal and B all ones: each is
 * N·1e-39 ≈ 2.6e-37 (a normal float) unless the thread that computed it reads A as 0 */
static int
sgemm_nonzero (void)
{
  g_autofree float *A = g_new (float, N * N);
  g_autofree float *B = g_new (float, N * N);
  g_autofree float *C = g_new0 (float, N * N);
  for (int i = 0; i < N * N; i++)
    {
      A[i] = subnormal;
      B[i] = 1.0f;
    }
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, A, N, B, N, 0.0f, C, N);
  int nonzero = 0;
  for (int i = 0; i < N * N; i++)
    nonzero += C[i] != 0.0f;
  return nonzero;
}

static void
test_openblas_pool (void)
{
  if (openblas_get_parallel () != 1)
    {
      g_test_skip ("OpenBLAS is not its pthreads build: no pool created before main");
      return;
    }
  /* two BLAS threads even on one core: the second is a pool thread, with the mode off */
  openblas_set_num_threads (2);
  if (!dp_fp_mode_set_thread ())
    {
      g_test_skip ("no flush-to-zero mode on this CPU family");
      return;
    }
  /* the calling thread alone: the pool thread's share of C is not flushed */
  int before = sgemm_nonzero ();
  g_test_message ("mode on the calling thread only: %d of %d elements non-zero", before, N * N);

  int set = dp_fp_mode_init ();
  g_test_message ("dp_fp_mode_init: %d threads have the mode", set);
  g_assert_cmpint (set, >=, 2);
  g_assert_cmpint (sgemm_nonzero (), ==, 0);
  /* and on one thread, where the calling thread does it all */
  openblas_set_num_threads (1);
  g_assert_cmpint (sgemm_nonzero (), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/fp-mode/thread", test_thread);
  g_test_add_func ("/engine/fp-mode/openblas-pool", test_openblas_pool);
  return g_test_run ();
}
