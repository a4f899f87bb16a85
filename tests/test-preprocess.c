/* test-preprocess.c: strokes and rasters → 28×28, the MNIST way: the ink's longer side 20 px,
 * the centre of mass at pixel (14, 14), the aspect ratio kept, dark-on-light inverted, no-ink
 * inputs and bad files refused with messages that name the file, huge images refused or
 * downscaled without decoding them at full size; every hand-drawn fixture preprocesses to an
 * MNIST-like image. The timing case prints, never asserts.
 *
 * DIGITPAD_FIXTURE_SHEET=/tmp/fixtures.png makes the fixture case also write a contact sheet:
 * each drawing as drawn, and the 28×28 the network sees, scaled up. */
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <zlib.h>

#include "engine/error.h"
#include "fixtures/strokes-fixtures.h"
#include "engine/model-file.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/rng.h"
#include "test-util.h"

#define SIDE 28

typedef struct
{
  int x0, y0, x1, y1; /* pixels holding any ink, inclusive */
  double mass, cx, cy;
} Stats;

static Stats
stats_of (const float *img)
{
  Stats s = { SIDE, SIDE, -1, -1, 0, 0, 0 };
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        float v = img[y * SIDE + x];
        g_assert_true (v >= 0.0f && v <= 1.0f);
        if (v <= 0)
          continue;
        s.x0 = MIN (s.x0, x), s.x1 = MAX (s.x1, x);
        s.y0 = MIN (s.y0, y), s.y1 = MAX (s.y1, y);
        s.mass += v, s.cx += v * x, s.cy += v * y;
      }
  if (s.mass > 0)
    s.cx /= s.mass, s.cy /= s.mass;
  return s;
}

/* the MNIST conventions: longer side 20 ± 1 px, centre of mass within a tenth of a pixel */
static void
assert_mnist_like (const float *img)
{
  Stats s = stats_of (img);
  g_assert_cmpfloat (s.mass, >, 0);
  int longer = MAX (s.x1 - s.x0 + 1, s.y1 - s.y0 + 1);
  g_assert_cmpint (longer, >=, 19);
  g_assert_cmpint (longer, <=, 21);
  g_assert_cmpfloat (fabs (s.cx - 14.0), <, 0.1);
  g_assert_cmpfloat (fabs (s.cy - 14.0), <, 0.1);
}

static void
add_point (DpStrokes *st, double x, double y)
{
  DpPoint p = { (float) x, (float) y, 1.0f, 0 };
  dp_strokes_add_point (st, &p);
}

/* an open loop like a '6' or a 'C', centre (cx, cy), radii (rx, ry), in canvas units */
static void
add_arc (DpStrokes *st, double cx, double cy, double rx, double ry, double a0, double a1, int n)
{
  dp_strokes_begin (st);
  for (int i = 0; i < n; i++)
    {
      double a = a0 + (a1 - a0) * i / (n - 1);
      add_point (st, cx + rx * cos (a), cy + ry * sin (a));
    }
}

static void
test_strokes_list (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  g_assert_true (dp_strokes_is_empty (st));
  g_assert_cmpuint (dp_strokes_get_n_strokes (st), ==, 0);
  dp_strokes_begin (st);
  g_assert_true (dp_strokes_is_empty (st)); /* a stroke without points is still nothing */
  add_point (st, 0.1, 0.2);
  add_point (st, 0.3, 0.4);
  dp_strokes_begin (st);
  add_point (st, 0.5, 0.6);
  g_assert_false (dp_strokes_is_empty (st));
  g_assert_cmpuint (dp_strokes_get_n_strokes (st), ==, 2);
  guint n;
  const DpPoint *p = dp_strokes_get_stroke (st, 0, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (p[1].x, ==, 0.3f);
  g_assert_null (dp_strokes_get_stroke (st, 7, &n));
  g_assert_cmpuint (n, ==, 0);

  dp_strokes_set_aspect (st, 1.5);
  g_autoptr (DpStrokes) copy = dp_strokes_copy (st);
  dp_strokes_undo (st);
  g_assert_cmpuint (dp_strokes_get_n_strokes (st), ==, 1);
  g_assert_cmpuint (dp_strokes_get_n_strokes (copy), ==, 2); /* a deep copy */
  g_assert_cmpfloat (dp_strokes_get_aspect (copy), ==, 1.5);
  p = dp_strokes_get_stroke (copy, 1, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpfloat (p[0].y, ==, 0.6f);
  dp_strokes_clear (copy);
  g_assert_true (dp_strokes_is_empty (copy));
  dp_strokes_undo (copy); /* undo on nothing is harmless */
}

static void
test_strokes_empty (void)
{
  float out[784];
  g_autoptr (GError) error = NULL;
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  g_assert_false (dp_preprocess_strokes (st, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "no ink"));
  g_clear_error (&error);
  dp_strokes_begin (st);
  dp_strokes_begin (st);
  g_assert_false (dp_preprocess_strokes (st, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
}

/* A '6'-like shape and a zigzag at many sizes and places: always 20 px, always centred. */
static void
test_strokes_box_centre (void)
{
  DpRng rng;
  dp_rng_init (&rng, 7);
  for (int trial = 0; trial < 60; trial++)
    {
      double size = dp_rng_range (&rng, 0.02f, 0.9f);
      double cx = dp_rng_range (&rng, size / 2, 1 - size / 2);
      double cy = dp_rng_range (&rng, size / 2, 1 - size / 2);
      g_autoptr (DpStrokes) st = dp_strokes_new ();
      if (trial % 2 == 0)
        {
          add_arc (st, cx, cy + size * 0.2, size * 0.3, size * 0.3, 0, 2 * G_PI, 24);
          add_arc (st, cx + size * 0.3, cy - size * 0.1, size * 0.6, size * 0.4, G_PI, 1.3 * G_PI,
                   10);
        }
      else
        {
          dp_strokes_begin (st);
          for (int i = 0; i < 9; i++)
            add_point (st, cx - size / 2 + size * i / 8.0, cy + (i % 2 ? 0.25 : -0.25) * size);
        }
      float out[784];
      g_autoptr (GError) error = NULL;
      g_assert_true (dp_preprocess_strokes (st, out, &error));
      g_assert_no_error (error);
      assert_mnist_like (out);
    }
}

/* A tall thin '1' stays thin: no stretching to a square. */
static void
test_strokes_aspect (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  dp_strokes_begin (st);
  for (int i = 0; i <= 10; i++)
    add_point (st, 0.50 + 0.02 * i / 10.0, 0.2 + 0.6 * i / 10.0);
  float out[784];
  g_assert_true (dp_preprocess_strokes (st, out, NULL));
  assert_mnist_like (out);
  Stats s = stats_of (out);
  g_assert_cmpint (s.y1 - s.y0 + 1, >=, 19);
  g_assert_cmpint (s.x1 - s.x0 + 1, <=, 6);

  /* the same circle drawn on a 2:1 canvas spans half as much of x: with the aspect it is round */
  g_autoptr (DpStrokes) wide = dp_strokes_new ();
  add_arc (wide, 0.5, 0.5, 0.15, 0.3, 0, 2 * G_PI, 40);
  dp_strokes_set_aspect (wide, 2.0);
  g_assert_true (dp_preprocess_strokes (wide, out, NULL));
  s = stats_of (out);
  g_assert_cmpint (abs ((s.x1 - s.x0) - (s.y1 - s.y0)), <=, 1);
}

/* A tap and a tiny stroke still give ink, centred. */
static void
test_strokes_dot (void)
{
  float out[784];
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  dp_strokes_begin (st);
  add_point (st, 0.9, 0.1);
  g_assert_true (dp_preprocess_strokes (st, out, NULL));
  Stats s = stats_of (out);
  g_assert_cmpfloat (s.mass, >, 2);
  g_assert_cmpfloat (fabs (s.cx - 14), <, 0.1);
  g_assert_cmpfloat (fabs (s.cy - 14), <, 0.1);

  g_autoptr (DpStrokes) tiny = dp_strokes_new ();
  dp_strokes_begin (tiny);
  add_point (tiny, 0.3, 0.3);
  add_point (tiny, 0.3002, 0.3003);
  g_assert_true (dp_preprocess_strokes (tiny, out, NULL));
  assert_mnist_like (out);

  /* NaN coordinates are refused, not drawn */
  g_autoptr (DpStrokes) bad = dp_strokes_new ();
  dp_strokes_begin (bad);
  add_point (bad, NAN, 0.3);
  add_point (bad, 0.4, 0.3);
  g_autoptr (GError) error = NULL;
  g_assert_false (dp_preprocess_strokes (bad, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
}

/* The pen follows the digit, not the screen: the same shape drawn small and large gives the same
 * image (up to the subpixel placement). */
static void
test_strokes_scale_invariant (void)
{
  float a[784], b[784];
  g_autoptr (DpStrokes) small = dp_strokes_new ();
  g_autoptr (DpStrokes) large = dp_strokes_new ();
  add_arc (small, 0.2, 0.2, 0.05, 0.08, 0.3, 5.5, 30);
  add_arc (large, 0.5, 0.5, 0.4, 0.64, 0.3, 5.5, 30);
  g_assert_true (dp_preprocess_strokes (small, a, NULL));
  g_assert_true (dp_preprocess_strokes (large, b, NULL));
  double diff = 0, mass = 0;
  for (int i = 0; i < 784; i++)
    diff += fabs (a[i] - b[i]), mass += b[i];
  g_assert_cmpfloat (diff / mass, <, 0.05);
}

static void
test_strokes_timing (void)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  /* a realistic '8': two loops of 60 samples each */
  add_arc (st, 0.5, 0.3, 0.15, 0.13, -G_PI / 2, 1.5 * G_PI, 60);
  add_arc (st, 0.5, 0.6, 0.18, 0.17, -G_PI / 2, 1.5 * G_PI, 60);
  float out[784];
  int n = 2000;
  g_assert_true (dp_preprocess_strokes (st, out, NULL)); /* warm up */
  gint64 t0 = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    g_assert_true (dp_preprocess_strokes (st, out, NULL));
  double us = (double) (g_get_monotonic_time () - t0) / n;
  g_test_message ("dp_preprocess_strokes: %.1f us per drawing (2 strokes, 120 points)", us);
}

/* ---- rasters ------------------------------------------------------------------------------ */

/* a ring with a tail ('6'-ish, thick) in a w×h raster; ink 0..255 (light on dark) */
static guint8 *
make_raster (int w, int h, double cx, double cy, double r, gboolean dark_on_light, int stride)
{
  guint8 *a8 = g_malloc0 ((gsize) stride * h);
  cairo_surface_t *s = cairo_image_surface_create_for_data (a8, CAIRO_FORMAT_A8, w, h, stride);
  cairo_t *cr = cairo_create (s);
  cairo_set_line_width (cr, r * 0.35);
  cairo_arc (cr, cx, cy, r, 0, 2 * G_PI);
  cairo_stroke (cr);
  cairo_move_to (cr, cx - r, cy);
  cairo_line_to (cr, cx - 0.2 * r, cy - 2.5 * r);
  cairo_stroke (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
  if (dark_on_light)
    for (gsize i = 0; i < (gsize) stride * h; i++)
      a8[i] = 255 - a8[i];
  return a8;
}

static void
test_gray_box_centre_inversion (void)
{
  struct { int w, h; double cx, cy, r; } cases[] = {
    { 200, 150, 60, 100, 25 }, { 640, 480, 400, 300, 80 }, { 30, 40, 12, 28, 5 },
    { 9, 14, 4, 10, 2.2 }, /* smaller than the box: upscaled */
    { 200, 150, 100, 60, 30 }, /* the tail runs off the top edge: the border is not all paper */
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      /* a padded stride (Cairo wants a multiple of 4), to check stride is honoured */
      int stride = cairo_format_stride_for_width (CAIRO_FORMAT_A8, cases[c].w) + 4;
      g_autofree guint8 *dark = make_raster (cases[c].w, cases[c].h, cases[c].cx, cases[c].cy,
                                             cases[c].r, TRUE, stride);
      g_autofree guint8 *light = make_raster (cases[c].w, cases[c].h, cases[c].cx, cases[c].cy,
                                              cases[c].r, FALSE, stride);
      float a[784], b[784];
      g_autoptr (GError) error = NULL;
      g_assert_true (dp_preprocess_gray (dark, cases[c].w, cases[c].h, stride, a, &error));
      g_assert_no_error (error);
      g_assert_true (dp_preprocess_gray (light, cases[c].w, cases[c].h, stride, b, &error));
      assert_mnist_like (a);
      /* the discrete centre of mass is measured on the result and corrected: well within the
       * tenth of a pixel assert_mnist_like allows */
      Stats st = stats_of (a);
      g_test_message ("case %u: centre of mass (%.4f, %.4f)", c, st.cx, st.cy);
      g_assert_cmpfloat (fabs (st.cx - 14.0), <, 0.01);
      g_assert_cmpfloat (fabs (st.cy - 14.0), <, 0.01);
      for (int i = 0; i < 784; i++)
        g_assert_cmpfloat (fabs (a[i] - b[i]), <, 1e-5);
    }
}

/* The stride is honoured: the same picture packed (stride = width) and in a wider buffer whose
 * padding bytes hold full ink (and a pattern), which a reader that ignored the stride would take
 * as part of the picture (and shear every row), gives the same 28×28 result bit for bit. */
/* A bold digit cropped tight fills most of its image, and the border is paper but for one dark
 * speck at a corner: the paper is still the border's typical shade (not its darkest), so the
 * speck changes nothing and the ink stays the dark block. */
static void
test_gray_border_speck (void)
{
  enum { W = 24, H = 24 };
  guint8 img[W * H];
  float clean[DP_INPUT_SIZE], speck[DP_INPUT_SIZE];

  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        /* a dark ring 2..21 with a light hole 9..14: ink on 364 of 576 pixels */
        gboolean ring = x >= 2 && x < 22 && y >= 2 && y < 22 && !(x >= 9 && x < 15 && y >= 9 && y < 15);
        img[y * W + x] = ring ? 20 : 235;
      }
  g_assert_true (dp_preprocess_gray (img, W, H, W, clean, NULL));
  img[0] = 0;
  g_assert_true (dp_preprocess_gray (img, W, H, W, speck, NULL));
  double diff = 0, ink = 0;
  for (int i = 0; i < DP_INPUT_SIZE; i++)
    {
      diff += fabs (clean[i] - speck[i]);
      ink += clean[i];
    }
  /* the ink is the ring: its centre (the hole) is paper, its body ink */
  g_assert_cmpfloat (clean[14 * 28 + 14], <, 0.2);
  g_assert_cmpfloat (clean[14 * 28 + 6], >, 0.8);
  g_assert_cmpfloat (diff, <, 0.05 * ink);
}

static void
test_gray_stride_padding (void)
{
  const int w = 61, h = 47, pad = 7, stride = w + pad;
  int cstride = cairo_format_stride_for_width (CAIRO_FORMAT_A8, w);
  g_autofree guint8 *drawn = make_raster (w, h, 30, 30, 9, TRUE, cstride);
  g_autofree guint8 *packed = g_malloc ((gsize) w * h);
  g_autofree guint8 *padded = g_malloc ((gsize) stride * h);
  for (int y = 0; y < h; y++)
    {
      memcpy (packed + (gsize) y * w, drawn + (gsize) y * cstride, w);
      memcpy (padded + (gsize) y * stride, drawn + (gsize) y * cstride, w);
      for (int x = w; x < stride; x++)
        padded[(gsize) y * stride + x] = (guint8) (y * 37 + x * 11); /* not the background */
    }
  float a[784], b[784];
  g_assert_true (dp_preprocess_gray (packed, w, h, w, a, NULL));
  g_assert_true (dp_preprocess_gray (padded, w, h, stride, b, NULL));
  assert_mnist_like (a);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
}

/* Paper grain does not move the box or the centre. */
static void
test_gray_noise (void)
{
  int w = 300, h = 300;
  g_autofree guint8 *img = make_raster (w, h, 150, 200, 40, TRUE, w); /* 300: a multiple of 4 */
  g_autofree guint8 *clean = g_memdup2 (img, (gsize) w * h);
  DpRng rng;
  dp_rng_init (&rng, 3);
  for (int i = 0; i < w * h; i++)
    img[i] = (guint8) CLAMP (img[i] - 25 * dp_rng_uniform (&rng), 0, 255);
  float a[784], b[784];
  g_assert_true (dp_preprocess_gray (img, w, h, w, a, NULL));
  g_assert_true (dp_preprocess_gray (clean, w, h, w, b, NULL));
  assert_mnist_like (a);
  double diff = 0, mass = 0;
  for (int i = 0; i < 784; i++)
    diff += fabs (a[i] - b[i]), mass += b[i];
  g_assert_cmpfloat (diff / mass, <, 0.15);
}

static void
test_gray_aspect (void)
{
  /* a dark vertical bar, 6×120, on white */
  int w = 100, h = 200;
  g_autofree guint8 *img = g_malloc ((gsize) w * h);
  memset (img, 255, (gsize) w * h);
  for (int y = 40; y < 160; y++)
    for (int x = 47; x < 53; x++)
      img[y * w + x] = 0;
  float out[784];
  g_assert_true (dp_preprocess_gray (img, w, h, w, out, NULL));
  assert_mnist_like (out);
  Stats s = stats_of (out);
  g_assert_cmpint (s.x1 - s.x0 + 1, <=, 3);
}

static void
test_gray_empty (void)
{
  int w = 50, h = 40;
  g_autofree guint8 *img = g_malloc ((gsize) w * h);
  guint8 shades[] = { 255, 0, 128 };
  float out[784];
  for (guint i = 0; i < G_N_ELEMENTS (shades); i++)
    {
      memset (img, shades[i], (gsize) w * h);
      g_autoptr (GError) error = NULL;
      g_assert_false (dp_preprocess_gray (img, w, h, w, out, &error));
      g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
      g_assert_nonnull (strstr (error->message, "No ink"));
    }
  /* faint noise on white is not ink either */
  DpRng rng;
  dp_rng_init (&rng, 1);
  for (int i = 0; i < w * h; i++)
    img[i] = 255 - dp_rng_below (&rng, 12);
  g_autoptr (GError) error = NULL;
  g_assert_false (dp_preprocess_gray (img, w, h, w, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_false (dp_preprocess_gray (img, 0, h, w, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
}

/* MNIST digits are already normalised: preprocessing one gives (nearly) itself back. */
static void
test_gray_mnist_fixed_point (void)
{
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    {
      g_test_skip ("no MNIST (set DIGITPAD_MNIST_DIR)");
      return;
    }
  g_autofree char *path = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  gzFile f = gzopen (path, "rb");
  g_assert_nonnull (f);
  guint8 header[16], img[784];
  g_assert_cmpint (gzread (f, header, 16), ==, 16);
  double worst_com = 0, sum_diff = 0, sum_mass = 0;
  for (int k = 0; k < 200; k++)
    {
      g_assert_cmpint (gzread (f, img, 784), ==, 784);
      float in[784], out[784];
      for (int i = 0; i < 784; i++)
        in[i] = img[i] / 255.0f;
      g_autoptr (GError) error = NULL;
      g_assert_true (dp_preprocess_gray (img, 28, 28, 28, out, &error));
      g_assert_no_error (error);
      Stats so = stats_of (out);
      worst_com = MAX (worst_com, MAX (fabs (so.cx - 14), fabs (so.cy - 14)));
      for (int i = 0; i < 784; i++)
        sum_diff += fabs (in[i] - out[i]), sum_mass += in[i];
    }
  gzclose (f);
  g_test_message ("MNIST through dp_preprocess_gray: worst COM error %.3f px, L1 change %.1f %%",
                  worst_com, 100 * sum_diff / sum_mass);
  g_assert_cmpfloat (worst_com, <, 0.1);
  g_assert_cmpfloat (sum_diff / sum_mass, <, 0.3);
}

/* ---- image files -------------------------------------------------------------------------- */

static void
test_image_png (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  int w = 160, h = 120; /* w a multiple of 4, for Cairo */
  g_autofree guint8 *gray = make_raster (w, h, 80, 80, 20, TRUE, w);
  /* as RGBA: black ink, and a transparent background that must count as white paper */
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, w, h);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int rs = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = px + y * rs + x * 4;
        p[0] = p[1] = p[2] = 0;
        p[3] = 255 - gray[y * w + x];
      }
  g_autofree char *path = g_build_filename (dir, "digit.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (gdk_pixbuf_save (pb, path, "png", &error, NULL));
  float a[784], b[784];
  g_assert_true (dp_preprocess_image (path, a, &error));
  g_assert_no_error (error);
  assert_mnist_like (a);
  g_assert_true (dp_preprocess_gray (gray, w, h, w, b, NULL));
  for (int i = 0; i < 784; i++)
    g_assert_cmpfloat (fabs (a[i] - b[i]), <, 0.02);

  /* an all-white image: no ink, and the message names the file */
  g_autoptr (GdkPixbuf) white = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 40, 40);
  gdk_pixbuf_fill (white, 0xffffffff);
  g_autofree char *wpath = g_build_filename (dir, "white.png", NULL);
  g_assert_true (gdk_pixbuf_save (white, wpath, "png", NULL, NULL));
  g_assert_false (dp_preprocess_image (wpath, a, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "white.png"));
  dp_test_rmdir (dir);
}

static void
test_image_bad_files (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  float out[784];
  g_autoptr (GError) error = NULL;

  g_autofree char *txt = g_build_filename (dir, "foo.txt", NULL);
  g_assert_true (g_file_set_contents (txt, "seven, I think\n", -1, NULL));
  g_assert_false (dp_preprocess_image (txt, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "foo.txt: not an image"));
  g_clear_error (&error);

  g_autofree char *zero = g_build_filename (dir, "zero.png", NULL);
  g_assert_true (g_file_set_contents (zero, "", 0, NULL));
  g_assert_false (dp_preprocess_image (zero, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "zero.png: empty file"));
  g_clear_error (&error);

  /* a PNG signature and then garbage */
  g_autofree char *trunc = g_build_filename (dir, "broken.png", NULL);
  g_assert_true (g_file_set_contents (trunc, "\x89PNG\r\n\x1a\nxxxxxxxxxxxxxxxxxxxxxxx", 31, NULL));
  g_assert_false (dp_preprocess_image (trunc, out, &error));
  g_assert_nonnull (strstr (error->message, "broken.png"));
  g_clear_error (&error);

  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_assert_false (dp_preprocess_image (missing, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.png"));
  g_clear_error (&error);

  g_assert_false (dp_preprocess_image (dir, out, &error)); /* a directory */
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  dp_test_rmdir (dir);
}

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

static void
put_chunk (GByteArray *png, const char *type, const guint8 *data, guint32 len)
{
  put_be32 (png, len);
  guint start = png->len;
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (len)
    g_byte_array_append (png, data, len);
  put_be32 (png, (guint32) crc32 (0, png->data + start, len + 4));
}

/* A real, valid 1-bit grayscale PNG of side × side white pixels with a black square, written row
 * by row through zlib (a few hundred kB for 20000², where decoding it would take 1.6 GB). */
static void
write_big_png (const char *path, guint32 side)
{
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  guint8 ihdr[13] = { side >> 24, side >> 16, side >> 8, side, side >> 24, side >> 16, side >> 8,
                      side, 1 /* bit depth */, 0 /* gray */, 0, 0, 0 };
  put_chunk (png, "IHDR", ihdr, 13);
  gsize row_len = 1 + (side + 7) / 8;
  g_autofree guint8 *row = g_malloc (row_len);
  z_stream z = { 0 };
  g_assert_cmpint (deflateInit (&z, 9), ==, Z_OK);
  gsize cap = 1 << 20;
  g_autofree guint8 *buf = g_malloc (cap);
  g_autoptr (GByteArray) idat = g_byte_array_new ();
  for (guint32 y = 0; y < side; y++)
    {
      memset (row, 0xff, row_len);
      row[0] = 0; /* filter: none */
      if (y > side / 3 && y < side / 2)
        memset (row + 1 + side / 24, 0x00, side / 24); /* a black block */
      z.next_in = row;
      z.avail_in = row_len;
      do
        {
          z.next_out = buf;
          z.avail_out = cap;
          g_assert_cmpint (deflate (&z, y + 1 == side ? Z_FINISH : Z_NO_FLUSH), !=, Z_STREAM_ERROR);
          g_byte_array_append (idat, buf, cap - z.avail_out);
        }
      while (z.avail_out == 0);
    }
  deflateEnd (&z);
  put_chunk (png, "IDAT", idat->data, idat->len);
  put_chunk (png, "IEND", NULL, 0);
  g_assert_true (g_file_set_contents (path, (const char *) png->data, png->len, NULL));
}

static void
test_image_huge (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  float out[784];

  /* 20000 × 20000: refused from its header, before decoding */
  g_autofree char *huge = g_build_filename (dir, "huge.png", NULL);
  write_big_png (huge, 20000);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_assert_false (dp_preprocess_image (huge, out, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "huge.png: image too large"));
  g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
  g_clear_error (&error);

  /* 4000 × 4000: large but sane, downscaled to 2048 on loading, and preprocessed */
  g_autofree char *big = g_build_filename (dir, "big.png", NULL);
  write_big_png (big, 4000);
  g_assert_true (dp_preprocess_image (big, out, &error));
  g_assert_no_error (error);
  assert_mnist_like (out);

  /* a 6000 × 4000 photo-sized JPEG: decoded straight at a reduced size */
  g_autoptr (GdkPixbuf) photo = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 6000, 4000);
  gdk_pixbuf_fill (photo, 0xf0f0f0ff);
  g_autoptr (GdkPixbuf) ink = gdk_pixbuf_new_subpixbuf (photo, 2500, 1000, 300, 2200);
  gdk_pixbuf_fill (ink, 0x202020ff);
  g_autofree char *jpeg = g_build_filename (dir, "photo.jpg", NULL);
  g_assert_true (gdk_pixbuf_save (photo, jpeg, "jpeg", &error, "quality", "80", NULL));
  g_assert_true (dp_preprocess_image (jpeg, out, &error));
  g_assert_no_error (error);
  assert_mnist_like (out);
  Stats s = stats_of (out);
  g_assert_cmpint (s.x1 - s.x0 + 1, <=, 5); /* a bar 300 wide, 2200 tall */
  dp_test_rmdir (dir);
}

/* ---- the hand-drawn fixtures ------------------------------------------------------------- */

#define CELL 112 /* px per panel of the contact sheet */

static void
sheet_draw (cairo_t *cr, int col, int row, const DpStrokes *st, const float *img)
{
  double x0 = col * 2 * CELL + col * 8, y0 = row * CELL + row * 8;
  /* the strokes as drawn, on the whole canvas */
  cairo_save (cr);
  cairo_rectangle (cr, x0, y0, CELL, CELL);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.6);
  cairo_set_line_width (cr, 1.5);
  for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
    {
      guint n;
      const DpPoint *p = dp_strokes_get_stroke (st, s, &n);
      for (guint i = 0; i < n; i++)
        cairo_line_to (cr, x0 + p[i].x * CELL, y0 + p[i].y * CELL);
      cairo_new_sub_path (cr);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
  /* the 28×28, white ink on black like MNIST */
  double px = (double) CELL / 28;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        float v = img[y * 28 + x];
        cairo_set_source_rgb (cr, v, v, v);
        cairo_rectangle (cr, x0 + CELL + x * px, y0 + y * px, px, px);
        cairo_fill (cr);
      }
}

static void
test_fixtures (void)
{
  g_autofree char *dir = dp_fixtures_dir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = dp_fixtures_list (dir, &error);
  g_assert_no_error (error);
  int per_digit[10] = { 0 };
  const char *sheet_path = g_getenv ("DIGITPAD_FIXTURE_SHEET");
  cairo_surface_t *sheet = NULL;
  cairo_t *cr = NULL;
  if (sheet_path && *sheet_path)
    {
      sheet = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 3 * (2 * CELL + 8), 10 * (CELL + 8));
      cr = cairo_create (sheet);
      cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
      cairo_paint (cr);
    }
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      int digit = dp_fixture_digit (path);
      g_assert_cmpint (digit, >=, 0);
      g_autoptr (DpStrokes) st = dp_fixture_load (path, &error);
      g_assert_no_error (error);
      /* mouse-like: every stroke has enough samples to be a curve, not a caricature */
      guint total = 0;
      for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
        {
          guint n;
          dp_strokes_get_stroke (st, s, &n);
          g_assert_cmpuint (n, >=, 10);
          total += n;
        }
      g_assert_cmpuint (total, >=, 30);
      float out[784];
      g_assert_true (dp_preprocess_strokes (st, out, &error));
      g_assert_no_error (error);
      assert_mnist_like (out);
      if (cr && per_digit[digit] < 3)
        sheet_draw (cr, per_digit[digit], digit, st, out);
      per_digit[digit]++;
    }
  for (int d = 0; d < 10; d++)
    g_assert_cmpint (per_digit[d], >=, 3);
  if (cr)
    {
      cairo_destroy (cr);
      g_assert_cmpint (cairo_surface_write_to_png (sheet, sheet_path), ==, CAIRO_STATUS_SUCCESS);
      cairo_surface_destroy (sheet);
      g_test_message ("contact sheet: %s", sheet_path);
    }

  /* a broken fixture is reported with its file and line */
  g_autofree char *tmp = dp_test_tmpdir ();
  g_autofree char *bad = g_build_filename (tmp, "digit-1-bad.txt", NULL);
  g_assert_true (g_file_set_contents (bad, "# x\n0.1,0.2 0.3,0.4\n0.5;0.6\n", -1, NULL));
  g_autoptr (DpStrokes) none = dp_fixture_load (bad, &error);
  g_assert_null (none);
  g_assert_nonnull (strstr (error->message, "digit-1-bad.txt:3: bad point"));
  dp_test_rmdir (tmp);
}

/* The default model reads every hand-drawn fixture as its digit. */
static void
test_fixtures_recognised (void)
{
  g_autofree char *model_path = g_build_filename (DP_SOURCE_DIR, "weights",
                                                  "digitpad-default.safetensors", NULL);
  if (!g_file_test (model_path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no weights/digitpad-default.safetensors yet");
      return;
    }
  g_autoptr (GError) error = NULL;
  DpNetwork *net = dp_model_load (model_path, &error);
  g_assert_no_error (error);
  g_autofree char *dir = dp_fixtures_dir ();
  g_autoptr (GPtrArray) paths = dp_fixtures_list (dir, &error);
  g_assert_no_error (error);
  g_autoptr (GString) wrong = g_string_new (NULL);
  int n_variants = 0, n_right = 0;
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      g_autoptr (DpStrokes) st = dp_fixture_load (path, &error);
      g_assert_no_error (error);
      float x[784], probs[DP_MAX_CLASSES];
      g_assert_true (dp_preprocess_strokes (st, x, &error));
      int pred = dp_network_predict (net, x, probs);
      int want = dp_fixture_digit (path);
      g_autofree char *base = g_path_get_basename (path);
      g_test_message ("%-28s -> %d (%.3f)%s", base, pred, probs[pred], pred == want ? "" : "  WRONG");
      if (pred != want)
        g_string_append_printf (wrong, " %s->%d", base, pred);

      /* the same drawing slightly rotated, squeezed and moved, as another hand would draw it */
      DpRng rng;
      dp_rng_init (&rng, i);
      for (int v = 0; v < 10; v++)
        {
          double a = dp_rng_range (&rng, -0.14f, 0.14f), sx = dp_rng_range (&rng, 0.85f, 1.15f);
          double dx = dp_rng_range (&rng, -0.1f, 0.1f), dy = dp_rng_range (&rng, -0.1f, 0.1f);
          g_autoptr (DpStrokes) var = dp_strokes_new ();
          for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
            {
              guint n;
              const DpPoint *p = dp_strokes_get_stroke (st, s, &n);
              dp_strokes_begin (var);
              for (guint k = 0; k < n; k++)
                {
                  double u = (p[k].x - 0.5) * sx, w = p[k].y - 0.5;
                  DpPoint q = p[k];
                  q.x = (float) (0.5 + dx + u * cos (a) - w * sin (a));
                  q.y = (float) (0.5 + dy + u * sin (a) + w * cos (a));
                  dp_strokes_add_point (var, &q);
                }
            }
          g_assert_true (dp_preprocess_strokes (var, x, &error));
          n_variants++;
          n_right += dp_network_predict (net, x, NULL) == want;
        }
    }
  g_test_message ("variants (rotated up to 8 deg, squeezed up to 15 %%, moved): %d of %d read right", n_right,
                  n_variants);
  g_assert_cmpint (n_right, >=, n_variants * 9 / 10);
  dp_network_free (net);
  if (wrong->len > 0)
    g_test_fail_printf ("fixtures misread:%s", wrong->str);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/preprocess/strokes/list", test_strokes_list);
  g_test_add_func ("/engine/preprocess/strokes/empty", test_strokes_empty);
  g_test_add_func ("/engine/preprocess/strokes/box-centre", test_strokes_box_centre);
  g_test_add_func ("/engine/preprocess/strokes/aspect", test_strokes_aspect);
  g_test_add_func ("/engine/preprocess/strokes/dot", test_strokes_dot);
  g_test_add_func ("/engine/preprocess/strokes/scale-invariant", test_strokes_scale_invariant);
  g_test_add_func ("/engine/preprocess/strokes/timing", test_strokes_timing);
  g_test_add_func ("/engine/preprocess/gray/box-centre-inversion", test_gray_box_centre_inversion);
  g_test_add_func ("/engine/preprocess/gray/stride-padding", test_gray_stride_padding);
  g_test_add_func ("/engine/preprocess/gray/noise", test_gray_noise);
  g_test_add_func ("/engine/preprocess/gray/aspect", test_gray_aspect);
  g_test_add_func ("/engine/preprocess/gray/empty", test_gray_empty);
  g_test_add_func ("/engine/preprocess/gray/border-speck", test_gray_border_speck);
  g_test_add_func ("/engine/preprocess/gray/mnist-fixed-point", test_gray_mnist_fixed_point);
  g_test_add_func ("/engine/preprocess/image/png", test_image_png);
  g_test_add_func ("/engine/preprocess/image/bad-files", test_image_bad_files);
  g_test_add_func ("/engine/preprocess/image/huge", test_image_huge);
  g_test_add_func ("/engine/preprocess/fixtures/all", test_fixtures);
  g_test_add_func ("/engine/preprocess/fixtures/recognised", test_fixtures_recognised);
  return g_test_run ();
}
