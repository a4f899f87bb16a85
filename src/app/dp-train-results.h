/* dp-train-results.h: DpTrainResults, what a finished run gives: its test accuracy, the
 * confusion matrix (a click shows a cell's images), the per-digit scores, and Use / Save /
 * Export of the model. It owns the result, with the recipe and the test set it came from. */
#pragma once

#include <adwaita.h>

#include "dp-trainer.h"

G_BEGIN_DECLS

#define DP_TYPE_TRAIN_RESULTS (dp_train_results_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainResults, dp_train_results, DP, TRAIN_RESULTS, AdwBin)

/* shows result and takes it */
void     dp_train_results_show         (DpTrainResults *self, DpTrainResult *result);
gboolean dp_train_results_has_result   (DpTrainResults *self);
/* whether the result can be written as Theta1.txt/Theta2.txt */
gboolean dp_train_results_can_export   (DpTrainResults *self);
/* makes the result the application's model */
void     dp_train_results_use_model    (DpTrainResults *self);
/* ask where, then write in a worker */
void     dp_train_results_save_model   (DpTrainResults *self);
void     dp_train_results_export_theta (DpTrainResults *self);

G_END_DECLS
