/* model-file.h: models in safetensors (8-byte little-endian header length, JSON header, raw
 * little-endian F32 tensors layers.N.weight [out, in] and layers.N.bias [out], __metadata__
 * strings), and the classic tutorial's Theta1.txt / Theta2.txt. */
#pragma once

#include <gio/gio.h>

#include "engine/network.h"

G_BEGIN_DECLS

/* Metadata keys every saved model carries (dp_model_save fills format, version, activations,
 * loss and input; the trainer fills recipe and test_accuracy). */
#define DP_META_FORMAT        "format"        /* "digitpad-mlp" */
#define DP_META_VERSION       "version"       /* "1" */
#define DP_META_ACTIVATIONS   "activations"   /* "relu,relu,softmax" */
#define DP_META_LOSS          "loss"          /* "softmax-ce" */
#define DP_META_INPUT         "input"
#define DP_META_RECIPE        "recipe"        /* the training command / preset */
#define DP_META_TEST_ACCURACY "test_accuracy" /* "0.9931" */
/* How the model says "not a digit": "class" = an eleventh output (DP_CLASS_NOT_A_DIGIT).
 * dp_model_save writes it for an 11-output network (and never for a 10-output one); the loader
 * needs it on an 11-output model and refuses it on a 10-output one. */
#define DP_META_REFUSE        "refuse"
#define DP_REFUSE_CLASS       "class"
/* the calibration temperature T (logits / T before the softmax), "1.2345"; absent = 1. A value
 * that is not a number from DP_TEMPERATURE_MIN to DP_TEMPERATURE_MAX makes the file unloadable */
#define DP_META_TEMPERATURE   "temperature"
/* p("not a digit") at or above which the model says "not a digit", "0.9712" (0.5 … 1); absent =
 * the most probable class answers. Only on an 11-output model; anything else is refused when
 * loading. The trainer also keeps the share of its hold-out's digits and negatives refused. */
#define DP_META_REFUSE_THRESHOLD "refuse_threshold"
#define DP_META_REFUSE_HOLDOUT_DIGITS    "refuse_holdout_digits"
#define DP_META_REFUSE_HOLDOUT_NEGATIVES "refuse_holdout_negatives"
/* the trainer's calibration figures on its hold-out: the expected calibration error (15 bins)
 * with the fitted temperature, and before it (T = 1), "0.0123"; the hold-out's size */
#define DP_META_CALIBRATION_ECE        "calibration_ece"
#define DP_META_CALIBRATION_ECE_BEFORE "calibration_ece_before"
#define DP_META_CALIBRATION_HOLDOUT    "calibration_holdout"

/* The largest model file dp_model_load reads (256 MiB: 64 M parameters, far beyond any MLP for
 * 28×28 digits); a bigger file (or /dev/zero) is refused before it is read into memory. The
 * trainer and dp_model_save refuse networks whose weights need more than
 * DP_MODEL_MAX_PARAM_BYTES, which leaves room for the JSON header, so that whatever is trained
 * and saved can be loaded again. */
#define DP_MODEL_MAX_BYTES       ((gsize) 256 << 20)
#define DP_MODEL_MAX_PARAM_BYTES (DP_MODEL_MAX_BYTES - ((gsize) 1 << 20))

/* Atomic: writes a temporary file beside path, fsyncs, renames over path. Refuses a network that
 * dp_model_load would refuse: the wrong input or output size (10 or 11 outputs), a NaN weight,
 * an invalid temperature, or a file over DP_MODEL_MAX_BYTES. */
gboolean   dp_model_save       (const DpNetwork *net, const char *path, GError **error);
GBytes    *dp_model_serialize  (const DpNetwork *net);

/* Validates everything: header length within the file, JSON, dtype F32, shapes chaining
 * 784→…→10 (or 11 with metadata refuse = "class"), a valid temperature when present, offsets in bounds and not overlapping, finite values, metadata present.
 * name is used in messages (a path, or "built-in model"). */
DpNetwork *dp_model_load       (const char *path, GError **error);
DpNetwork *dp_model_load_bytes (GBytes *bytes, const char *name, GError **error);

/* Theta1 (100×785) and Theta2 (10×101), numpy savetxt text, bias in the first column. Any hidden
 * size h works: Theta1 (h×785), Theta2 (10×(h+1)). Sigmoid hidden and outputs. */
DpNetwork *dp_theta_import     (const char *theta1_path, const char *theta2_path, GError **error);
/* whether dp_theta_export takes net: 784-h-10, sigmoid hidden units and sigmoid outputs */
gboolean   dp_theta_can_export (const DpNetwork *net);
/* writes DIR/Theta1.txt and DIR/Theta2.txt (%.18e, as numpy); only 784-h-10 sigmoid networks */
gboolean   dp_theta_export     (const DpNetwork *net, const char *dir, GError **error);

G_END_DECLS
