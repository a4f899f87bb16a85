/* calibrate.c: the expected calibration error and temperature scaling (Guo et al., "On
 * Calibration of Modern Neural Networks", 2017): one scalar T divides the logits before the
 * softmax; T is fitted on held-out data by minimising the negative log-likelihood, which leaves
 * every answer as it was and changes only how sure it says it is. */
#include "engine/calibrate.h"

#include <math.h>
#include <string.h>

#include "engine/names-private.h"

/* golden-section steps: the bracket [log 0.01, log 100] (width 9.2) shrinks by 0.618 a step, so
 * 60 steps leave it under 1e-11 wide, far below what the float probabilities resolve */
#define FIT_STEPS 60

double
dp_calibration_ece (const float *confidence, const gboolean *correct, int n)
{
  g_return_val_if_fail (n == 0 || (confidence != NULL && correct != NULL), 0.0);
  if (n <= 0)
    return 0.0;
  double conf_sum[DP_ECE_BINS] = { 0 };
  int right[DP_ECE_BINS] = { 0 }, count[DP_ECE_BINS] = { 0 };
  for (int i = 0; i < n; i++)
    {
      double c = confidence[i];
      /* (b/15, (b+1)/15] → b; 0 (and anything below) in the first bin, 1 in the last */
      int b = (int) ceil (c * DP_ECE_BINS) - 1;
      b = CLAMP (b, 0, DP_ECE_BINS - 1);
      conf_sum[b] += c;
      right[b] += correct[i] ? 1 : 0;
      count[b]++;
    }
  double ece = 0.0;
  for (int b = 0; b < DP_ECE_BINS; b++)
    if (count[b] > 0)
      ece += fabs ((double) right[b] - conf_sum[b]) / n; /* (n_b/n)·|acc_b − conf_b| */
  return ece;
}

double
dp_calibration_ece_probs (const float *probs, int k, const guint8 *labels, int n)
{
  g_return_val_if_fail (k > 0 && (n == 0 || (probs != NULL && labels != NULL)), 0.0);
  if (n <= 0)
    return 0.0;
  g_autofree float *conf = g_new (float, n);       /* (n) */
  g_autofree gboolean *right = g_new (gboolean, n); /* (n) */
  for (int i = 0; i < n; i++)
    {
      const float *p = probs + (gsize) i * k;
      int best = dp_argmax (p, k);
      conf[i] = p[best];
      right[i] = best == labels[i];
    }
  return dp_calibration_ece (conf, right, n);
}

/* rows of logits per pass: the probabilities are formed in a small scratch block */
#define NLL_CHUNK 1024

double
dp_calibration_ece_logits (const float *logits, int k, const guint8 *labels, int n, DpLoss loss,
                           double t)
{
  g_return_val_if_fail (k > 0 && t > 0.0, NAN);
  if (n <= 0)
    return 0.0;
  g_autofree float *p = g_memdup2 (logits, (gsize) n * k * sizeof (float)); /* (n, k) */
  dp_network_logits_to_probs (loss, p, n, k, (float) t);
  return dp_calibration_ece_probs (p, k, labels, n);
}

double
dp_calibration_nll (const float *logits, int k, const guint8 *labels, int n, DpLoss loss,
                    double t)
{
  g_return_val_if_fail (k > 0 && t > 0.0, NAN);
  if (n <= 0)
    return 0.0;
  g_autofree float *p = g_new (float, (gsize) MIN (n, NLL_CHUNK) * k); /* (chunk, k) */
  double total = 0.0;
  for (int r0 = 0; r0 < n; r0 += NLL_CHUNK)
    {
      int B = MIN (NLL_CHUNK, n - r0);
      memcpy (p, logits + (gsize) r0 * k, (gsize) B * k * sizeof (float));
      dp_network_logits_to_probs (loss, p, B, k, (float) t);
      for (int r = 0; r < B; r++)
        {
          double q = p[(gsize) r * k + labels[r0 + r]];
          total -= log (q < 1e-30 ? 1e-30 : q);
        }
    }
  return total / n;
}

double
dp_calibration_fit_temperature (const float *logits, int k, const guint8 *labels, int n,
                                DpLoss loss)
{
  g_return_val_if_fail (k > 0 && (n == 0 || (logits != NULL && labels != NULL)), 1.0);
  if (n <= 0)
    return 1.0;
  const double phi = (sqrt (5.0) - 1.0) / 2.0; /* 0.618… */
  double a = log (DP_TEMPERATURE_MIN), b = log (DP_TEMPERATURE_MAX);
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a);
  double f1 = dp_calibration_nll (logits, k, labels, n, loss, exp (x1));
  double f2 = dp_calibration_nll (logits, k, labels, n, loss, exp (x2));
  for (int step = 0; step < FIT_STEPS; step++)
    {
      if (f1 <= f2)
        {
          b = x2;
          x2 = x1, f2 = f1;
          x1 = b - phi * (b - a);
          f1 = dp_calibration_nll (logits, k, labels, n, loss, exp (x1));
        }
      else
        {
          a = x1;
          x1 = x2, f1 = f2;
          x2 = a + phi * (b - a);
          f2 = dp_calibration_nll (logits, k, labels, n, loss, exp (x2));
        }
    }
  double t = exp ((a + b) / 2.0);
  return CLAMP (t, DP_TEMPERATURE_MIN, DP_TEMPERATURE_MAX);
}
