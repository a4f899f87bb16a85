/* test-strokes.c: DpStrokes and its one path walker (engine/strokes.h): the pieces of a stroke,
 * pieces that stay put as samples arrive (what lets the pad draw each sample once), and the pad's
 * renderer tracing exactly the path the 28×28 rasterizer strokes. */
#include <math.h>
#include <string.h>

#include "engine/strokes.h"

#define SIDE 280

static void
add (DpStrokes *st, double x, double y, float pressure)
{
  DpPoint p = { (float) x, (float) y, pressure, 0 };
  dp_strokes_add_point (st, &p);
}

/* the walk as text: "M x y", "L x y", "Q qx qy ex ey" with 3 decimals */
static void
record_sink (gpointer data, DpPathOp op, const double *pts, float pressure)
{
  GString *s = data;
  if (op == DP_PATH_MOVE_TO)
    g_string_append_printf (s, "M %.3f %.3f;", pts[0], pts[1]);
  else if (op == DP_PATH_LINE_TO)
    g_string_append_printf (s, "L %.3f %.3f;", pts[0], pts[1]);
  else
    g_string_append_printf (s, "Q %.3f %.3f %.3f %.3f;", pts[0], pts[1], pts[2], pts[3]);
}

static char *
walk_text (const DpStrokes *st, guint i, guint first, guint end)
{
  GString *s = g_string_new (NULL);
  dp_strokes_walk_pieces (st, i, first, end, record_sink, s);
  return g_string_free (s, FALSE);
}

static void
test_pieces (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();

  dp_strokes_begin (st);
  add (st, 0.1, 0.2, 1);
  g_autofree char *dot = walk_text (st, 0, 0, G_MAXUINT);
  g_assert_cmpstr (dot, ==, "M 0.100 0.200;L 0.100 0.200;"); /* a dot: a zero-length line */
  add (st, 0.5, 0.2, 1);
  g_autofree char *pair = walk_text (st, 0, 0, G_MAXUINT);
  g_assert_cmpstr (pair, ==, "M 0.100 0.200;L 0.500 0.200;");
  add (st, 0.5, 0.6, 1);
  add (st, 0.1, 0.6, 1);
  /* line to the first midpoint, a quadratic through each inner sample to the next midpoint, the
   * last one to the last sample itself */
  g_autofree char *four = walk_text (st, 0, 0, G_MAXUINT);
  g_assert_cmpstr (four, ==,
                   "M 0.100 0.200;L 0.300 0.200;Q 0.500 0.200 0.500 0.400;Q 0.500 0.600 0.100 0.600;");
  g_assert_cmpuint (dp_strokes_n_pieces (4), ==, 3);
  g_assert_cmpuint (dp_strokes_get_n_final_pieces (4), ==, 2);
  /* a range starts with a move to its first piece's start: the midpoint before its control */
  g_autofree char *tail = walk_text (st, 0, 2, G_MAXUINT);
  g_assert_cmpstr (tail, ==, "M 0.500 0.400;Q 0.500 0.600 0.100 0.600;");
  g_autofree char *none = walk_text (st, 3, 0, G_MAXUINT);
  g_assert_cmpstr (none, ==, "");

  /* the aspect scales x */
  dp_strokes_set_aspect (st, 2.0);
  g_autofree char *wide = walk_text (st, 0, 0, 1);
  g_assert_cmpstr (wide, ==, "M 0.200 0.200;L 0.600 0.200;");
}

/* Pieces counted final while a stroke grows are exactly those of the finished stroke. */
static void
test_final_pieces_stay (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  g_autoptr (DpStrokes) grown = dp_strokes_new ();

  dp_strokes_begin (st);
  dp_strokes_begin (grown);
  for (int i = 0; i < 40; i++)
    add (grown, 0.5 + 0.3 * cos (i * 0.3), 0.5 + 0.3 * sin (i * 0.25), 1);
  for (int i = 0; i < 40; i++)
    {
      add (st, 0.5 + 0.3 * cos (i * 0.3), 0.5 + 0.3 * sin (i * 0.25), 1);
      guint final = dp_strokes_get_n_final_pieces (i + 1);
      g_autofree char *now = walk_text (st, 0, 0, final);
      g_autofree char *later = walk_text (grown, 0, 0, final);
      g_assert_cmpstr (now, ==, later);
    }
}

static void
test_length (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();

  dp_strokes_begin (st);
  add (st, 0, 0, 1);
  g_assert_cmpfloat (dp_strokes_get_length (st, 0), ==, 0);
  add (st, 0.3, 0.4, 1);
  add (st, 0.3, 0.0, 1);
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_length (st, 0), 0.9, 1e-6);
  dp_strokes_begin (st);
  add (st, 0.1, 0.1, 1);
  add (st, 0.2, 0.1, 1);
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_length (st, 1), 0.1, 1e-6);
  dp_strokes_set_aspect (st, 2.0);
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_length (st, 1), 0.2, 1e-6);
  g_autoptr (DpStrokes) copy = dp_strokes_copy (st);
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_length (copy, 1), 0.2, 1e-6);
  dp_strokes_undo (st);
  g_assert_cmpfloat (dp_strokes_get_length (st, 1), ==, 0);
  dp_strokes_clear (st);
  g_assert_cmpfloat (dp_strokes_get_length (st, 0), ==, 0);
}

/* a 2, a 4 of two strokes, and a dot: the shapes the pad sees */
static DpStrokes *
drawing (void)
{
  DpStrokes *st = dp_strokes_new ();

  dp_strokes_begin (st);
  for (int i = 0; i <= 30; i++)
    {
      double t = G_PI * (1.1 - 1.2 * i / 30.0);
      add (st, 0.45 + 0.2 * cos (t), 0.3 - 0.15 * sin (t), 1);
    }
  for (int i = 1; i <= 20; i++)
    add (st, 0.62 - 0.4 * i / 20.0, 0.42 + 0.4 * i / 20.0, 1);
  for (int i = 1; i <= 15; i++)
    add (st, 0.22 + 0.5 * i / 15.0, 0.82, 1);
  dp_strokes_begin (st);
  add (st, 0.8, 0.2, 1);
  add (st, 0.75, 0.5, 1);
  dp_strokes_begin (st);
  add (st, 0.9, 0.9, 1);
  return st;
}

static cairo_surface_t *
blank (void)
{
  return cairo_image_surface_create (CAIRO_FORMAT_A8, SIDE, SIDE);
}

/* the largest difference between two A8 surfaces, 0..255, how many pixels of a have ink, and
 * how many differ by more than 8 (NULL: not wanted) */
static int
max_diff_count (cairo_surface_t *a, cairo_surface_t *b, int *inked, int *n_differ)
{
  int worst = 0, differ = 0, stride = cairo_image_surface_get_stride (a);
  const guint8 *pa = cairo_image_surface_get_data (a), *pb = cairo_image_surface_get_data (b);

  cairo_surface_flush (a);
  cairo_surface_flush (b);
  *inked = 0;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        int d = abs (pa[y * stride + x] - pb[y * stride + x]);
        worst = MAX (worst, d);
        differ += d > 8;
        *inked += pa[y * stride + x] > 0;
      }
  if (n_differ)
    *n_differ = differ;
  return worst;
}

static int
max_diff (cairo_surface_t *a, cairo_surface_t *b, int *inked)
{
  return max_diff_count (a, b, inked, NULL);
}

/* What the user sees is what the network reads: the pad's renderer (used on screen, in the
 * cache, and for the PNG export) covers the same pixels as the rasterizer's path stroked with
 * the same pen, whole or piece by piece as the cache draws a growing stroke. */
static void
test_pad_traces_the_rasterizer_path (void)
{
  g_autoptr (DpStrokes) st = drawing ();
  const double pen = 14;
  int inked = 0;

  cairo_surface_t *raster = blank ();
  cairo_t *cr = cairo_create (raster);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, pen);
  dp_strokes_append_path (st, cr, SIDE);
  cairo_stroke (cr);
  cairo_destroy (cr);

  cairo_surface_t *pad = blank ();
  cr = cairo_create (pad);
  for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
    dp_strokes_stroke_pieces (st, s, 0, G_MAXUINT, cr, SIDE, pen);
  cairo_destroy (cr);
  int whole = max_diff (raster, pad, &inked);
  g_test_message ("pad vs rasterizer path: max difference %d of 255 over %d inked pixels", whole,
                  inked);
  g_assert_cmpint (inked, >, 3000);
  /* each stroke is stroked alone on the pad and in one path for the rasterizer: only the
   * antialiased rims where two strokes overlap can differ, by a rounding */
  g_assert_cmpint (whole, <=, 8);

  /* piece by piece, three at a time, as the cache draws a stroke that is still growing */
  cairo_surface_t *cached = blank ();
  cr = cairo_create (cached);
  for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
    {
      guint n = 0;
      dp_strokes_get_stroke (st, s, &n);
      for (guint first = 0; first < dp_strokes_n_pieces (n); first += 3)
        dp_strokes_stroke_pieces (st, s, first, first + 3, cr, SIDE, pen);
    }
  cairo_destroy (cr);
  int n_differ = 0;
  int pieces = max_diff_count (pad, cached, &inked, &n_differ);
  g_test_message ("whole strokes vs pieces: max difference %d of 255, %d pixels differ by more "
                  "than 8", pieces, n_differ);
  /* only the antialiased rims where two runs meet may be a little denser: a few pixels per seam */
  g_assert_cmpint (n_differ, <=, inked / 50);

  /* and a different path does differ: the check can fail */
  g_autoptr (DpStrokes) moved = drawing ();
  dp_strokes_set_aspect (moved, 1.02);
  cairo_surface_t *other = blank ();
  cr = cairo_create (other);
  for (guint s = 0; s < dp_strokes_get_n_strokes (moved); s++)
    dp_strokes_stroke_pieces (moved, s, 0, G_MAXUINT, cr, SIDE, pen);
  cairo_destroy (cr);
  g_assert_cmpint (max_diff (raster, other, &inked), >, 200);

  cairo_surface_destroy (raster);
  cairo_surface_destroy (pad);
  cairo_surface_destroy (cached);
  cairo_surface_destroy (other);
}

/* A lighter touch draws a narrower line along the same centre line. */
static void
test_pressure (void)
{
  g_autoptr (DpStrokes) firm = dp_strokes_new ();
  g_autoptr (DpStrokes) light = dp_strokes_new ();
  int inked_firm = 0, inked_light = 0;

  dp_strokes_begin (firm);
  dp_strokes_begin (light);
  for (int i = 0; i <= 10; i++)
    {
      add (firm, 0.2 + 0.06 * i, 0.5, 1.0f);
      add (light, 0.2 + 0.06 * i, 0.5, 0.0f);
    }
  cairo_surface_t *a = blank (), *b = blank ();
  cairo_t *cr = cairo_create (a);
  dp_strokes_stroke_pieces (firm, 0, 0, G_MAXUINT, cr, SIDE, 20);
  cairo_destroy (cr);
  cr = cairo_create (b);
  dp_strokes_stroke_pieces (light, 0, 0, G_MAXUINT, cr, SIDE, 20);
  cairo_destroy (cr);
  max_diff (a, a, &inked_firm);
  max_diff (b, b, &inked_light);
  /* 0.35 of the width at no pressure (dp_strokes_pen_scale) */
  g_assert_cmpfloat (fabs ((double) inked_light / inked_firm - 0.35), <, 0.08);
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/strokes/pieces", test_pieces);
  g_test_add_func ("/engine/strokes/final-pieces-stay", test_final_pieces_stay);
  g_test_add_func ("/engine/strokes/length", test_length);
  g_test_add_func ("/engine/strokes/pad-traces-the-rasterizer-path",
                   test_pad_traces_the_rasterizer_path);
  g_test_add_func ("/engine/strokes/pressure", test_pressure);
  return g_test_run ();
}
