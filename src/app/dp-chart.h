/* dp-chart.h: DpChart, the live training chart: loss over batches (left axis) and train/test
 * accuracy per epoch (right axis) against epochs, drawn with Cairo. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DP_TYPE_CHART (dp_chart_get_type ())
G_DECLARE_FINAL_TYPE (DpChart, dp_chart, DP, CHART, GtkWidget)

GtkWidget *dp_chart_new       (void);
/* forgets every point; the x axis runs from 0 to n_epochs */
void       dp_chart_reset     (DpChart *self, int n_epochs);
/* a loss sample at a fractional epoch position (1.5 = halfway through the second epoch) */
void       dp_chart_add_loss  (DpChart *self, double epoch_pos, double loss);
/* the accuracies (0..1) at the end of epoch (1-based); test < 0 when there is no test set */
void       dp_chart_add_epoch (DpChart *self, int epoch, double train_accuracy,
                               double test_accuracy);
guint      dp_chart_get_n_loss_points (DpChart *self);

G_END_DECLS
