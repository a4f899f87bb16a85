/* dp-application.h: DpApplication, the one AdwApplication instance. It owns the settings and
 * the model store (DpModelStore: the current model, which every page shares and listens to) and
 * the personal samples (DpSamples). */
#pragma once

#include <adwaita.h>

#include "dp-model-store.h"
#include "dp-samples.h"

G_BEGIN_DECLS

#define DP_TYPE_APPLICATION (dp_application_get_type ())
G_DECLARE_FINAL_TYPE (DpApplication, dp_application, DP, APPLICATION, AdwApplication)

#define DP_BUILTIN_MODEL_RESOURCE "/io/github/digitpad/Digitpad/weights/digitpad-default.safetensors"

DpApplication *dp_application_new             (void);

/* NULL when the schema is neither installed nor in the build tree: callers then use defaults and
 * remember nothing. */
GSettings     *dp_application_get_settings    (DpApplication *self);

/* The current model and its loading: listen to its "model-changed" and "load-failed". */
DpModelStore  *dp_application_get_model_store (DpApplication *self);

/* The personal samples ($XDG_DATA_HOME/digitpad/samples.ndjson), read at start-up: listen to
 * its "changed"; dp_samples_get_load_problem() says what did not read. */
DpSamples     *dp_application_get_samples     (DpApplication *self);

G_END_DECLS
