/* dp-application.h: DpApplication, the one GtkApplication instance. It owns the settings and the
 * current model, which every page shares: the Draw page predicts with it, the Train page swaps
 * a freshly trained network in with dp_application_set_model(). */
#pragma once

#include <adwaita.h>

#include "engine/network.h"

G_BEGIN_DECLS

#define DP_TYPE_APPLICATION (dp_application_get_type ())
G_DECLARE_FINAL_TYPE (DpApplication, dp_application, DP, APPLICATION, AdwApplication)

#define DP_BUILTIN_MODEL_RESOURCE "/io/github/digitpad/Digitpad/weights/digitpad-default.safetensors"

DpApplication   *dp_application_new              (void);

/* NULL when the schema is neither installed nor in the build tree: callers then use defaults and
 * remember nothing. */
GSettings       *dp_application_get_settings     (DpApplication *self);

/* The current model, owned by the application; valid until the next "model-changed". May be
 * NULL only if even the built-in model could not be loaded. Use it on the UI thread only; a
 * worker must train or evaluate its own dp_network_copy(). */
const DpNetwork *dp_application_get_model        (DpApplication *self);
/* "Built-in model", a file name, "Trained: Quick" … (also the "model-name" property) */
const char      *dp_application_get_model_name   (DpApplication *self);
/* "784-256-10 · 98.41 % test accuracy" from the model's shape and metadata */
char            *dp_application_describe_model   (DpApplication *self);

/* Takes ownership of model and makes it current, emits "model-changed". paths: the file(s) it
 * came from, remembered as the last model in the settings; NULL for a model that lives only in
 * memory (a trained one not yet saved), which is not remembered. */
void             dp_application_set_model        (DpApplication      *self,
                                                  DpNetwork          *model,
                                                  const char         *name,
                                                  const char * const *paths);
/* Back to the model embedded in the binary. */
gboolean         dp_application_reset_model      (DpApplication *self, GError **error);

/* Loads a model in a worker thread: one safetensors file, or Theta1.txt/Theta2.txt (either one,
 * the other is found beside it, or both). finish() makes it current on success; on failure the
 * current model stays and the error names the file and what is wrong. */
void             dp_application_load_model_async (DpApplication      *self,
                                                  const char * const *paths,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean         dp_application_load_model_finish (DpApplication *self,
                                                   GAsyncResult  *result,
                                                   GError       **error);

G_END_DECLS
