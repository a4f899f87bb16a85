/* strokes.h: DpStrokes, a drawing as vectors, and the one walk of its smoothed centre line that
 * every consumer uses: the pad on screen (dp_strokes_stroke_pieces), its PNG export, and the
 * 28×28 rasterizer (dp_strokes_append_path). What the user sees is what the network reads.
 *
 * The centre line of a stroke of n samples p0 … p(n−1) is cut into pieces:
 *   n = 1: one piece, a zero-length line at p0 (round caps make it a dot);
 *   n = 2: one piece, the line p0 → p1;
 *   n ≥ 3: piece 0 is the line p0 → m(0,1), where m(i,j) is the midpoint of samples i and j;
 *          piece i (1 … n−2) is the quadratic Bézier with control p(i) from m(i−1,i) to m(i,i+1),
 *          or to p(n−1) for the last piece (i = n−2).
 * Pieces 0 … n−3 never change when samples are appended, so a growing stroke can be drawn
 * piece by piece (dp_strokes_get_n_final_pieces), each sample costing a constant amount. */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

/* A sample of a stroke. x, y in 0..1 of the canvas (so resizing never loses the drawing);
 * pressure 0..1 (1 when the device has none); time in ms. */
typedef struct
{
  float x, y;
  float pressure;
  guint32 time_ms;
} DpPoint;

typedef struct _DpStrokes DpStrokes;

DpStrokes     *dp_strokes_new            (void);
DpStrokes     *dp_strokes_copy           (const DpStrokes *strokes);
void           dp_strokes_free           (DpStrokes *strokes);
void           dp_strokes_begin          (DpStrokes *strokes);          /* start a new stroke */
void           dp_strokes_add_point      (DpStrokes *strokes, const DpPoint *p); /* to the last */
void           dp_strokes_undo           (DpStrokes *strokes);          /* drop the last stroke */
void           dp_strokes_clear          (DpStrokes *strokes);
guint          dp_strokes_get_n_strokes  (const DpStrokes *strokes);
const DpPoint *dp_strokes_get_stroke     (const DpStrokes *strokes, guint i, guint *n_points);
gboolean       dp_strokes_is_empty       (const DpStrokes *strokes);    /* no point at all */
/* The length of stroke i's polyline in 0..1 units of the canvas height (x scaled by the
 * aspect), kept as points arrive: O(1). 0 for a dot or a stroke that does not exist. */
double         dp_strokes_get_length     (const DpStrokes *strokes, guint i);
/* The canvas's width / height (1 by default): x·aspect and y are then in the same units, so a
 * drawing on a wide canvas is not squeezed. Copied with the strokes. */
void           dp_strokes_set_aspect     (DpStrokes *strokes, double width_over_height);
double         dp_strokes_get_aspect     (const DpStrokes *strokes);
/* A copy on a square canvas (aspect 1), for the square pad: the canvas's longer side is the
 * square's side and the drawing keeps its place along it, centred across the other. Its shape,
 * and so its 28×28 image, is unchanged. */
DpStrokes     *dp_strokes_copy_square    (const DpStrokes *strokes);

/* --- the path walker ------------------------------------------------------------------------ */

typedef enum
{
  DP_PATH_MOVE_TO, /* pts: x, y */
  DP_PATH_LINE_TO, /* pts: x, y */
  DP_PATH_QUAD_TO, /* pts: control x, y, then end x, y */
} DpPathOp;

/* Points are in stroke units: x · aspect and y (0..1 of the canvas height). pressure: the
 * pressure of the piece (of its control sample; for a line, of its first sample). */
typedef void (*DpPathFunc) (gpointer data, DpPathOp op, const double *pts, float pressure);

/* How many pieces a stroke of n_points samples has (see above), and how many of them are final
 * (unchanged by more samples) while the stroke may still grow. */
guint dp_strokes_n_pieces           (guint n_points);
guint dp_strokes_get_n_final_pieces (guint n_points);

/* Walks pieces [first, end) of stroke i: a move to the first piece's start, then the pieces. */
void  dp_strokes_walk_pieces        (const DpStrokes *strokes, guint i, guint first, guint end,
                                     DpPathFunc func, gpointer data);
/* Every piece of every stroke. */
void  dp_strokes_walk               (const DpStrokes *strokes, DpPathFunc func, gpointer data);

/* The whole centre line as a Cairo path (quadratics as cubics), points multiplied by scale:
 * what the 28×28 rasterizer strokes with one pen. */
void  dp_strokes_append_path        (const DpStrokes *strokes, cairo_t *cr, double scale);

/* Strokes pieces [first, end) of stroke i onto cr, points multiplied by scale, round caps and
 * joins, in cr's current source: the pad's look. The pen is pen_width wide at full pressure and
 * narrower for a lighter touch (dp_strokes_pen_scale); runs of one pressure are one path. */
void  dp_strokes_stroke_pieces      (const DpStrokes *strokes, guint i, guint first, guint end,
                                     cairo_t *cr, double scale, double pen_width);
/* The pen's width factor for a pressure: a light touch still leaves a visible line. */
double dp_strokes_pen_scale         (float pressure);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpStrokes, dp_strokes_free)

G_END_DECLS
