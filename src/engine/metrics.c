/* metrics.c: how well a network classifies a data set: the confusion matrix, accuracy, and
 * per-class precision, recall and F1 with their macro averages, plus the CLI's text report.
 *
 * 0/0 follows scikit-learn's zero_division=0: a class never predicted has precision 0, a class
 * absent from the truth has recall 0, and F1 is 0 when precision + recall is 0. The macro
 * averages run over the classes that occur in the truth or in the predictions (scikit-learn's
 * labels = unique(truth ∪ pred)), so a subset without, say, any 7 is not punished for it. */
#include "engine/metrics.h"

#include <string.h>

static double
ratio (guint num, guint den)
{
  return den > 0 ? (double) num / den : 0.0;
}

void
dp_metrics_compute (DpMetrics *m, const guint8 *truth, const guint8 *pred, int n)
{
  g_return_if_fail (m != NULL);
  g_return_if_fail (n == 0 || (truth != NULL && pred != NULL));

  memset (m, 0, sizeof *m);
  m->n = n;
  guint correct = 0;
  for (int i = 0; i < n; i++)
    {
      g_return_if_fail (truth[i] < DP_N_CLASSES && pred[i] < DP_N_CLASSES);
      m->confusion[truth[i]][pred[i]]++;
      correct += truth[i] == pred[i];
    }
  m->accuracy = ratio (correct, (guint) n);

  int n_seen = 0;
  for (int c = 0; c < DP_N_CLASSES; c++)
    {
      guint tp = m->confusion[c][c], support = 0, predicted = 0;
      for (int k = 0; k < DP_N_CLASSES; k++)
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

void
dp_metrics_evaluate (DpMetrics *m, const DpNetwork *net, const DpDataset *ds, guint8 *pred)
{
  g_return_if_fail (m != NULL && net != NULL && ds != NULL);

  g_autofree guint8 *own = pred ? NULL : g_new (guint8, MAX (ds->n, 1)); /* (n) */
  guint8 *p = pred ? pred : own;
  if (ds->n > 0)
    dp_network_classify (net, ds->images, ds->n, p, NULL);
  dp_metrics_compute (m, ds->labels, p, ds->n);
}

char *
dp_metrics_format (const DpMetrics *m)
{
  g_return_val_if_fail (m != NULL, NULL);

  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "accuracy: %.2f %%\n", 100.0 * m->accuracy);
  guint correct = 0;
  for (int c = 0; c < DP_N_CLASSES; c++)
    correct += m->confusion[c][c];
  g_string_append_printf (s, "images: %d, errors: %u\n\n", m->n, (guint) m->n - correct);

  g_string_append (s, "class  precision  recall      F1  support\n");
  for (int c = 0; c < DP_N_CLASSES; c++)
    {
      guint support = 0;
      for (int k = 0; k < DP_N_CLASSES; k++)
        support += m->confusion[c][k];
      g_string_append_printf (s, "%5d  %9.4f  %6.4f  %6.4f  %7u\n", c, m->precision[c],
                              m->recall[c], m->f1[c], support);
    }
  g_string_append_printf (s, "macro  %9.4f  %6.4f  %6.4f  %7d\n\n", m->macro_precision,
                          m->macro_recall, m->macro_f1, m->n);

  g_string_append (s, "confusion matrix (rows: true digit, columns: predicted digit)\n");
  g_string_append (s, "true\\pred");
  for (int c = 0; c < DP_N_CLASSES; c++)
    g_string_append_printf (s, " %6d", c);
  g_string_append_c (s, '\n');
  for (int t = 0; t < DP_N_CLASSES; t++)
    {
      g_string_append_printf (s, "%9d", t);
      for (int c = 0; c < DP_N_CLASSES; c++)
        g_string_append_printf (s, " %6u", m->confusion[t][c]);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}
