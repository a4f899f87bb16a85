/* dp-canvas.h: DpCanvas, the square drawing pad. It keeps strokes as vectors in 0..1 of the
 * pad (DpStrokes from the engine), draws them smoothly, and tells its owner when they change.
 * It knows nothing of the network. */
#pragma once

#include <gtk/gtk.h>

#include "engine/strokes.h"

G_BEGIN_DECLS

#define DP_TYPE_CANVAS (dp_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DpCanvas, dp_canvas, DP, CANVAS, GtkWidget)

#define DP_CANVAS_REFERENCE_SIDE 400.0 /* pen-width is in pixels of a pad this wide */

GtkWidget       *dp_canvas_new             (void);

const DpStrokes *dp_canvas_get_strokes     (DpCanvas *self);
/* What the drag gesture feeds, in widget coordinates (samples closer than a pixel to the last
 * are dropped); also for benchmarks and tests. Each emits "changed"; the end also
 * "stroke-finished". */
void             dp_canvas_begin_stroke    (DpCanvas *self, double x, double y, float pressure,
                                            guint32 time_ms);
void             dp_canvas_extend_stroke   (DpCanvas *self, double x, double y, float pressure,
                                            guint32 time_ms);
void             dp_canvas_end_stroke      (DpCanvas *self);
gboolean         dp_canvas_is_empty        (DpCanvas *self); /* no stroke and no image */
gboolean         dp_canvas_is_drawing      (DpCanvas *self); /* a stroke is under way */
void             dp_canvas_undo            (DpCanvas *self);
void             dp_canvas_clear           (DpCanvas *self);

/* Replaces the drawing (and any image) with a copy of strokes, which are in 0..1 of the square
 * pad (aspect 1: dp_strokes_copy_square). Ignored while a stroke is under way. */
void             dp_canvas_set_strokes     (DpCanvas *self, const DpStrokes *strokes);

/* An opened image, shown on the pad until the next stroke, Clear, or another image. */
void             dp_canvas_set_image       (DpCanvas *self, GdkTexture *image);
GdkTexture      *dp_canvas_get_image       (DpCanvas *self);

double           dp_canvas_get_pen_width   (DpCanvas *self);
void             dp_canvas_set_pen_width   (DpCanvas *self, double width);

/* The pad's square in the canvas' own coordinates (for the tests' layout log). */
void             dp_canvas_get_pad_bounds  (DpCanvas *self, graphene_rect_t *bounds);

/* The drawing as a side × side image: black ink on white, the image (if any) underneath. */
cairo_surface_t *dp_canvas_render          (DpCanvas *self, int side);

G_END_DECLS
