/* test-calibrate.c: the expected calibration error on hand-computed cases, the negative
 * log-likelihood at a temperature, and temperature scaling: labels drawn from softmax(z / 2) are
 * fitted to T ≈ 2, and the fit lowers the calibration error of over-confident logits. */
#include <math.h>
#include <string.h>

#include "engine/calibrate.h"
#include "engine/rng.h"

static void
test_ece_hand (void)
{
  /* all in one bin: 4 answers at 0.8, 2 right → |0.5 − 0.8| = 0.3 */
  const float c1[] = { 0.8f, 0.8f, 0.8f, 0.8f };
  const gboolean r1[] = { TRUE, FALSE, TRUE, FALSE };
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece (c1, r1, 4), 0.3, 1e-6);
  /* perfectly calibrated: 0.5 twice, one right; 1.0 twice, both right */
  const float c2[] = { 0.5f, 0.5f, 1.0f, 1.0f };
  const gboolean r2[] = { TRUE, FALSE, TRUE, TRUE };
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece (c2, r2, 4), 0.0, 1e-6);
  /* four bins, one answer each (the bins are fifteenths: 0.19 ∈ (2/15, 3/15], 0.25 ∈ (3/15,
   * 4/15], 0.9 ∈ (13/15, 14/15], 0.95 ∈ (14/15, 1]):
   * (1/4)(|0 − 0.19| + |1 − 0.25| + |1 − 0.9| + |0 − 0.95|) = 1.99 / 4 */
  const float c3[] = { 0.19f, 0.25f, 0.9f, 0.95f };
  const gboolean r3[] = { FALSE, TRUE, TRUE, FALSE };
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece (c3, r3, 4), 1.99 / 4, 1e-6);
  /* within a bin the accuracy and the mean confidence are compared, not each answer: bins
   * {0.58 right} ∈ (8/15, 9/15] and {0.62 wrong, 0.65 right} ∈ (9/15, 10/15] →
   * (1/3)|1 − 0.58| + (2/3)|0.5 − 0.635| = 0.14 + 0.09 = 0.23 */
  const float c4[] = { 0.58f, 0.62f, 0.65f };
  const gboolean r4[] = { TRUE, FALSE, TRUE };
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece (c4, r4, 3), 0.23, 1e-6);
  /* a confidence of 0 lands in the first bin, nothing crashes for n = 0 */
  const float c5[] = { 0.0f };
  const gboolean r5[] = { TRUE };
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece (c5, r5, 1), 1.0, 1e-6);
  g_assert_cmpfloat (dp_calibration_ece (NULL, NULL, 0), ==, 0.0);
}

static void
test_ece_probs (void)
{
  /* rows: argmax 0 at 0.7 (label 0, right), argmax 2 at 0.6 (label 1, wrong) */
  const float p[] = { 0.7f, 0.2f, 0.1f, 0.1f, 0.3f, 0.6f };
  const guint8 y[] = { 0, 1 };
  /* bins (0.6667, 0.7333] and (0.5333, 0.6]: (1/2)|1 − 0.7| + (1/2)|0 − 0.6| = 0.45 */
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece_probs (p, 3, y, 2), 0.45, 1e-6);
  /* the same from logits: log p are logits of p under the softmax at T = 1 */
  float z[6];
  for (int i = 0; i < 6; i++)
    z[i] = logf (p[i]);
  g_assert_cmpfloat_with_epsilon (dp_calibration_ece_logits (z, 3, y, 2, DP_LOSS_SOFTMAX_CE, 1.0),
                                  0.45, 1e-6);
}

static void
test_nll (void)
{
  /* two classes, logits (0, log 3): p = (1/4, 3/4); label 1 → −log 0.75; at T = 2 the logits
   * halve: p1 = √3 / (1 + √3) */
  const float z[] = { 0.0f, logf (3.0f) };
  const guint8 y[] = { 1 };
  g_assert_cmpfloat_with_epsilon (dp_calibration_nll (z, 2, y, 1, DP_LOSS_SOFTMAX_CE, 1.0),
                                  -log (0.75), 1e-6);
  g_assert_cmpfloat_with_epsilon (dp_calibration_nll (z, 2, y, 1, DP_LOSS_SOFTMAX_CE, 2.0),
                                  -log (sqrt (3.0) / (1.0 + sqrt (3.0))), 1e-6);
}

/* n rows of k logits ~ N(0, spread²), labels drawn from softmax(z / t_true) */
static void
make_data (int n, int k, double spread, double t_true, guint64 seed, float *z, guint8 *y)
{
  DpRng rng;
  dp_rng_init (&rng, seed);
  for (int i = 0; i < n; i++)
    {
      float *row = z + (gsize) i * k;
      double p[16], m = -1e30, s = 0.0;
      for (int j = 0; j < k; j++)
        {
          row[j] = (float) (spread * dp_rng_normal (&rng));
          m = fmax (m, row[j] / t_true);
        }
      for (int j = 0; j < k; j++)
        s += p[j] = exp (row[j] / t_true - m);
      double u = dp_rng_uniform (&rng) * s;
      int label = k - 1;
      for (int j = 0; j < k; j++)
        if ((u -= p[j]) < 0)
          {
            label = j;
            break;
          }
      y[i] = (guint8) label;
    }
}

static void
test_fit_known_temperature (void)
{
  const int n = 20000, k = 11;
  g_autofree float *z = g_new (float, (gsize) n * k);
  g_autofree guint8 *y = g_new (guint8, n);
  const double truths[] = { 2.0, 0.5, 1.0 };
  for (gsize c = 0; c < G_N_ELEMENTS (truths); c++)
    {
      make_data (n, k, 3.0, truths[c], 7 + c, z, y);
      double t = dp_calibration_fit_temperature (z, k, y, n, DP_LOSS_SOFTMAX_CE);
      g_test_message ("labels from T = %g: fitted T = %.4f", truths[c], t);
      g_assert_cmpfloat (fabs (t - truths[c]) / truths[c], <, 0.05);
      /* it is the minimum: a little either side is worse */
      double f = dp_calibration_nll (z, k, y, n, DP_LOSS_SOFTMAX_CE, t);
      g_assert_cmpfloat (f, <=, dp_calibration_nll (z, k, y, n, DP_LOSS_SOFTMAX_CE, t * 1.05));
      g_assert_cmpfloat (f, <=, dp_calibration_nll (z, k, y, n, DP_LOSS_SOFTMAX_CE, t / 1.05));
      /* and the confidences mean what they say: the ECE falls to sampling noise */
      double before = dp_calibration_ece_logits (z, k, y, n, DP_LOSS_SOFTMAX_CE, 1.0);
      double after = dp_calibration_ece_logits (z, k, y, n, DP_LOSS_SOFTMAX_CE, t);
      g_test_message ("ECE %.4f at T = 1, %.4f at the fitted T", before, after);
      g_assert_cmpfloat (after, <, 0.02);
      if (truths[c] != 1.0)
        g_assert_cmpfloat (before, >, 3 * after);
    }
  /* deterministic */
  make_data (n, k, 3.0, 2.0, 7, z, y);
  g_assert_cmpfloat (dp_calibration_fit_temperature (z, k, y, n, DP_LOSS_SOFTMAX_CE), ==,
                     dp_calibration_fit_temperature (z, k, y, n, DP_LOSS_SOFTMAX_CE));
  g_assert_cmpfloat (dp_calibration_fit_temperature (z, k, y, 0, DP_LOSS_SOFTMAX_CE), ==, 1.0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/calibrate/ece-hand", test_ece_hand);
  g_test_add_func ("/engine/calibrate/ece-probs", test_ece_probs);
  g_test_add_func ("/engine/calibrate/nll", test_nll);
  g_test_add_func ("/engine/calibrate/fit-known-temperature", test_fit_known_temperature);
  return g_test_run ();
}
