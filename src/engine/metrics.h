/* metrics.h: accuracy, confusion matrix, per-class precision/recall/F1 and macro averages. */
#pragma once

#include <glib.h>

#include "engine/dataset.h"
#include "engine/network.h"

G_BEGIN_DECLS

typedef struct
{
  int n;
  int n_classes;           /* 10 digits, or 11 with DP_CLASS_NOT_A_DIGIT ("not a digit") */
  guint confusion[DP_MAX_CLASSES][DP_MAX_CLASSES]; /* [true][predicted], n_classes × n_classes */
  double accuracy;         /* 0..1; a refused digit (predicted "not a digit") counts as wrong */
  double precision[DP_MAX_CLASSES], recall[DP_MAX_CLASSES], f1[DP_MAX_CLASSES];
  double macro_precision, macro_recall, macro_f1;
  double ece;              /* expected calibration error of the confidences (calibrate.h), from
                              dp_metrics_evaluate; -1 from dp_metrics_compute (no confidences) */
} DpMetrics;

/* labels and predictions 0 … 10; n_classes is 11 when any of them is DP_CLASS_NOT_A_DIGIT */
void  dp_metrics_compute  (DpMetrics *m, const guint8 *truth, const guint8 *pred, int n);

/* classify the whole dataset and compute its metrics, the ECE included; pred (ds->n) may be NULL.
 * n_classes is 11 when the network can refuse (or the data holds "not a digit" labels). */
void  dp_metrics_evaluate (DpMetrics *m, const DpNetwork *net, const DpDataset *ds, guint8 *pred);

/* digits (true label 0 … 9) answered "not a digit" (0 for a 10-class m) */
guint dp_metrics_digits_refused (const DpMetrics *m);

/* the CLI's report: "accuracy: 98.76 %" on its own line, the per-class table, the confusion
 * matrix; the "not a digit" row and column only when n_classes is 11 */
char *dp_metrics_format   (const DpMetrics *m);

G_END_DECLS
