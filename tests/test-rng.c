/* test-rng.c: the seeded generator repeats, spreads, and shuffles without bias. */
#include <math.h>

#include "engine/rng.h"

static void
test_repeats (void)
{
  DpRng a, b, c;
  dp_rng_init (&a, 42);
  dp_rng_init (&b, 42);
  dp_rng_init (&c, 43);
  gboolean differs = FALSE;
  for (int i = 0; i < 1000; i++)
    {
      guint64 x = dp_rng_next (&a);
      g_assert_cmpuint (x, ==, dp_rng_next (&b));
      differs |= x != dp_rng_next (&c);
    }
  g_assert_true (differs);
}

/* skipping k draws leaves the state k steps leave, for small, odd, large and power-of-two k */
static void
test_skip (void)
{
  const guint64 ks[] = { 0, 1, 2, 3, 63, 64, 789, 790, 50560, 51200, 65536, 1000003,
                         ((guint64) 1 << 22) + 12345 };
  for (guint i = 0; i < G_N_ELEMENTS (ks); i++)
    {
      DpRng stepped, skipped;
      dp_rng_init (&stepped, 100 + i);
      dp_rng_next (&stepped); /* any state, not only a fresh one */
      skipped = stepped;
      for (guint64 n = 0; n < ks[i]; n++)
        dp_rng_next (&stepped);
      dp_rng_skip (&skipped, ks[i]);
      g_assert_cmpmem (stepped.s, sizeof stepped.s, skipped.s, sizeof skipped.s);
      g_assert_cmpuint (dp_rng_next (&stepped), ==, dp_rng_next (&skipped));
    }
  /* skips compose, far beyond stepping: 2^40 draws as 2^39 + 2^38 + 2^37 + 2^37 */
  DpRng a, b;
  dp_rng_init (&a, 5);
  b = a;
  dp_rng_skip (&a, (guint64) 1 << 40);
  dp_rng_skip (&b, (guint64) 1 << 39);
  dp_rng_skip (&b, (guint64) 1 << 38);
  dp_rng_skip (&b, (guint64) 1 << 37);
  dp_rng_skip (&b, (guint64) 1 << 37);
  g_assert_cmpmem (a.s, sizeof a.s, b.s, sizeof b.s);
}

static void
test_uniform_and_normal (void)
{
  DpRng r;
  dp_rng_init (&r, 7);
  const int n = 200000;
  double sum = 0, sum_n = 0, sum_n2 = 0;
  for (int i = 0; i < n; i++)
    {
      float u = dp_rng_uniform (&r);
      g_assert_cmpfloat (u, >=, 0.f);
      g_assert_cmpfloat (u, <, 1.f);
      sum += u;
      float z = dp_rng_normal (&r);
      g_assert_true (isfinite (z));
      sum_n += z;
      sum_n2 += (double) z * z;
    }
  g_assert_cmpfloat (fabs (sum / n - 0.5), <, 0.01);
  g_assert_cmpfloat (fabs (sum_n / n), <, 0.01);
  g_assert_cmpfloat (fabs (sum_n2 / n - 1.0), <, 0.02);
}

static void
test_below_and_shuffle (void)
{
  DpRng r;
  dp_rng_init (&r, 1);
  int counts[10] = { 0 };
  for (int i = 0; i < 100000; i++)
    counts[dp_rng_below (&r, 10)]++;
  for (int k = 0; k < 10; k++)
    g_assert_cmpint (abs (counts[k] - 10000), <, 500);

  guint32 idx[100];
  for (int i = 0; i < 100; i++)
    idx[i] = i;
  dp_rng_shuffle (&r, idx, 100);
  gboolean seen[100] = { FALSE };
  int moved = 0;
  for (int i = 0; i < 100; i++)
    {
      g_assert_false (seen[idx[i]]);
      seen[idx[i]] = TRUE;
      moved += idx[i] != (guint32) i;
    }
  g_assert_cmpint (moved, >, 80);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/rng/repeats", test_repeats);
  g_test_add_func ("/engine/rng/skip", test_skip);
  g_test_add_func ("/engine/rng/uniform-normal", test_uniform_and_normal);
  g_test_add_func ("/engine/rng/below-shuffle", test_below_and_shuffle);
  return g_test_run ();
}
