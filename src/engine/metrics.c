/* metrics.c: how well a network classifies a data set: the confusion matrix, accuracy, and
 * per-class precision, recall and F1 with their macro averages, plus the CLI's text report.
 *
 * 0/0 follows scikit-learn's zero_division=0: a class never predicted has precision 0, a class
 * absent from the truth has recall 0, and F1 is 0 when precision + recall is 0. The macro
 * averages run over the classes that occur in the truth or in the predictions (scikit-learn's
 * labels = unique(truth ∪ pred)), so a subset without, say, any 7 is not punished for it. */
#include "engine/metrics.h"

#include <string.h>

#include "engine/calibrate.h"

static double
ratio (guint num, guint den)
{
  return den > 0 ? (double) num / den : 0.0;
}

/* the metrics over n_classes (10, or 11 with "not a digit") */
static void
compute (DpMetrics *m, const guint8 *truth, const guint8 *pred, int n, int n_classes)
{
  memset (m, 0, sizeof *m);
  m->n = n;
  m->n_classes = n_classes;
  guint correct = 0;
  for (int i = 0; i < n; i++)
    {
      g_return_if_fail (truth[i] < n_classes && pred[i] < n_classes);
      m->confusion[truth[i]][pred[i]]++;
      correct += truth[i] == pred[i];
    }
  m->accuracy = ratio (correct, (guint) n);

  int n_seen = 0;
  for (int c = 0; c < n_classes; c++)
    {
      guint tp = m->confusion[c][c], support = 0, predicted = 0;
      for (int k = 0; k < n_classes; k++)
        {
          support += m->confusion[c][k];
          predicted += m->confusion[k][c];
        }
      m->precision[c] = ratio (tp, predicted);
      m->recall[c] = ratio (tp, support);
      double pr = m->precision[c] + m->recall[c];
      m->f1[c] = pr > 0 ? 2 * m->precision[c] * m->recall[c] / pr : 0.0;
      if (support > 0 || predicted > 0)
        {
          m->macro_precision += m->precision[c];
          m->macro_recall += m->recall[c];
          m->macro_f1 += m->f1[c];
          n_seen++;
        }
    }
  if (n_seen > 0)
    {
      m->macro_precision /= n_seen;
      m->macro_recall /= n_seen;
      m->macro_f1 /= n_seen;
    }
}

/* 11 when a label or a prediction is "not a digit", else 10 */
static int
classes_seen (const guint8 *truth, const guint8 *pred, int n)
{
  for (int i = 0; i < n; i++)
    if (truth[i] == DP_CLASS_NOT_A_DIGIT || pred[i] == DP_CLASS_NOT_A_DIGIT)
      return DP_MAX_CLASSES;
  return DP_N_CLASSES;
}

void
dp_metrics_compute (DpMetrics *m, const guint8 *truth, const guint8 *pred, int n)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail (n == 0 || (truth != NULL && pred != NULL));
  compute (m, truth, pred, n, classes_seen (truth, pred, n));
  m->ece = -1.0;
}

guint
dp_metrics_digits_refused (const DpMetrics *m)
{
  g_return_val_if_fail (m != NULL, 0);
  guint refused = 0;
  if (m->n_classes == DP_MAX_CLASSES)
    for (int t = 0; t < DP_N_CLASSES; t++)
      refused += m->confusion[t][DP_CLASS_NOT_A_DIGIT];
  return refused;
}

void
dp_metrics_evaluate (DpMetrics *m, const DpNetwork *net, const DpDataset *ds, guint8 *pred)
{
  g_return_if_fail (m != NULL && net != NULL && ds != NULL);

  g_autofree guint8 *own = pred ? NULL : g_new (guint8, MAX (ds->n, 1)); /* (n) */
  guint8 *p = pred ? pred : own;
  int K = dp_network_n_outputs (net);
  g_autofree float *probs = g_new (float, (gsize) MAX (ds->n, 1) * K); /* (n, K) */
  if (ds->n > 0)
    dp_network_classify (net, ds->images, ds->n, p, probs);
  int n_classes = dp_network_can_refuse (net) ? DP_MAX_CLASSES
                                              : classes_seen (ds->labels, p, ds->n);
  compute (m, ds->labels, p, ds->n, n_classes);
  m->ece = dp_calibration_ece_probs (probs, K, ds->labels, ds->n);
}

char *
dp_metrics_format (const DpMetrics *m)
{
  g_return_val_if_fail (m != NULL, NULL);

  /* a DpMetrics from before n_classes (zeroed) has the ten digits */
  int K = m->n_classes == DP_MAX_CLASSES ? DP_MAX_CLASSES : DP_N_CLASSES;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "accuracy: %.2f %%\n", 100.0 * m->accuracy);
  guint correct = 0;
  for (int c = 0; c < K; c++)
    correct += m->confusion[c][c];
  g_string_append_printf (s, "images: %d, errors: %u\n\n", m->n, (guint) m->n - correct);

  /* the "not a digit" class is the row and column "none" */
  g_string_append (s, "class  precision  recall      F1  support\n");
  for (int c = 0; c < K; c++)
    {
      guint support = 0;
      for (int k = 0; k < K; k++)
        support += m->confusion[c][k];
      if (c == DP_CLASS_NOT_A_DIGIT)
        g_string_append (s, " none");
      else
        g_string_append_printf (s, "%5d", c);
      g_string_append_printf (s, "  %9.4f  %6.4f  %6.4f  %7u\n", m->precision[c], m->recall[c],
                              m->f1[c], support);
    }
  g_string_append_printf (s, "macro  %9.4f  %6.4f  %6.4f  %7d\n\n", m->macro_precision,
                          m->macro_recall, m->macro_f1, m->n);

  g_string_append (s, K == DP_MAX_CLASSES
                        ? "confusion matrix (rows: true digit, columns: predicted digit; none: "
                          "not a digit)\n"
                        : "confusion matrix (rows: true digit, columns: predicted digit)\n");
  g_string_append (s, "true\\pred");
  for (int c = 0; c < K; c++)
    if (c == DP_CLASS_NOT_A_DIGIT)
      g_string_append (s, "   none");
    else
      g_string_append_printf (s, " %6d", c);
  g_string_append_c (s, '\n');
  for (int t = 0; t < K; t++)
    {
      if (t == DP_CLASS_NOT_A_DIGIT)
        g_string_append (s, "     none");
      else
        g_string_append_printf (s, "%9d", t);
      for (int c = 0; c < K; c++)
        g_string_append_printf (s, " %6u", m->confusion[t][c]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}
