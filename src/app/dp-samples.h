/* dp-samples.h: DpSamples, the user's personal samples: drawings kept with what they really
 * are (a correction on the Draw page, "That's right", the guided collection, an import), in one
 * strokes file (engine/strokes-file.h), $XDG_DATA_HOME/digitpad/samples.ndjson for the app
 * (dp_personal_samples_path, engine/personalize.h).
 * GIO only, no GTK: the Draw page, the collection, the samples window and personalization all
 * share the one instance the application owns, and listen to "changed".
 *
 * A new sample is appended (one write and fsync: a crash loses at most that sample); removing or
 * relabelling one rewrites the file atomically. Each sample gets an id (a random UUID) when it
 * has none, so that Undo, Delete and Relabel name it. A file with lines that do not read is
 * never silently shortened: before the first rewrite drops them, the file as it was is copied
 * to samples.ndjson.damaged.
 *
 *   "changed" ()   the samples were added to, removed, relabelled, imported or read again */
#pragma once

#include <gio/gio.h>

#include "engine/strokes-file.h"

G_BEGIN_DECLS

#define DP_TYPE_SAMPLES (dp_samples_get_type ())
G_DECLARE_FINAL_TYPE (DpSamples, dp_samples, DP, SAMPLES, GObject)

/* Samples kept in path (nothing is read yet). */
DpSamples    *dp_samples_new          (const char *path);
const char   *dp_samples_get_path     (DpSamples *self);

/* Reads the file (a missing file is no samples). Lines that do not read are skipped: *bad
 * (nullable) gets their messages ("FILE:LINE: what is wrong"). FALSE with the engine's error
 * (it names the file) when the file cannot be read at all; the samples are then none, and
 * nothing is written until a load succeeds (adding refuses), so the file is never replaced. */
gboolean      dp_samples_load         (DpSamples *self, GPtrArray **bad, GError **error);

/* What the last load left out, for people: NULL when it read every line; else how many lines
 * did not read and the first one's message (or why the file could not be read at all). */
const char   *dp_samples_get_load_problem (DpSamples *self);

/* The samples, oldest first (DpStrokesRecord *, borrowed until the next change). */
GPtrArray    *dp_samples_get_records  (DpSamples *self);
guint         dp_samples_get_n        (DpSamples *self);
/* how many carry label (0 … 9, DP_CLASS_NOT_A_DIGIT) */
guint         dp_samples_count        (DpSamples *self, int label);
/* the sample with this id, or NULL */
const DpStrokesRecord *dp_samples_find (DpSamples *self, const char *id);

/* Appends a copy of strokes with label (0 … 9 or DP_CLASS_NOT_A_DIGIT) and the time now.
 * Returns its new id (owned by the samples), or NULL with error (the file is as it was). */
const char   *dp_samples_add          (DpSamples *self, const DpStrokes *strokes, int label,
                                       GError **error);
/* Removes the sample id / gives it another label; the file is rewritten atomically. FALSE with
 * error when there is no such sample or the file cannot be written (nothing changes then). */
gboolean      dp_samples_remove       (DpSamples *self, const char *id, GError **error);
gboolean      dp_samples_relabel      (DpSamples *self, const char *id, int label,
                                       GError **error);

/* Adds the labelled records of another strokes file (records without a label are not samples:
 * counted in *n_unlabelled; bad lines in *bad). An id already among the samples gets a new one.
 * One atomic rewrite. *n_added: how many were added. */
gboolean      dp_samples_import       (DpSamples *self, const char *path, guint *n_added,
                                       guint *n_unlabelled, GPtrArray **bad, GError **error);
/* Writes every sample to path as a strokes file, atomically. */
gboolean      dp_samples_export       (DpSamples *self, const char *path, GError **error);

G_END_DECLS
