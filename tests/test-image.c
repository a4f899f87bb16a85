/* test-image.c: image files as people have them (issue 10): photos turned by their Exif
 * orientation (JPEG and PNG eXIf), files cut short or damaged, white ink on a transparent
 * background, photos with a shadow, a vignette, lines along the edge, ruled and graph paper
 * (generated here from the hand-drawn stroke fixtures, no data files), and images too small or
 * too faint to read. Recognition is checked with the shipped model. */
#include <math.h>
#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <zlib.h>

#include "engine/engine.h"
#include "fixtures/strokes-fixtures.h"
#include "test-util.h"

static DpNetwork *
shipped_model (void)
{
  g_autofree char *path = g_build_filename (DP_SOURCE_DIR, "weights",
                                            "digitpad-default.safetensors", NULL);
  GError *error = NULL;
  DpNetwork *net = dp_model_load (path, &error);
  g_assert_no_error (error);
  return net;
}

/* fixture i's drawing as the network sees it (28×28, ink 0..1), and its digit */
static int
fixture_ink (guint i, float *ink)
{
  g_autofree char *dir = dp_fixtures_dir ();
  GError *error = NULL;
  g_autoptr (GPtrArray) paths = dp_fixtures_list (dir, &error);
  g_assert_no_error (error);
  const char *path = g_ptr_array_index (paths, i % paths->len);
  g_autoptr (DpStrokes) st = dp_fixture_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (dp_preprocess_strokes (st, ink, &error));
  return dp_fixture_digit (path);
}

static guint
n_fixtures (void)
{
  g_autofree char *dir = dp_fixtures_dir ();
  g_autoptr (GPtrArray) paths = dp_fixtures_list (dir, NULL);
  return paths->len;
}

/* bilinear ink at (u, v) in 28-px units */
static double
ink_at (const float *ink, double u, double v)
{
  u -= 0.5, v -= 0.5;
  int x0 = (int) floor (u), y0 = (int) floor (v);
  double fx = u - x0, fy = v - y0, acc = 0;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++)
      {
        int x = x0 + dx, y = y0 + dy;
        if (x >= 0 && y >= 0 && x < 28 && y < 28)
          acc += ink[y * 28 + x] * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      }
  return MIN (acc, 1.0);
}

/* ---- generated photos ------------------------------------------------------------------------ */

typedef enum
{
  PHOTO_CLEAN,
  PHOTO_SHADOW,      /* a soft shadow over one corner, down to 40 % of the light */
  PHOTO_VIGNETTE,    /* the corners at 75 % of the light */
  PHOTO_FRAME,       /* a black frame line 5 px inside the page's edge */
  PHOTO_EDGE_LINES,  /* dark lines on the image's edges */
  PHOTO_PAGE_EDGE,   /* the table beyond the page along two edges */
  PHOTO_RULED,       /* blue-gray rules and a margin line */
  PHOTO_DARK_RULED,  /* dark rules, as dark as pencil */
  PHOTO_GRAPH,       /* graph paper */
  PHOTO_NOISE,       /* grain */
  PHOTO_TIGHT,       /* cropped to the digit: its longer side touches the image's edges */
  N_PHOTOS
} Photo;

static const char *const photo_names[N_PHOTOS] = {
  "clean", "shadow", "vignette", "frame", "edge lines", "page edge", "ruled", "dark ruled",
  "graph", "noise", "tight crop",
};

/* a side×side gray photo of a dark digit on paper (the digit 55 % of the side, centred, or
 * touching the edges for a tight crop) */
static guint8 *
photo (const float *ink, Photo kind, int side, guint seed)
{
  guint8 *gray = g_malloc ((gsize) side * side);
  /* the fixture's ink is 20 px of 28 on its longer side */
  double box = kind == PHOTO_TIGHT ? side * 28.0 / 20.0 : side * 0.55, o = (side - box) / 2;
  DpRng rng;
  dp_rng_init (&rng, seed);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      {
        double paper = 232, pen = 35;
        if (kind == PHOTO_RULED && (y % 24 < 2 || (x >= side / 8 && x < side / 8 + 2)))
          paper = 165;
        if (kind == PHOTO_DARK_RULED && y % 28 < 2)
          paper = 90;
        if (kind == PHOTO_GRAPH && (y % 16 == 0 || x % 16 == 0))
          paper = 185;
        if (kind == PHOTO_FRAME && x >= 5 && y >= 5 && x < side - 5 && y < side - 5
            && (x < 9 || y < 9 || x >= side - 9 || y >= side - 9))
          paper = 20;
        if (kind == PHOTO_EDGE_LINES && (x < 3 || (y >= side - 12 && y < side - 8)
                                         || (x >= side - 7 && x < side - 4)))
          paper = 30;
        if (kind == PHOTO_PAGE_EDGE && (x >= side - 22 || y < 10))
          paper = 70;
        double a = ink_at (ink, (x + 0.5 - o) * 28 / box, (y + 0.5 - o) * 28 / box);
        double g = paper - (paper - pen) * a;
        if (kind == PHOTO_SHADOW)
          {
            double d = hypot (side - x, side - y) / side;
            g *= d < 0.9 ? 0.4 + 0.6 * (d / 0.9) * (d / 0.9) : 1.0;
          }
        if (kind == PHOTO_VIGNETTE)
          {
            double r = hypot (x - side / 2.0, y - side / 2.0) / (side / 2.0);
            g *= 1 - 0.25 * r * r;
          }
        if (kind == PHOTO_NOISE)
          g += dp_rng_range (&rng, -15, 15);
        gray[(gsize) y * side + x] = (guint8) CLAMP (g + 0.5, 0, 255);
      }
  return gray;
}

/* Every fixture, photographed every way, is read as its digit (but for one in ten at most). */
static void
test_photos (void)
{
  g_autoptr (DpNetwork) net = shipped_model ();
  guint n = n_fixtures ();
  int side = 240;
  gboolean failed = FALSE;
  for (int kind = 0; kind < N_PHOTOS; kind++)
    {
      guint right = 0;
      g_autoptr (GString) wrong = g_string_new (NULL);
      for (guint i = 0; i < n; i++)
        {
          float ink[784], x[784];
          int digit = fixture_ink (i, ink);
          g_autofree guint8 *gray = photo (ink, (Photo) kind, side, i);
          GError *error = NULL;
          if (!dp_preprocess_gray (gray, side, side, side, x, &error))
            {
              g_string_append_printf (wrong, " %d:refused(%s)", digit, error->message);
              g_clear_error (&error);
              continue;
            }
          int got = dp_network_predict (net, x, NULL);
          right += got == digit;
          if (got != digit)
            g_string_append_printf (wrong, " %d→%d", digit, got);
        }
      g_test_message ("%-10s %2u of %u read right%s", photo_names[kind], right, n, wrong->str);
      if (10 * right < 9 * n)
        failed = TRUE;
    }
  if (failed)
    g_test_fail_printf ("a kind of photo was read right less than 9 times in 10");
}

/* ---- files ----------------------------------------------------------------------------------- */

/* a dark digit (fixture i) on white, side × side, RGB */
static GdkPixbuf *
digit_pixbuf (guint i, int side, int *digit)
{
  float ink[784];
  *digit = fixture_ink (i, ink);
  g_autofree guint8 *gray = photo (ink, PHOTO_CLEAN, side, 0);
  GdkPixbuf *pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, side, side);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int rs = gdk_pixbuf_get_rowstride (pb);
  for (int y = 0; y < side; y++)
    for (int x = 0; x < side; x++)
      memset (px + y * rs + x * 3, gray[y * side + x], 3);
  return pb;
}

static GBytes *
read_bytes (const char *path)
{
  char *data;
  gsize len;
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_bytes_new_take (data, len);
}

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

/* an Exif TIFF block holding only Orientation = o */
static GByteArray *
exif_tiff (int o, gboolean big_endian)
{
  GByteArray *b = g_byte_array_new ();
  static const guint8 be[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                               0, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 le[] = { 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
                               0, 0, 0, 0, 0, 0, 0, 0 };
  g_byte_array_append (b, big_endian ? be : le, sizeof be);
  if (big_endian)
    b->data[19] = (guint8) o;
  else
    b->data[18] = (guint8) o;
  return b;
}

/* the stored pixels of an image that is displayed upright after Exif orientation o */
static GdkPixbuf *
stored_for (GdkPixbuf *upright, int o)
{
  /* the inverse of the viewer's transform (see gdk_pixbuf_apply_embedded_orientation) */
  switch (o)
    {
    case 2: return gdk_pixbuf_flip (upright, TRUE);
    case 3: return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 4: return gdk_pixbuf_flip (upright, FALSE);
    case 6: return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    case 8: return gdk_pixbuf_rotate_simple (upright, GDK_PIXBUF_ROTATE_CLOCKWISE);
    case 5:
    case 7:
      {
        g_autoptr (GdkPixbuf) f = gdk_pixbuf_flip (upright, TRUE);
        return gdk_pixbuf_rotate_simple (f, o == 5 ? GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE
                                                   : GDK_PIXBUF_ROTATE_CLOCKWISE);
      }
    default: return g_object_ref (upright);
    }
}

/* saves pb as PNG or JPEG at path with Exif orientation o (a JPEG APP1 segment, a PNG eXIf chunk) */
static void
save_oriented (GdkPixbuf *pb, const char *path, gboolean jpeg, int o)
{
  GError *error = NULL;
  gchar *buf;
  gsize len;
  g_assert_true (gdk_pixbuf_save_to_buffer (pb, &buf, &len, jpeg ? "jpeg" : "png", &error, NULL));
  g_assert_no_error (error);
  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GByteArray) tiff = exif_tiff (o, jpeg);
  if (jpeg)
    {
      /* SOI, then APP1 "Exif\0\0" + TIFF, then the rest */
      guint16 seg = (guint16) (2 + 6 + tiff->len);
      guint8 head[] = { 0xff, 0xd8, 0xff, 0xe1, seg >> 8, seg & 0xff, 'E', 'x', 'i', 'f', 0, 0 };
      g_byte_array_append (out, head, sizeof head);
      g_byte_array_append (out, tiff->data, tiff->len);
      g_byte_array_append (out, (guint8 *) buf + 2, (guint) len - 2);
    }
  else
    {
      /* signature + IHDR (33 bytes), then eXIf, then the rest */
      g_byte_array_append (out, (guint8 *) buf, 33);
      guint8 n[4] = { 0, 0, 0, (guint8) tiff->len };
      g_byte_array_append (out, n, 4);
      g_autoptr (GByteArray) body = g_byte_array_new ();
      g_byte_array_append (body, (const guint8 *) "eXIf", 4);
      g_byte_array_append (body, tiff->data, tiff->len);
      guint32 crc = (guint32) crc32 (0, body->data, body->len);
      guint8 c[4] = { crc >> 24, crc >> 16, crc >> 8, crc };
      g_byte_array_append (out, body->data, body->len);
      g_byte_array_append (out, c, 4);
      g_byte_array_append (out, (guint8 *) buf + 33, (guint) len - 33);
    }
  g_free (buf);
  write_bytes (path, out->data, out->len);
}

static double
max_diff (const float *a, const float *b)
{
  double d = 0;
  for (int i = 0; i < 784; i++)
    d = MAX (d, fabs (a[i] - b[i]));
  return d;
}

/* A photo stored turned, with the Exif orientation that turns it back, reads as the upright
 * one: every orientation in a PNG eXIf chunk, and 3, 6, 8 in a JPEG. */
static void
test_orientation (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autoptr (DpNetwork) net = shipped_model ();
  int digit;
  g_autoptr (GdkPixbuf) upright = digit_pixbuf (22, 160, &digit); /* digit-7-plain */
  for (int jpeg = 0; jpeg < 2; jpeg++)
    {
      g_autofree char *ref_path = g_build_filename (dir, jpeg ? "up.jpg" : "up.png", NULL);
      save_oriented (upright, ref_path, jpeg, 1);
      float ref[784];
      GError *error = NULL;
      g_assert_true (dp_preprocess_image (ref_path, ref, &error));
      g_assert_no_error (error);
      g_assert_cmpint (dp_network_predict (net, ref, NULL), ==, digit);
      for (int o = 2; o <= 8; o++)
        {
          if (jpeg && o != 3 && o != 6 && o != 8)
            continue;
          g_autoptr (GdkPixbuf) stored = stored_for (upright, o);
          g_autofree char *name = g_strdup_printf ("o%d.%s", o, jpeg ? "jpg" : "png");
          g_autofree char *path = g_build_filename (dir, name, NULL);
          save_oriented (stored, path, jpeg, o);
          float x[784];
          g_assert_true (dp_preprocess_image (path, x, &error));
          g_assert_no_error (error);
          double d = max_diff (ref, x);
          int got = dp_network_predict (net, x, NULL);
          g_test_message ("%s: read as %d, largest difference from the upright image %.3f", name,
                          got, d);
          g_assert_cmpint (got, ==, digit);
          /* PNG: the same pixels; JPEG: turned blocks compress a little differently */
          g_assert_cmpfloat (d, <, jpeg ? 0.15 : 1e-6);

          /* what the app shows: upright too */
          g_autoptr (GdkPixbuf) shown = dp_preprocess_load_image (path, 1024, &error);
          g_assert_no_error (error);
          g_assert_cmpint (gdk_pixbuf_get_width (shown), ==, 160);
        }
    }
  dp_test_rmdir (dir);
}

static void
expect_damaged (const char *path)
{
  float x[784];
  GError *error = NULL;
  g_assert_false (dp_preprocess_image (path, x, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_autofree char *base = g_path_get_basename (path);
  dp_test_assert_message (error, base, "truncated or damaged image", NULL);
  g_clear_error (&error);
}

/* A PNG or a JPEG cut anywhere, or a PNG with a damaged chunk, is refused; bytes after the end
 * of a whole image are not a reason to refuse it. */
static void
test_truncated (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  int digit;
  g_autoptr (GdkPixbuf) pb = digit_pixbuf (22, 160, &digit);
  for (int jpeg = 0; jpeg < 2; jpeg++)
    {
      g_autofree char *whole = g_build_filename (dir, jpeg ? "whole.jpg" : "whole.png", NULL);
      g_assert_true (gdk_pixbuf_save (pb, whole, jpeg ? "jpeg" : "png", NULL, NULL));
      g_autoptr (GBytes) bytes = read_bytes (whole);
      gsize len;
      const guint8 *data = g_bytes_get_data (bytes, &len);
      static const int percents[] = { 30, 50, 90, 99 };
      for (guint i = 0; i < G_N_ELEMENTS (percents); i++)
        {
          g_autofree char *name = g_strdup_printf ("cut%d.%s", percents[i], jpeg ? "jpg" : "png");
          g_autofree char *path = g_build_filename (dir, name, NULL);
          write_bytes (path, data, len * percents[i] / 100);
          expect_damaged (path);
        }
      /* trailing bytes after IEND / EOI: a whole image */
      g_autoptr (GByteArray) extra = g_byte_array_new ();
      g_byte_array_append (extra, data, (guint) len);
      g_byte_array_append (extra, (const guint8 *) "trailing junk", 13);
      g_autofree char *tail = g_build_filename (dir, jpeg ? "tail.jpg" : "tail.png", NULL);
      write_bytes (tail, extra->data, extra->len);
      float x[784];
      GError *error = NULL;
      g_assert_true (dp_preprocess_image (tail, x, &error));
      g_assert_no_error (error);
      if (!jpeg)
        {
          /* one byte changed in the middle of the image data */
          extra->data[len / 2] ^= 0x55;
          g_autofree char *bad = g_build_filename (dir, "flipped.png", NULL);
          write_bytes (bad, extra->data, extra->len);
          expect_damaged (bad);
        }
    }
  dp_test_rmdir (dir);
}

/* Ink of one colour on transparency: white ink (a dark-mode app) reads as black ink does. */
static void
test_alpha_ink (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  int digit;
  g_autoptr (GdkPixbuf) pb = digit_pixbuf (22, 120, &digit);
  const guint8 *src = gdk_pixbuf_read_pixels (pb);
  int srs = gdk_pixbuf_get_rowstride (pb);
  float results[2][784];
  for (int white = 0; white < 2; white++)
    {
      g_autoptr (GdkPixbuf) rgba = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 120, 120);
      guint8 *px = gdk_pixbuf_get_pixels (rgba);
      int rs = gdk_pixbuf_get_rowstride (rgba);
      for (int y = 0; y < 120; y++)
        for (int x = 0; x < 120; x++)
          {
            guint8 *p = px + y * rs + x * 4;
            memset (p, white ? 255 : 0, 3);
            p[3] = (guint8) (255 - src[y * srs + x * 3]) * 255 / (255 - 35); /* paper clear */
          }
      g_autofree char *path = g_build_filename (dir, white ? "white.png" : "black.png", NULL);
      g_assert_true (gdk_pixbuf_save (rgba, path, "png", NULL, NULL));
      GError *error = NULL;
      g_assert_true (dp_preprocess_image (path, results[white], &error));
      g_assert_no_error (error);
    }
  g_assert_cmpfloat (max_diff (results[0], results[1]), <, 1e-6);
  g_autoptr (DpNetwork) net = shipped_model ();
  g_assert_cmpint (dp_network_predict (net, results[1], NULL), ==, digit);
  dp_test_rmdir (dir);
}

static void
expect_empty (const guint8 *gray, int w, int h, const char *fragment)
{
  float x[784];
  GError *error = NULL;
  g_assert_false (dp_preprocess_gray (gray, w, h, w, x, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  dp_test_assert_message (error, fragment, NULL);
  g_clear_error (&error);
}

/* Too small to read, too faint to read, and no ink at all are three different answers. */
static void
test_small_faint (void)
{
  guint8 tiny[9] = { 255, 0, 255, 255, 0, 255, 255, 0, 255 };
  expect_empty (tiny, 3, 3, "Too small to read");

  int side = 200;
  g_autofree guint8 *speck = g_malloc (side * side);
  memset (speck, 240, side * side);
  speck[100 * side + 100] = speck[100 * side + 101] = speck[101 * side + 100] = 10;
  expect_empty (speck, side, side, "Too small to read");

  /* a pencil line 20 shades from clean paper: faint, not flat */
  float ink[784];
  fixture_ink (22, ink);
  g_autofree guint8 *faint = photo (ink, PHOTO_CLEAN, side, 0);
  for (int i = 0; i < side * side; i++)
    faint[i] = (guint8) (232 - (232 - faint[i]) * 20 / (232 - 35));
  expect_empty (faint, side, side, "Too faint to read");

  memset (faint, 200, side * side);
  expect_empty (faint, side, side, "No ink");
}

/* WebP (no loader here) is named as such, not as "not an image". */
static void
test_webp (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "photo.webp", NULL);
  static const guint8 webp[] = { 'R', 'I', 'F', 'F', 26, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P',
                                 '8', 'L', 13, 0, 0, 0, 0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0, 0 };
  write_bytes (path, webp, sizeof webp);
  float x[784];
  GError *error = NULL;
  g_assert_false (dp_preprocess_image (path, x, &error));
  g_assert_nonnull (error);
  if (strstr (error->message, "WebP") == NULL)
    g_test_fail_printf ("no word of WebP: %s", error->message);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/image/photos", test_photos);
  g_test_add_func ("/engine/image/orientation", test_orientation);
  g_test_add_func ("/engine/image/truncated", test_truncated);
  g_test_add_func ("/engine/image/alpha-ink", test_alpha_ink);
  g_test_add_func ("/engine/image/small-faint", test_small_faint);
  g_test_add_func ("/engine/image/webp", test_webp);
  return g_test_run ();
}
