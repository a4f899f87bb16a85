/* dp-train-run-view.h: DpTrainRunView, a training run as it happens: what it is doing, its
 * speed, the progress bar, the live chart and the table of finished epochs. It listens to the
 * DpTrainer it is given; the page tells it when a run starts, is being stopped and ends. */
#pragma once

#include <adwaita.h>

#include "dp-trainer.h"

G_BEGIN_DECLS

#define DP_TYPE_TRAIN_RUN_VIEW (dp_train_run_view_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainRunView, dp_train_run_view, DP, TRAIN_RUN_VIEW, AdwBin)

void dp_train_run_view_set_trainer (DpTrainRunView *self, DpTrainer *trainer);
/* a run of config begins: the chart and the table start empty */
void dp_train_run_view_start       (DpTrainRunView *self, const DpTrainConfig *config);
void dp_train_run_view_stopping    (DpTrainRunView *self);
/* the run ended with result, or with error (G_IO_ERROR_CANCELLED: stopped) */
void dp_train_run_view_finish      (DpTrainRunView *self, const DpTrainResult *result,
                                    const GError *error);

G_END_DECLS
