/* dp-trainer.h: DpTrainer runs dp_train_run() in a worker thread and brings its progress back to
 * the main loop as signals; DpMnistData, the loaded MNIST pair the worker trains on. */
#pragma once

#include <gio/gio.h>

#include "engine/dataset.h"
#include "engine/metrics.h"
#include "engine/train.h"

G_BEGIN_DECLS

/* The MNIST train and test sets of one folder, shared (refcounted, immutable once loaded) by the
 * page and any worker using them, so a reload never frees data a run still reads. */
typedef struct
{
  char *dir;
  DpDataset *train; /* 60000 images */
  DpDataset *test;  /* 10000 images */
} DpMnistData;

DpMnistData *dp_mnist_data_ref         (DpMnistData *data);
void         dp_mnist_data_unref       (DpMnistData *data);
/* Where MNIST is looked for: DIGITPAD_MNIST_DIR when set, else the folder remembered in
 * settings' "mnist-directory" (settings nullable, or without that key), else
 * $XDG_DATA_HOME/digitpad/mnist. *why (nullable): "DIGITPAD_MNIST_DIR", "settings" or
 * "default". The Train page and personalization look in the same place. */
char        *dp_mnist_data_find_dir    (GSettings *settings, const char **why);
/* $XDG_DATA_HOME/digitpad/mnist: where a download goes */
char        *dp_mnist_data_default_dir (void);
/* Loads both sets of dir in a worker thread; the error is the engine's (it names the file). */
void         dp_mnist_data_load_async  (const char *dir, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
DpMnistData *dp_mnist_data_load_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpMnistData, dp_mnist_data_unref)

/* What a finished run hands back to the UI thread: the network and its evaluation on the test
 * set, computed by the worker so the UI never classifies 10000 images itself, with the recipe
 * and the data it was trained and evaluated on. */
typedef struct
{
  DpTrainConfig config;  /* the run's */
  DpMnistData *data;     /* a reference: predictions index data->test */
  DpNetwork *network;
  DpMetrics metrics;     /* on data->test */
  guint8 *predictions;   /* (test->n) */
  double seconds;
} DpTrainResult;

void dp_train_result_free (DpTrainResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpTrainResult, dp_train_result_free)

#define DP_TYPE_TRAINER (dp_trainer_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainer, dp_trainer, DP, TRAINER, GObject)

DpTrainer     *dp_trainer_new            (void);
/* notify::running */
gboolean       dp_trainer_get_running    (DpTrainer *self);

/* Starts a run on a copy of config. Signals "progress" (const DpTrainProgress *) and
 * "epoch-done" (const DpEpochResult *) are emitted on the caller's main context, coalesced:
 * the worker never waits for the UI. With config->data MIX the worker first builds the mix
 * from data->train (engine/synth.h, cached), signalling "data-progress" (int done, int total). One run at a time: a second call while running fails with
 * G_IO_ERROR_PENDING. */
void           dp_trainer_run_async      (DpTrainer *self, const DpTrainConfig *config,
                                          DpMnistData *data, GAsyncReadyCallback callback,
                                          gpointer user_data);
/* The result, or NULL with G_IO_ERROR_CANCELLED after dp_trainer_stop(), or the engine's error */
DpTrainResult *dp_trainer_run_finish     (DpTrainer *self, GAsyncResult *result, GError **error);

/* Cancels the run; the engine notices within a batch. */
void           dp_trainer_stop           (DpTrainer *self);
/* Cancels and blocks until the worker has stopped computing (within a batch): for dispose. The
 * run's completion (its callback, with G_IO_ERROR_CANCELLED) is still dispatched on the main
 * context afterwards; the trainer holds the default GApplication while a run is in flight, so
 * the main loop lives until then even when the last window is gone. */
void           dp_trainer_stop_and_wait  (DpTrainer *self);

/* Main-loop lateness measured during the last run (a 10 ms timer), in milliseconds. */
gboolean       dp_trainer_get_stall_stats (DpTrainer *self, double *p50, double *p99,
                                           double *max, guint *n_samples);

G_END_DECLS
