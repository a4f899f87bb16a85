/* dp-samples-window.h: DpSamplesWindow, "Your Samples": the personal samples as a grid by digit
 * (thumbnails drawn from their strokes with the pad's own stroke walker), with their counts;
 * each thumbnail's menu relabels or deletes it; Import and Export read and write a strokes file.
 * Its actions: samples.delete (s: id), samples.relabel ((si): id, label), samples.import,
 * samples.export. It follows the samples' "changed"; every edit is written atomically by
 * DpSamples before it shows. */
#pragma once

#include <adwaita.h>

#include "dp-samples.h"

G_BEGIN_DECLS

#define DP_TYPE_SAMPLES_WINDOW (dp_samples_window_get_type ())
G_DECLARE_FINAL_TYPE (DpSamplesWindow, dp_samples_window, DP, SAMPLES_WINDOW, AdwWindow)

/* A window over parent (whose "win.personalize" and "win.teach" its buttons activate). */
DpSamplesWindow *dp_samples_window_new (GtkWindow *parent, DpSamples *samples);

/* One drawing fitted into width × height with a margin, black ink on nothing: the samples'
 * thumbnails and the collection's list of what was drawn. */
void dp_samples_draw_thumbnail (cairo_t *cr, const DpStrokes *strokes, int width, int height);

G_END_DECLS
