/* preprocess.c: the road from strokes (strokes.h) or rasters to the 28×28
 * input, the MNIST way. Strokes are re-rendered with Cairo (no GTK) with a pen width relative to
 * the digit's own size; rasters are inverted if needed, cropped and area-averaged. Both end with
 * the ink's longer side at 20 px and the centre of mass at pixel (14, 14) counting from 0, to a
 * few hundredths of a pixel (the translation is part of the rendering, never a resampling).
 *
 * Coordinates: a pixel i covers [i, i + 1) in Cairo's space, so "pixel 14" is 14.5 there; the
 * centre of mass is measured on pixel indices, as MNIST's (mean 14.00, s.d. 0.29 px). */
#include "engine/preprocess.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "engine/error.h"

#define SIDE      28
#define BOX       20.0   /* the longer side of the ink, px */
#define CENTRE    14.0   /* centre of mass, pixel index */
#define MAX_DECODE_MPX 50      /* a PNG (…) larger than this many megapixels is refused */
#define MAX_GRAY_PIXELS (G_MAXINT / 2) /* dp_preprocess_gray: sizes must not overflow */
#define MAX_SIDE  2048   /* images are decoded at most this large on the longer side */

/* ---- strokes → 28×28 ---------------------------------------------------------------------- */

typedef struct
{
  double x0, y0, x1, y1;
} Box;

static void
box_add (Box *b, double x, double y)
{
  b->x0 = MIN (b->x0, x);
  b->y0 = MIN (b->y0, y);
  b->x1 = MAX (b->x1, x);
  b->y1 = MAX (b->y1, y);
}

/* the extremum of a quadratic Bézier a→c (control q) along one axis, if inside (0, 1) */
static gboolean
quad_extremum (double a, double q, double c, double *t)
{
  double den = a - 2 * q + c;
  if (fabs (den) < 1e-12)
    return FALSE;
  *t = (a - q) / den;
  return *t > 0 && *t < 1;
}

static double
quad_at (double a, double q, double c, double t)
{
  return (1 - t) * (1 - t) * a + 2 * (1 - t) * t * q + t * t * c;
}

/* The tight box of the centre line, from the one walk every consumer uses (strokes.h): the end
 * points of each piece and the extremes of its quadratic. */
typedef struct
{
  Box box;
  double x, y; /* the current point */
} Measure;

static void
measure_sink (gpointer data, DpPathOp op, const double *pts, float pressure)
{
  Measure *m = data;
  double t;

  if (op == DP_PATH_QUAD_TO)
    {
      double qx = pts[0], qy = pts[1], ex = pts[2], ey = pts[3];
      if (quad_extremum (m->x, qx, ex, &t))
        box_add (&m->box, quad_at (m->x, qx, ex, t), m->y);
      if (quad_extremum (m->y, qy, ey, &t))
        box_add (&m->box, m->x, quad_at (m->y, qy, ey, t));
      m->x = ex, m->y = ey;
    }
  else
    m->x = pts[0], m->y = pts[1];
  box_add (&m->box, m->x, m->y);
}

/* MNIST's stroke thickness in the 20 px box, measured on its 60000 training digits as ink mass /
 * skeleton length: 2.84 px on average, thicker for digits with a short skeleton ('1': 3.3 px,
 * 18.7 px of skeleton) than for long ones ('8': 2.5 px, 49 px). Writers used one pen whatever
 * they wrote, so a digit with a short line was scaled up more. */
double
dp_preprocess_pen_width (double skeleton_px)
{
  return CLAMP (3.55 - 0.021 * skeleton_px, 2.4, 3.3);
}

/* Sums and centre of mass (pixel indices) of an 8-bit raster. */
static double
mass_centre (const guint8 *buf, int stride, double *cx, double *cy)
{
  double m = 0, sx = 0, sy = 0;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        double v = buf[y * stride + x];
        m += v;
        sx += v * x;
        sy += v * y;
      }
  if (m > 0)
    {
      *cx = sx / m;
      *cy = sy / m;
    }
  return m;
}

gboolean
dp_preprocess_strokes (const DpStrokes *strokes, float *out, GError **error)
{
  g_return_val_if_fail (strokes != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (dp_strokes_is_empty (strokes))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "Nothing drawn: no ink");
      return FALSE;
    }

  Measure measure = { { INFINITY, INFINITY, -INFINITY, -INFINITY }, 0, 0 };
  double length = 0;
  dp_strokes_walk (strokes, measure_sink, &measure);
  for (guint i = 0; i < dp_strokes_get_n_strokes (strokes); i++)
    length += dp_strokes_get_length (strokes, i);
  Box box = measure.box;
  if (!isfinite (box.x0) || !isfinite (box.x1) || !isfinite (box.y0) || !isfinite (box.y1)
      || !isfinite (length))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Strokes hold a non-finite coordinate");
      return FALSE;
    }
  double size = MAX (box.x1 - box.x0, box.y1 - box.y0);

  /* The ink's longer side is the centre line's plus one pen width (round caps); the pen itself
   * depends on the line length in final pixels, so settle the two together (converges at once,
   * the pen depends weakly on the scale). A dot has no size: it gets the pen alone. */
  double pen = dp_preprocess_pen_width (40), scale = 0;
  if (size > 1e-9)
    for (int it = 0; it < 3; it++)
      {
        scale = (BOX - pen) / size;
        pen = dp_preprocess_pen_width (length * scale);
      }

  guint8 buf[SIDE * SIDE]; /* (28, 28) A8, stride 28 (already a multiple of 4) */
  cairo_surface_t *surface = cairo_image_surface_create_for_data (buf, CAIRO_FORMAT_A8, SIDE, SIDE,
                                                                  SIDE);
  /* the box centre at the image centre first, then shifted so the centre of mass lands */
  double tx = CENTRE + 0.5, ty = CENTRE + 0.5;
  double bcx = 0.5 * (box.x0 + box.x1), bcy = 0.5 * (box.y0 + box.y1);
  double mass = 0;
  for (int it = 0; it < 4; it++)
    {
      memset (buf, 0, sizeof buf);
      cairo_surface_mark_dirty (surface);
      cairo_t *cr = cairo_create (surface);
      cairo_set_antialias (cr, CAIRO_ANTIALIAS_GOOD);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_translate (cr, tx, ty);
      cairo_new_path (cr);
      /* the path is built in digit units around the box centre, then the pen is set in pixels */
      cairo_save (cr);
      cairo_scale (cr, size > 1e-9 ? scale : 1.0, size > 1e-9 ? scale : 1.0);
      cairo_translate (cr, -bcx, -bcy);
      dp_strokes_append_path (strokes, cr, 1.0);
      cairo_restore (cr); /* the path stays in device space; the pen width is now in pixels */
      cairo_set_line_width (cr, pen);
      cairo_set_source_rgba (cr, 0, 0, 0, 1);
      cairo_stroke (cr);
      cairo_destroy (cr);
      cairo_surface_flush (surface);

      double cx = CENTRE, cy = CENTRE;
      mass = mass_centre (buf, SIDE, &cx, &cy);
      if (mass <= 0)
        break;
      double dx = CENTRE - cx, dy = CENTRE - cy;
      if (fabs (dx) < 0.01 && fabs (dy) < 0.01)
        break;
      tx += dx;
      ty += dy;
    }
  cairo_surface_destroy (surface);

  if (mass <= 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "Nothing drawn: no ink");
      return FALSE;
    }
  for (int i = 0; i < SIDE * SIDE; i++)
    out[i] = buf[i] * (1.0f / 255.0f);
  return TRUE;
}

/* ---- rasters → 28×28 ----------------------------------------------------------------------- */

/* 1-D resampling weights from n source pixels to SIDE destination pixels, for the map
 * dst = src · s + off (coordinates in pixel edges). Downscaling integrates the source over each
 * destination pixel (area averaging, the antialiasing MNIST's own downscale had); upscaling
 * interpolates linearly between source pixel centres. Outside the source is 0. */
typedef struct
{
  int first[SIDE], count[SIDE]; /* source range of each destination pixel */
  float *w;                     /* (SIDE, max_count) */
  int max_count;
} Weights;

static void
weights_build (Weights *W, int n, double s, double off)
{
  W->max_count = (int) ceil (1.0 / MIN (s, 1.0)) + 2;
  W->w = g_new0 (float, (gsize) SIDE * W->max_count);
  for (int o = 0; o < SIDE; o++)
    {
      float *w = W->w + (gsize) o * W->max_count;
      W->first[o] = 0;
      W->count[o] = 0;
      if (s <= 1.0)
        {
          double a = (o - off) / s, b = (o + 1 - off) / s; /* source span of pixel o */
          int j0 = MAX (0, (int) floor (a)), j1 = MIN (n, (int) ceil (b));
          if (j1 <= j0)
            continue;
          W->first[o] = j0;
          W->count[o] = MIN (j1 - j0, W->max_count);
          for (int k = 0; k < W->count[o]; k++)
            {
              int j = j0 + k;
              double ov = MIN (b, j + 1.0) - MAX (a, (double) j);
              w[k] = (float) (MAX (ov, 0.0) * s);
            }
        }
      else
        {
          /* linear between source pixel centres (clamped at the edges), times the part of the
           * destination pixel that the source covers: the ink ends where the source does */
          double cover = MIN (o + 1.0, off + n * s) - MAX ((double) o, off);
          if (cover <= 0)
            continue;
          cover = MIN (cover, 1.0);
          double c = CLAMP ((o + 0.5 - off) / s - 0.5, 0.0, n - 1.0);
          int j = MIN ((int) floor (c), n - 1);
          double f = c - j;
          W->first[o] = j;
          W->count[o] = j + 1 < n ? 2 : 1;
          w[0] = (float) ((1 - f) * cover);
          if (W->count[o] == 2)
            w[1] = (float) (f * cover);
        }
    }
}

/* ink (h, w) row-major → out (28, 28): rows then columns */
static void
resample (const float *ink, int w, int h, double s, double offx, double offy, float *out)
{
  Weights WX, WY;
  weights_build (&WX, w, s, offx);
  weights_build (&WY, h, s, offy);
  float *tmp = g_new0 (float, (gsize) h * SIDE); /* (h, 28): every row resampled along x */
  for (int y = 0; y < h; y++)
    {
      const float *row = ink + (gsize) y * w;
      for (int o = 0; o < SIDE; o++)
        {
          const float *wx = WX.w + (gsize) o * WX.max_count;
          float acc = 0;
          for (int k = 0; k < WX.count[o]; k++)
            acc += wx[k] * row[WX.first[o] + k];
          tmp[(gsize) y * SIDE + o] = acc;
        }
    }
  for (int o = 0; o < SIDE; o++)
    {
      const float *wy = WY.w + (gsize) o * WY.max_count;
      for (int x = 0; x < SIDE; x++)
        {
          float acc = 0;
          for (int k = 0; k < WY.count[o]; k++)
            acc += wy[k] * tmp[(gsize) (WY.first[o] + k) * SIDE + x];
          out[o * SIDE + x] = CLAMP (acc, 0.0f, 1.0f);
        }
    }
  g_free (tmp);
  g_free (WX.w);
  g_free (WY.w);
}

static int
cmp_u8 (const void *a, const void *b)
{
  return (int) *(const guint8 *) a - (int) *(const guint8 *) b;
}

gboolean
dp_preprocess_gray (const guint8 *gray, int width, int height, int stride, float *out,
                    GError **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (gray == NULL || width <= 0 || height <= 0 || stride < width
      || (gsize) width * height > MAX_GRAY_PIXELS)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Invalid image: %d×%d pixels, stride %d",
                   width, height, stride);
      return FALSE;
    }

  /* The background is the border's median shade (a digit rarely fills its own frame): a light
   * border means dark ink, to be inverted. */
  gsize n_border = width == 1 || height == 1 ? (gsize) width * height
                                             : 2 * (gsize) width + 2 * (gsize) (height - 2);
  g_autofree guint8 *border = g_new (guint8, n_border);
  gsize k = 0;
  for (int x = 0; x < width && k < n_border; x++)
    border[k++] = gray[x];
  for (int x = 0; x < width && k < n_border && height > 1; x++)
    border[k++] = gray[(gsize) (height - 1) * stride + x];
  for (int y = 1; y + 1 < height && k < n_border; y++)
    {
      border[k++] = gray[(gsize) y * stride];
      if (width > 1 && k < n_border)
        border[k++] = gray[(gsize) y * stride + width - 1];
    }
  qsort (border, k, 1, cmp_u8);
  int bg = border[k / 2];
  gboolean dark_ink = bg >= 128;

  /* ink strength 0..255 relative to the background, and its peak */
  int peak = 0;
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = gray + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          int v = dark_ink ? bg - row[x] : row[x] - bg;
          peak = MAX (peak, v);
        }
    }
  /* an all-white, all-black or flat image, or one whose "ink" is faint noise */
  if (peak < 32)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY,
                   "No ink: the image is one flat shade (%d×%d pixels)", width, height);
      return FALSE;
    }

  /* Flat background noise (JPEG ringing, paper grain) goes to 0: the threshold sits above what
   * the border shows (its 95th percentile of ink-ward deviation), at most half the ink's
   * contrast; the rest is stretched to 0..1 so that faint pencil still reaches full ink. A clean
   * image (MNIST's own) is left nearly as it is. Crop on the way. */
  for (gsize i = 0; i < k; i++)
    border[i] = (guint8) MAX (0, dark_ink ? bg - border[i] : border[i] - bg);
  qsort (border, k, 1, cmp_u8);
  double t = MIN (1.25 * border[(k * 95) / 100] + 3, 0.5 * peak);
  int x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (int y = 0; y < height; y++)
    {
      const guint8 *row = gray + (gsize) y * stride;
      for (int x = 0; x < width; x++)
        {
          int v = dark_ink ? bg - row[x] : row[x] - bg;
          if (v > t)
            {
              x0 = MIN (x0, x), x1 = MAX (x1, x);
              y0 = MIN (y0, y), y1 = MAX (y1, y);
            }
        }
    }
  int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  g_autofree float *ink = g_new (float, (gsize) cw * ch); /* (ch, cw), 0..1 */
  double m = 0, sx = 0, sy = 0;
  for (int y = 0; y < ch; y++)
    {
      const guint8 *row = gray + (gsize) (y + y0) * stride + x0;
      for (int x = 0; x < cw; x++)
        {
          int v = dark_ink ? bg - row[x] : row[x] - bg;
          float f = v > t ? (float) ((v - t) / (peak - t)) : 0.0f;
          ink[(gsize) y * cw + x] = f;
          m += f, sx += f * (x + 0.5), sy += f * (y + 0.5);
        }
    }

  /* fit the longer side to 20 px, then put the continuous centre of mass at 14.5 (pixel 14's
   * centre); the discrete one is measured on the result and corrected, as for strokes */
  double s = BOX / MAX (cw, ch);
  double offx = CENTRE + 0.5 - s * sx / m, offy = CENTRE + 0.5 - s * sy / m;
  for (int it = 0; it < 3; it++)
    {
      resample (ink, cw, ch, s, offx, offy, out);
      double om = 0, ox = 0, oy = 0;
      for (int i = 0; i < SIDE * SIDE; i++)
        om += out[i], ox += out[i] * (i % SIDE), oy += out[i] * (i / SIDE);
      if (om <= 0)
        {
          g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "No ink left after scaling the image");
          return FALSE;
        }
      double dx = CENTRE - ox / om, dy = CENTRE - oy / om;
      if (fabs (dx) < 0.01 && fabs (dy) < 0.01)
        break;
      offx += dx, offy += dy;
    }
  return TRUE;
}

gboolean
dp_preprocess_image (const char *path, float *out, GError **error)
{
  g_return_val_if_fail (path != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autofree char *name = g_filename_display_name (path);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: %s", name, g_strerror (e));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: not a regular file", name);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: empty file (0 bytes), not an image",
                   name);
      return FALSE;
    }

  /* The header alone: the format and the size, before anything is decoded. */
  int w = 0, h = 0;
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &w, &h);
  if (format == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: not an image (no image format recognises its contents)", name);
      return FALSE;
    }
  g_autofree char *fmt = gdk_pixbuf_format_get_name (format);
  if (w <= 0 || h <= 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: not an image (%s with size %d×%d)",
                   name, fmt, w, h);
      return FALSE;
    }
  /* JPEG decodes straight to a reduced size; PNG and the others decode at full size and scale
   * afterwards, so a huge one is refused before it can take gigabytes. */
  gboolean scales_while_decoding = g_strcmp0 (fmt, "jpeg") == 0;
  if (!scales_while_decoding && (double) w * h > MAX_DECODE_MPX * 1e6)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: image too large (%d×%d pixels; at most %d megapixels)", name, w, h,
                   MAX_DECODE_MPX);
      return FALSE;
    }
  int tw = w, th = h;
  if (MAX (w, h) > MAX_SIDE)
    {
      double f = (double) MAX_SIDE / MAX (w, h);
      tw = MAX (1, (int) round (w * f));
      th = MAX (1, (int) round (h * f));
    }

  GError *local = NULL;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file_at_scale (path, tw, th, FALSE, &local);
  if (pixbuf == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: cannot decode the image (%s)", name,
                   local ? local->message : "unknown error");
      g_clear_error (&local);
      return FALSE;
    }

  int pw = gdk_pixbuf_get_width (pixbuf), ph = gdk_pixbuf_get_height (pixbuf);
  int rs = gdk_pixbuf_get_rowstride (pixbuf), nc = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *px = gdk_pixbuf_read_pixels (pixbuf);
  g_autofree guint8 *gray = g_new (guint8, (gsize) pw * ph); /* (ph, pw) */
  for (int y = 0; y < ph; y++)
    for (int x = 0; x < pw; x++)
      {
        const guint8 *p = px + (gsize) y * rs + (gsize) x * nc;
        /* Rec. 601 luma; a transparent pixel is paper (white) */
        double l = nc >= 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
        if (alpha)
          l = (l * p[nc - 1] + 255.0 * (255 - p[nc - 1])) / 255.0;
        gray[(gsize) y * pw + x] = (guint8) CLAMP (l + 0.5, 0, 255);
      }

  if (!dp_preprocess_gray (gray, pw, ph, pw, out, &local))
    {
      g_set_error (error, DP_ERROR, local->code, "%s: %s", name, local->message);
      g_clear_error (&local);
      return FALSE;
    }
  return TRUE;
}
