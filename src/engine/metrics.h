/* metrics.h: accuracy, confusion matrix, per-class precision/recall/F1 and macro averages. */
#pragma once

#include <glib.h>

#include "engine/dataset.h"
#include "engine/network.h"

G_BEGIN_DECLS

typedef struct
{
  int n;
  guint confusion[10][10]; /* [true][predicted] */
  double accuracy;         /* 0..1 */
  double precision[10], recall[10], f1[10];
  double macro_precision, macro_recall, macro_f1;
} DpMetrics;

void  dp_metrics_compute  (DpMetrics *m, const guint8 *truth, const guint8 *pred, int n);

/* classify the whole dataset and compute its metrics; pred (ds->n) may be NULL */
void  dp_metrics_evaluate (DpMetrics *m, const DpNetwork *net, const DpDataset *ds, guint8 *pred);

/* the CLI's report: "accuracy: 98.76 %" on its own line, the per-class table, the confusion matrix */
char *dp_metrics_format   (const DpMetrics *m);

G_END_DECLS
