/* dp-train-data.h: DpTrainData, the Train page's data source: finds MNIST (DIGITPAD_MNIST_DIR,
 * the folder remembered in GSettings, then $XDG_DATA_HOME/digitpad/mnist), loads it in a worker,
 * downloads a verified copy or takes a chosen folder, and says in plain words where things
 * stand. It exposes the loaded data; the page's train.download, train.cancel-download and
 * train.choose-folder actions call into it. */
#pragma once

#include <adwaita.h>

#include "dp-trainer.h"

G_BEGIN_DECLS

#define DP_TYPE_TRAIN_DATA (dp_train_data_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainData, dp_train_data, DP, TRAIN_DATA, AdwBin)

/* Looks for MNIST and loads it; only the first call does anything (the page calls it when it is
 * first shown: 200 MB of images are read only for someone who opens it). */
void         dp_train_data_discover         (DpTrainData *self);
/* the loaded data, or NULL; notify::data */
DpMnistData *dp_train_data_get_data         (DpTrainData *self);
/* whether a download is under way; notify::downloading */
gboolean     dp_train_data_get_downloading  (DpTrainData *self);
void         dp_train_data_download         (DpTrainData *self);
void         dp_train_data_cancel_download  (DpTrainData *self);
void         dp_train_data_choose_folder    (DpTrainData *self);
/* cancels the load and the download (the page is leaving its window) */
void         dp_train_data_shutdown         (DpTrainData *self);

G_END_DECLS
