/* strokes.c: the stroke list and the one walk of its centre line (see strokes.h). */
#include "engine/strokes.h"

#include <math.h>

struct _DpStrokes
{
  GPtrArray *strokes; /* of GArray of DpPoint */
  GArray *lengths;    /* of double: each stroke's polyline length, kept as points arrive */
  double aspect;      /* canvas width / height: x·aspect and y are in the same units */
};

DpStrokes *
dp_strokes_new (void)
{
  DpStrokes *self = g_new0 (DpStrokes, 1);
  self->strokes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->lengths = g_array_new (FALSE, TRUE, sizeof (double));
  self->aspect = 1.0;
  return self;
}

DpStrokes *
dp_strokes_copy (const DpStrokes *strokes)
{
  g_return_val_if_fail (strokes != NULL, NULL);
  DpStrokes *self = dp_strokes_new ();
  self->aspect = strokes->aspect;
  for (guint i = 0; i < strokes->strokes->len; i++)
    {
      GArray *src = g_ptr_array_index (strokes->strokes, i);
      GArray *dst = g_array_sized_new (FALSE, FALSE, sizeof (DpPoint), src->len);
      g_array_append_vals (dst, src->data, src->len);
      g_ptr_array_add (self->strokes, dst);
    }
  g_array_append_vals (self->lengths, strokes->lengths->data, strokes->lengths->len);
  return self;
}

DpStrokes *
dp_strokes_copy_square (const DpStrokes *strokes)
{
  g_return_val_if_fail (strokes != NULL, NULL);
  double a = strokes->aspect;
  /* x·a and y are in canvas-height units; the square's side is max (a, 1) of them */
  double side = MAX (a, 1.0), dx = (side - a) / 2, dy = (side - 1) / 2;
  DpStrokes *self = dp_strokes_new ();
  for (guint i = 0; i < strokes->strokes->len; i++)
    {
      GArray *src = g_ptr_array_index (strokes->strokes, i);
      dp_strokes_begin (self);
      for (guint k = 0; k < src->len; k++)
        {
          DpPoint p = g_array_index (src, DpPoint, k);
          p.x = (float) ((p.x * a + dx) / side);
          p.y = (float) ((p.y + dy) / side);
          dp_strokes_add_point (self, &p);
        }
    }
  return self;
}

void
dp_strokes_free (DpStrokes *strokes)
{
  if (strokes == NULL)
    return;
  g_ptr_array_unref (strokes->strokes);
  g_array_unref (strokes->lengths);
  g_free (strokes);
}

void
dp_strokes_begin (DpStrokes *strokes)
{
  g_return_if_fail (strokes != NULL);
  double zero = 0;
  g_ptr_array_add (strokes->strokes, g_array_new (FALSE, FALSE, sizeof (DpPoint)));
  g_array_append_val (strokes->lengths, zero);
}

void
dp_strokes_add_point (DpStrokes *strokes, const DpPoint *p)
{
  g_return_if_fail (strokes != NULL && p != NULL);
  if (strokes->strokes->len == 0)
    dp_strokes_begin (strokes);
  guint last = strokes->strokes->len - 1;
  GArray *s = g_ptr_array_index (strokes->strokes, last);
  if (s->len > 0)
    {
      const DpPoint *q = &g_array_index (s, DpPoint, s->len - 1);
      g_array_index (strokes->lengths, double, last) +=
        hypot (((double) p->x - q->x) * strokes->aspect, (double) p->y - q->y);
    }
  g_array_append_val (s, *p);
}

void
dp_strokes_undo (DpStrokes *strokes)
{
  g_return_if_fail (strokes != NULL);
  if (strokes->strokes->len > 0)
    {
      g_ptr_array_remove_index (strokes->strokes, strokes->strokes->len - 1);
      g_array_set_size (strokes->lengths, strokes->strokes->len);
    }
}

void
dp_strokes_clear (DpStrokes *strokes)
{
  g_return_if_fail (strokes != NULL);
  g_ptr_array_set_size (strokes->strokes, 0);
  g_array_set_size (strokes->lengths, 0);
}

guint
dp_strokes_get_n_strokes (const DpStrokes *strokes)
{
  g_return_val_if_fail (strokes != NULL, 0);
  return strokes->strokes->len;
}

const DpPoint *
dp_strokes_get_stroke (const DpStrokes *strokes, guint i, guint *n_points)
{
  g_return_val_if_fail (strokes != NULL, NULL);
  if (i >= strokes->strokes->len)
    {
      if (n_points)
        *n_points = 0;
      return NULL;
    }
  GArray *s = g_ptr_array_index (strokes->strokes, i);
  if (n_points)
    *n_points = s->len;
  return (const DpPoint *) s->data;
}

gboolean
dp_strokes_is_empty (const DpStrokes *strokes)
{
  g_return_val_if_fail (strokes != NULL, TRUE);
  for (guint i = 0; i < strokes->strokes->len; i++)
    if (((GArray *) g_ptr_array_index (strokes->strokes, i))->len > 0)
      return FALSE;
  return TRUE;
}

double
dp_strokes_get_length (const DpStrokes *strokes, guint i)
{
  g_return_val_if_fail (strokes != NULL, 0);
  return i < strokes->lengths->len ? g_array_index (strokes->lengths, double, i) : 0;
}

void
dp_strokes_set_aspect (DpStrokes *strokes, double width_over_height)
{
  g_return_if_fail (strokes != NULL);
  if (!isfinite (width_over_height) || width_over_height <= 0)
    return;
  strokes->aspect = width_over_height;
  /* the lengths are in the new units */
  for (guint s = 0; s < strokes->strokes->len; s++)
    {
      GArray *arr = g_ptr_array_index (strokes->strokes, s);
      const DpPoint *p = (const DpPoint *) arr->data;
      double len = 0;
      for (guint i = 1; i < arr->len; i++)
        len += hypot (((double) p[i].x - p[i - 1].x) * width_over_height,
                      (double) p[i].y - p[i - 1].y);
      g_array_index (strokes->lengths, double, s) = len;
    }
}

double
dp_strokes_get_aspect (const DpStrokes *strokes)
{
  g_return_val_if_fail (strokes != NULL, 1.0);
  return strokes->aspect;
}

/* --- the path walker ------------------------------------------------------------------------ */

guint
dp_strokes_n_pieces (guint n_points)
{
  return n_points == 0 ? 0 : n_points <= 2 ? 1 : n_points - 1;
}

guint
dp_strokes_get_n_final_pieces (guint n_points)
{
  /* a growing stroke's last piece ends at its last sample and changes with the next one; with
   * fewer than three samples even the first piece is not settled */
  return n_points < 3 ? 0 : n_points - 2;
}

void
dp_strokes_walk_pieces (const DpStrokes *strokes, guint i, guint first, guint end,
                        DpPathFunc func, gpointer data)
{
  g_return_if_fail (strokes != NULL && func != NULL);

  guint n = 0;
  const DpPoint *p = dp_strokes_get_stroke (strokes, i, &n);
  end = MIN (end, dp_strokes_n_pieces (n));
  if (first >= end)
    return;

  double a = strokes->aspect;
#define PX(k) ((double) p[k].x * a)
#define PY(k) ((double) p[k].y)
  /* the start of piece `first`: the first sample, or the midpoint before the control */
  double pt[4];
  if (first == 0)
    pt[0] = PX (0), pt[1] = PY (0);
  else
    pt[0] = 0.5 * (PX (first - 1) + PX (first)), pt[1] = 0.5 * (PY (first - 1) + PY (first));
  func (data, DP_PATH_MOVE_TO, pt, p[first].pressure);

  for (guint k = first; k < end; k++)
    {
      if (k == 0)
        {
          /* a dot, a straight pair, or the straight start to the first midpoint */
          guint j = n == 1 ? 0 : 1;
          pt[0] = PX (j), pt[1] = PY (j);
          if (n >= 3)
            pt[0] = 0.5 * (PX (0) + PX (1)), pt[1] = 0.5 * (PY (0) + PY (1));
          func (data, DP_PATH_LINE_TO, pt, p[0].pressure);
          continue;
        }
      pt[0] = PX (k), pt[1] = PY (k);
      if (k + 2 < n)
        pt[2] = 0.5 * (PX (k) + PX (k + 1)), pt[3] = 0.5 * (PY (k) + PY (k + 1));
      else
        pt[2] = PX (k + 1), pt[3] = PY (k + 1);
      func (data, DP_PATH_QUAD_TO, pt, p[k].pressure);
    }
#undef PX
#undef PY
}

void
dp_strokes_walk (const DpStrokes *strokes, DpPathFunc func, gpointer data)
{
  g_return_if_fail (strokes != NULL && func != NULL);
  for (guint s = 0; s < strokes->strokes->len; s++)
    dp_strokes_walk_pieces (strokes, s, 0, G_MAXUINT, func, data);
}

/* One path element onto a Cairo context, scaled; a quadratic becomes the equivalent cubic:
 * c1 = s + ⅔(q − s), c2 = e + ⅔(q − e), from the current point s. */
static void
cairo_element (cairo_t *cr, DpPathOp op, const double *pts, double scale)
{
  double sx, sy;

  switch (op)
    {
    case DP_PATH_MOVE_TO:
      cairo_move_to (cr, pts[0] * scale, pts[1] * scale);
      break;
    case DP_PATH_LINE_TO:
      cairo_line_to (cr, pts[0] * scale, pts[1] * scale);
      break;
    case DP_PATH_QUAD_TO:
      cairo_get_current_point (cr, &sx, &sy);
      {
        double qx = pts[0] * scale, qy = pts[1] * scale, ex = pts[2] * scale, ey = pts[3] * scale;
        cairo_curve_to (cr, sx + 2.0 / 3.0 * (qx - sx), sy + 2.0 / 3.0 * (qy - sy),
                        ex + 2.0 / 3.0 * (qx - ex), ey + 2.0 / 3.0 * (qy - ey), ex, ey);
      }
      break;
    }
}

typedef struct
{
  cairo_t *cr;
  double scale;
  double pen_width;
  double width; /* of the path being built; < 0: none yet */
} CairoSink;

static void
path_sink (gpointer data, DpPathOp op, const double *pts, float pressure)
{
  CairoSink *sink = data;
  cairo_element (sink->cr, op, pts, sink->scale);
}

void
dp_strokes_append_path (const DpStrokes *strokes, cairo_t *cr, double scale)
{
  CairoSink sink = { cr, scale, 0, -1 };
  dp_strokes_walk (strokes, path_sink, &sink);
}

double
dp_strokes_pen_scale (float pressure)
{
  return 0.35 + 0.65 * CLAMP (pressure, 0.f, 1.f);
}

static void
stroke_sink (gpointer data, DpPathOp op, const double *pts, float pressure)
{
  CairoSink *sink = data;
  cairo_t *cr = sink->cr;

  if (op != DP_PATH_MOVE_TO)
    {
      double width = sink->pen_width * dp_strokes_pen_scale (pressure);
      if (sink->width >= 0 && width != sink->width)
        {
          /* a new pressure: finish the run so far and go on from where it ended */
          double x, y;
          cairo_get_current_point (cr, &x, &y);
          cairo_stroke (cr);
          cairo_move_to (cr, x, y);
        }
      sink->width = width;
      cairo_set_line_width (cr, width);
    }
  cairo_element (cr, op, pts, sink->scale);
}

void
dp_strokes_stroke_pieces (const DpStrokes *strokes, guint i, guint first, guint end,
                          cairo_t *cr, double scale, double pen_width)
{
  CairoSink sink = { cr, scale, pen_width, -1 };

  cairo_save (cr);
  cairo_new_path (cr);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  dp_strokes_walk_pieces (strokes, i, first, end, stroke_sink, &sink);
  if (sink.width >= 0)
    cairo_stroke (cr);
  cairo_new_path (cr);
  cairo_restore (cr);
}
