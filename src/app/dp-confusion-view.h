/* dp-confusion-view.h: DpConfusionView, a 10×10 confusion-matrix heat map with counts (11×11
 * with the "not a digit" row and column when the metrics have them); a click on a cell emits
 * "cell-activated" (true class, predicted class; DP_CLASS_NOT_A_DIGIT for "not a digit"). */
#pragma once

#include <gtk/gtk.h>

#include "engine/metrics.h"

G_BEGIN_DECLS

#define DP_TYPE_CONFUSION_VIEW (dp_confusion_view_get_type ())
G_DECLARE_FINAL_TYPE (DpConfusionView, dp_confusion_view, DP, CONFUSION_VIEW, GtkWidget)

GtkWidget *dp_confusion_view_new         (void);
/* copies the matrix; NULL shows an empty grid */
void       dp_confusion_view_set_metrics (DpConfusionView *self, const DpMetrics *metrics);
/* the highlighted cell, or -1, -1 */
void       dp_confusion_view_select      (DpConfusionView *self, int truth, int predicted);
/* the cell's centre in widget coordinates (for tests that click it) */
gboolean   dp_confusion_view_cell_center (DpConfusionView *self, int truth, int predicted,
                                          double *x, double *y);

G_END_DECLS
