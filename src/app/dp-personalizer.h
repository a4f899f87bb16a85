/* dp-personalizer.h: DpPersonalizer runs dp_personalize_run() (engine/personalize.h) in a worker
 * thread, as DpTrainer runs a training: progress comes back to the main loop as a signal,
 * coalesced (the worker never waits on the UI), and Stop cancels within a step. GIO only.
 *
 * The run starts from the base model, never from an earlier personal one: when the current
 * model is personal, its base is found by the id its metadata records (the built-in model, or
 * the copy of the user's chosen model kept beside the personal one). A personal model that is
 * accepted is saved atomically beside the samples ($XDG_DATA_HOME/digitpad/), with its base when
 * that is not the built-in model, before the run is reported finished; a refused or stopped
 * run writes nothing.
 *
 *   "progress" (double fraction, const char *what)   on the caller's main context */
#pragma once

#include <gio/gio.h>

#include "dp-model-store.h"
#include "dp-trainer.h"
#include "engine/personalize.h"

G_BEGIN_DECLS

#define DP_PERSONAL_BASE_NAME "personal-base.safetensors" /* the base beside the personal model */

/* What a finished run hands back. */
typedef struct
{
  DpNetwork *network;         /* the personal model (saved at path), or NULL when refused */
  char *path;                 /* where it was saved */
  char *base_name;            /* "Built-in model", or the base's file name */
  DpPersonalizeReport report; /* every figure, also for a refusal */
  GError *refusal;            /* why it was refused (DP_ERROR_REFUSED), or NULL */
} DpPersonalizeOutcome;

void dp_personalize_outcome_free (DpPersonalizeOutcome *outcome);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpPersonalizeOutcome, dp_personalize_outcome_free)

#define DP_TYPE_PERSONALIZER (dp_personalizer_get_type ())
G_DECLARE_FINAL_TYPE (DpPersonalizer, dp_personalizer, DP, PERSONALIZER, GObject)

DpPersonalizer *dp_personalizer_new         (void);
/* notify::running */
gboolean        dp_personalizer_get_running (DpPersonalizer *self);

/* Starts a run. current: the model in use (copied); its name says what the base is called when
 * it is the base. samples: DpStrokesRecord* (copied). builtin: the built-in model's file
 * contents (to find the base of a personal model). data: MNIST, mixed in and checked. One run
 * at a time (G_IO_ERROR_PENDING). */
void            dp_personalizer_run_async   (DpPersonalizer *self, const DpNetwork *current,
                                             const char *current_name, GPtrArray *samples,
                                             GBytes *builtin, DpMnistData *data,
                                             GAsyncReadyCallback callback, gpointer user_data);
/* The outcome (accepted, or refused with its figures), or NULL with the error: cancelled
 * (G_IO_ERROR_CANCELLED), no usable sample, no base found, the file not written. */
DpPersonalizeOutcome *dp_personalizer_run_finish (DpPersonalizer *self, GAsyncResult *result,
                                                  GError **error);
void            dp_personalizer_stop        (DpPersonalizer *self);
/* Cancels and blocks until the worker has returned: for dispose. */
void            dp_personalizer_stop_and_wait (DpPersonalizer *self);

G_END_DECLS
