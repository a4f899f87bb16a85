/* dp-model-store.h: DpModelStore, the one owner of the current model. It loads model files in a
 * worker thread, remembers the last one in the settings, and reports by signals; windows and
 * pages listen and show, they never load or hold a model themselves. GIO only, no GTK.
 *
 *   "model-changed" ()                             the current model was replaced
 *   "load-failed"   (GError *error, gboolean remembered)
 *                                                  a load failed; the current model stays.
 *                                                  remembered: it was the start-up restore of
 *                                                  the last model (the setting is kept)
 *
 * The newest request wins: a load finishing after a later load, reset or set_model() was asked
 * for is dropped (so the remembered model still loading at start-up never replaces the user's
 * choice). */
#pragma once

#include <gio/gio.h>

#include "engine/network.h"

G_BEGIN_DECLS

#define DP_TYPE_MODEL_STORE (dp_model_store_get_type ())
G_DECLARE_FINAL_TYPE (DpModelStore, dp_model_store, DP, MODEL_STORE, GObject)

/* "Personal model · 30 samples" for a personal model (engine/personalize.h), NULL for another:
 * the name a personal model is shown by, however it was loaded */
char            *dp_personal_model_title      (const DpNetwork *net);

/* settings (nullable): where "last-model" is remembered */
DpModelStore    *dp_model_store_new           (GSettings *settings);

/* The current model; valid until the next "model-changed". NULL before the first one. Use it on
 * the UI thread only; a worker must use its own dp_network_copy(). */
const DpNetwork *dp_model_store_get_model     (DpModelStore *self);
/* "Built-in model", a file name, "Trained: Quick" … */
const char      *dp_model_store_get_name      (DpModelStore *self);
/* "784-256-10 · 98.41 % test accuracy" from the model's shape and metadata */
char            *dp_model_store_describe      (DpModelStore *self);
/* loads in flight (including dropped ones not yet finished) */
gboolean         dp_model_store_is_loading    (DpModelStore *self);

/* Takes ownership of model and makes it current. paths: the file(s) it came from, remembered as
 * the last model; NULL for a model that lives only in memory (a trained one not yet saved),
 * which forgets the last model. */
void             dp_model_store_set_model     (DpModelStore       *self,
                                               DpNetwork          *model,
                                               const char         *name,
                                               const char * const *paths);
/* Like set_model(), but the setting is left as it is: the built-in model serving at start-up
 * while the remembered one loads (or is missing). */
void             dp_model_store_set_fallback  (DpModelStore *self,
                                               DpNetwork    *model,
                                               const char   *name);

/* Loads one safetensors file, or Theta1.txt/Theta2.txt (either one, the other is found beside
 * it, or both), in a worker thread; the outcome comes by signal. */
void             dp_model_store_load          (DpModelStore       *self,
                                               const char * const *paths);
/* The same for the remembered last model at start-up: a failure is reported with
 * remembered = TRUE, and the setting is kept (a drive not yet mounted). */
void             dp_model_store_restore       (DpModelStore *self);

G_END_DECLS
