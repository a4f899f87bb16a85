/* test-metrics.c: confusion matrix, accuracy, precision/recall/F1 and macro averages on
 * hand-made predictions whose values are worked out by hand; the 0/0 rule; the text report;
 * and evaluation through the real network on a net whose answers are known. */
#include <math.h>
#include <string.h>

#include "engine/metrics.h"
#include "test-util.h"

#define CLOSE(a, b) g_assert_cmpfloat (fabs ((a) - (b)), <, 1e-12)

/* truth 0 0 0 0 1 1 1 2 2 2, pred 0 0 1 2 1 1 0 2 2 2:
 *   class 0: tp 2, predicted 3, support 4 → P 2/3, R 1/2, F1 4/7
 *   class 1: tp 2, predicted 3, support 3 → P 2/3, R 2/3, F1 2/3
 *   class 2: tp 3, predicted 4, support 3 → P 3/4, R 1,   F1 6/7 */
static const guint8 truth[10] = { 0, 0, 0, 0, 1, 1, 1, 2, 2, 2 };
static const guint8 pred[10] = { 0, 0, 1, 2, 1, 1, 0, 2, 2, 2 };

static void
test_hand_made (void)
{
  DpMetrics m;
  dp_metrics_compute (&m, truth, pred, 10);
  g_assert_cmpint (m.n, ==, 10);
  CLOSE (m.accuracy, 0.7);
  g_assert_cmpuint (m.confusion[0][0], ==, 2);
  g_assert_cmpuint (m.confusion[0][1], ==, 1);
  g_assert_cmpuint (m.confusion[0][2], ==, 1);
  g_assert_cmpuint (m.confusion[1][0], ==, 1);
  g_assert_cmpuint (m.confusion[1][1], ==, 2);
  g_assert_cmpuint (m.confusion[2][2], ==, 3);
  guint total = 0;
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++)
      total += m.confusion[t][p];
  g_assert_cmpuint (total, ==, 10);

  CLOSE (m.precision[0], 2.0 / 3);
  CLOSE (m.recall[0], 0.5);
  CLOSE (m.f1[0], 4.0 / 7);
  CLOSE (m.precision[1], 2.0 / 3);
  CLOSE (m.recall[1], 2.0 / 3);
  CLOSE (m.f1[1], 2.0 / 3);
  CLOSE (m.precision[2], 0.75);
  CLOSE (m.recall[2], 1.0);
  CLOSE (m.f1[2], 6.0 / 7);
  /* classes 3..9 neither occur nor are predicted: 0 and left out of the macro averages */
  for (int c = 3; c < 10; c++)
    {
      CLOSE (m.precision[c], 0);
      CLOSE (m.recall[c], 0);
      CLOSE (m.f1[c], 0);
    }
  CLOSE (m.macro_precision, (2.0 / 3 + 2.0 / 3 + 0.75) / 3);
  CLOSE (m.macro_recall, (0.5 + 2.0 / 3 + 1.0) / 3);
  CLOSE (m.macro_f1, (4.0 / 7 + 2.0 / 3 + 6.0 / 7) / 3);
}

/* truth 5 5, pred 5 6: class 6 is predicted but never true (recall 0/0 → 0), and counts in the
 * macro averages because it was predicted. */
static void
test_zero_division (void)
{
  static const guint8 t[2] = { 5, 5 }, p[2] = { 5, 6 };
  DpMetrics m;
  dp_metrics_compute (&m, t, p, 2);
  CLOSE (m.accuracy, 0.5);
  CLOSE (m.precision[5], 1.0);
  CLOSE (m.recall[5], 0.5);
  CLOSE (m.f1[5], 2.0 / 3);
  CLOSE (m.precision[6], 0.0);
  CLOSE (m.recall[6], 0.0);
  CLOSE (m.f1[6], 0.0);
  CLOSE (m.macro_precision, 0.5);
  CLOSE (m.macro_recall, 0.25);
  CLOSE (m.macro_f1, 1.0 / 3);

  /* nothing at all: every figure 0, no division by zero */
  dp_metrics_compute (&m, NULL, NULL, 0);
  g_assert_cmpint (m.n, ==, 0);
  CLOSE (m.accuracy, 0);
  CLOSE (m.macro_f1, 0);
}

static void
test_perfect (void)
{
  guint8 t[100];
  for (int i = 0; i < 100; i++)
    t[i] = i % 10;
  DpMetrics m;
  dp_metrics_compute (&m, t, t, 100);
  CLOSE (m.accuracy, 1.0);
  CLOSE (m.macro_precision, 1.0);
  CLOSE (m.macro_recall, 1.0);
  CLOSE (m.macro_f1, 1.0);
  for (int c = 0; c < 10; c++)
    g_assert_cmpuint (m.confusion[c][c], ==, 10);
}

static void
test_format (void)
{
  DpMetrics m;
  dp_metrics_compute (&m, truth, pred, 10);
  g_autofree char *text = dp_metrics_format (&m);
  g_test_message ("\n%s", text);
  g_assert_true (g_str_has_prefix (text, "accuracy: 70.00 %\n"));
  g_assert_nonnull (strstr (text, "images: 10, errors: 3\n"));
  g_assert_nonnull (strstr (text, "class  precision  recall      F1  support\n"));
  g_assert_nonnull (strstr (text, "\n    0     0.6667  0.5000  0.5714        4\n"));
  g_assert_nonnull (strstr (text, "\n    2     0.7500  1.0000  0.8571        3\n"));
  g_assert_nonnull (strstr (text, "\nmacro     0.6944  0.7222  0.6984       10\n"));
  g_assert_nonnull (strstr (text, "true\\pred      0      1      2      3"));
  g_assert_nonnull (strstr (text, "\n        0      2      1      1      0      0      0      0      0      0      0\n"));
  g_assert_nonnull (strstr (text, "\n        2      0      0      3      0"));
  g_assert_true (g_str_has_suffix (text, "\n"));
}

/* A one-layer softmax net whose class c weights pixel c only: an image lighting pixel c is
 * classified c. Images light pixel (label + shift) % 10, so the predictions are known. */
static void
test_evaluate (void)
{
  static const int sizes[2] = { DP_INPUT_SIZE, DP_N_CLASSES };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  float *W = dp_network_weights (net, 0); /* (10, 784) */
  for (int c = 0; c < 10; c++)
    W[c * DP_INPUT_SIZE + c] = 5.f;

  const int n = 50;
  DpDataset ds = { n, g_new0 (float, n * DP_INPUT_SIZE), g_new (guint8, n) };
  guint8 expect[50];
  for (int i = 0; i < n; i++)
    {
      ds.labels[i] = i % 10;
      int lit = i < 40 ? i % 10 : (i + 1) % 10; /* the last 10 shifted by one: wrong */
      ds.images[i * DP_INPUT_SIZE + lit] = 1.f;
      expect[i] = lit;
    }
  guint8 got[50];
  DpMetrics m;
  dp_metrics_evaluate (&m, net, &ds, got);
  g_assert_cmpmem (got, n, expect, n);
  CLOSE (m.accuracy, 0.8);
  for (int c = 0; c < 10; c++)
    {
      g_assert_cmpuint (m.confusion[c][c], ==, 4);
      g_assert_cmpuint (m.confusion[c][(c + 1) % 10], ==, 1);
    }
  /* and without a prediction buffer */
  DpMetrics m2;
  dp_metrics_evaluate (&m2, net, &ds, NULL);
  g_assert_cmpmem (m2.confusion, sizeof m2.confusion, m.confusion, sizeof m.confusion);
  g_assert_cmpfloat (m2.macro_f1, ==, m.macro_f1);
  g_free (ds.images);
  g_free (ds.labels);
}

/* Refusals: "not a digit" (10) as a truth and as an answer. A refused digit is an error. */
static void
test_not_a_digit (void)
{
  /* digits 0, 0, 1, 1 and two negatives; one 0 refused, one negative read as 1 */
  const guint8 t[] = { 0, 0, 1, 1, 10, 10 };
  const guint8 p[] = { 0, 10, 1, 1, 10, 1 };
  DpMetrics m;
  dp_metrics_compute (&m, t, p, 6);
  g_assert_cmpint (m.n_classes, ==, 11);
  CLOSE (m.accuracy, 4.0 / 6);
  g_assert_cmpuint (dp_metrics_digits_refused (&m), ==, 1);
  g_assert_cmpfloat (m.ece, ==, -1.0);
  g_assert_cmpuint (m.confusion[0][10], ==, 1);
  g_assert_cmpuint (m.confusion[10][10], ==, 1);
  g_assert_cmpuint (m.confusion[10][1], ==, 1);
  CLOSE (m.precision[10], 0.5); /* 2 refusals, 1 right */
  CLOSE (m.recall[10], 0.5);    /* 2 negatives, 1 refused */
  CLOSE (m.recall[0], 0.5);
  CLOSE (m.precision[1], 2.0 / 3);
  /* the macro averages run over 0, 1 and "not a digit" */
  CLOSE (m.macro_recall, (0.5 + 1.0 + 0.5) / 3);
  g_autofree char *text = dp_metrics_format (&m);
  g_test_message ("\n%s", text);
  g_assert_nonnull (strstr (text, "\n none     0.5000  0.5000  0.5000        2\n"));
  g_assert_nonnull (strstr (text, "      8      9   none\n"));
  g_assert_nonnull (strstr (text, "\n        0      1      0      0      0      0      0      0      0      0      0      1\n"));
  g_assert_nonnull (strstr (text, "\n     none      0      1      0      0      0      0      0      0      0      0      1\n"));
  /* only digits: ten classes, and the report has no "none" */
  dp_metrics_compute (&m, truth, pred, 10);
  g_assert_cmpint (m.n_classes, ==, 10);
  g_autofree char *digits = dp_metrics_format (&m);
  g_assert_null (strstr (digits, "none"));
}

/* An 11-output net on digits alone still shows the "not a digit" column (it is a possible
 * answer), and refusing a digit costs accuracy. */
static void
test_evaluate_refusing (void)
{
  static const int sizes[2] = { DP_INPUT_SIZE, 11 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  float *W = dp_network_weights (net, 0); /* (11, 784) */
  for (int c = 0; c < 11; c++)
    W[c * DP_INPUT_SIZE + c] = 5.f;
  const int n = 20;
  DpDataset ds = { n, g_new0 (float, n * DP_INPUT_SIZE), g_new (guint8, n) };
  for (int i = 0; i < n; i++)
    {
      ds.labels[i] = i % 10;
      /* the last two light pixel 10: refused */
      ds.images[i * DP_INPUT_SIZE + (i < 18 ? i % 10 : 10)] = 1.f;
    }
  DpMetrics m;
  dp_metrics_evaluate (&m, net, &ds, NULL);
  g_assert_cmpint (m.n_classes, ==, 11);
  CLOSE (m.accuracy, 18.0 / 20);
  g_assert_cmpuint (m.confusion[8][10], ==, 1);
  g_assert_cmpuint (m.confusion[9][10], ==, 1);
  g_assert_cmpuint (dp_metrics_digits_refused (&m), ==, 2);
  /* and one that refuses nothing still has the column */
  for (int i = 18; i < 20; i++)
    {
      ds.images[i * DP_INPUT_SIZE + 10] = 0.f;
      ds.images[i * DP_INPUT_SIZE + i % 10] = 1.f;
    }
  dp_metrics_evaluate (&m, net, &ds, NULL);
  g_assert_cmpint (m.n_classes, ==, 11);
  CLOSE (m.accuracy, 1.0);
  g_assert_cmpuint (dp_metrics_digits_refused (&m), ==, 0);
  /* every answer right at confidence e⁵ / (e⁵ + 10): the ECE is the gap to 1 */
  g_assert_cmpfloat_with_epsilon (m.ece, 1.0 - exp (5.0) / (exp (5.0) + 10.0), 1e-6);
  g_autofree char *text = dp_metrics_format (&m);
  g_assert_nonnull (strstr (text, "   none"));
  g_free (ds.images);
  g_free (ds.labels);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/metrics/hand-made", test_hand_made);
  g_test_add_func ("/engine/metrics/zero-division", test_zero_division);
  g_test_add_func ("/engine/metrics/perfect", test_perfect);
  g_test_add_func ("/engine/metrics/format", test_format);
  g_test_add_func ("/engine/metrics/evaluate", test_evaluate);
  g_test_add_func ("/engine/metrics/not-a-digit", test_not_a_digit);
  g_test_add_func ("/engine/metrics/evaluate-refusing", test_evaluate_refusing);
  return g_test_run ();
}
