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
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "engine/error.h"
#include "engine/file-util.h"

#define SIDE      28
#define BOX       20.0   /* the longer side of the ink, px */
#define CENTRE    14.0   /* centre of mass, pixel index */
#define MAX_DECODE_MPX 50      /* a PNG (…) larger than this many megapixels is refused */
#define MAX_GRAY_PIXELS (G_MAXINT / 2) /* dp_preprocess_gray: sizes must not overflow */
#define MAX_SIDE  2048   /* images are decoded at most this large on the longer side */
#define MAX_IMAGE_BYTES ((gsize) 256 << 20) /* an image file larger than this is not read */
#define MIN_SIDE  8      /* an image smaller than this on both sides is too small to read */
#define MIN_INK   4      /* ink smaller than this on both sides (in a larger image) is a speck */
#define FLAT_INK  6      /* ink contrast below this: one flat shade */
#define PAPER_REACH 2      /* the paper map takes the lightest block within 2 blocks */
#define FAINT_INK 32     /* below this (and clear of the noise): too faint to read */

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

/* value at quantile q (0..1) of a 256-bin histogram of n values */
static int
hist_quantile (const guint32 *hist, gsize n, double q)
{
  gsize want = (gsize) (q * (double) (n - 1)), seen = 0;
  for (int v = 0; v < 256; v++)
    {
      seen += hist[v];
      if (seen > want)
        return v;
    }
  return 255;
}

/* The paper's shade around each pixel, v (h, w) holding ink darker than paper: the 80th
 * percentile of blocks of about 1/12 of the image, the lightest of each 3×3 blocks (a block
 * inside a thick stroke takes its neighbours' paper), averaged over 3×3 blocks and interpolated
 * between block centres. A shadow, a vignette or uneven light moves the paper with it; a stroke
 * narrower than about two blocks does not. Returns (h, w). */
static guint8 *
paper_map (const guint8 *v, int w, int h)
{
  int B = MAX (4, (MAX (w, h) + 11) / 12);
  int nx = (w + B - 1) / B, ny = (h + B - 1) / B;
  g_autofree float *blk = g_new (float, (gsize) nx * ny);
  g_autofree float *tmp = g_new (float, (gsize) nx * ny);
  for (int by = 0; by < ny; by++)
    for (int bx = 0; bx < nx; bx++)
      {
        guint32 hist[256] = { 0 };
        gsize n = 0;
        for (int y = by * B; y < MIN (h, (by + 1) * B); y++)
          for (int x = bx * B; x < MIN (w, (bx + 1) * B); x++, n++)
            hist[v[(gsize) y * w + x]]++;
        blk[by * nx + bx] = (float) hist_quantile (hist, n, 0.8);
      }
  for (int pass = 0; pass < 2; pass++)
    {
      const float *src = pass == 0 ? blk : tmp;
      float *dst = pass == 0 ? tmp : blk;
      for (int by = 0; by < ny; by++)
        for (int bx = 0; bx < nx; bx++)
          {
            float acc = 0.0f;
            int k = 0, r = pass == 0 ? PAPER_REACH : 1;
            for (int dy = -r; dy <= r; dy++)
              for (int dx = -r; dx <= r; dx++)
                {
                  int yy = by + dy, xx = bx + dx;
                  if (yy < 0 || yy >= ny || xx < 0 || xx >= nx)
                    continue;
                  float b = src[yy * nx + xx];
                  acc = pass == 0 ? MAX (acc, b) : acc + b; /* lightest, then the mean */
                  k++;
                }
            dst[by * nx + bx] = pass == 0 ? acc : acc / k;
          }
    }
  guint8 *paper = g_new (guint8, (gsize) w * h);
  for (int y = 0; y < h; y++)
    {
      double fy = CLAMP ((y + 0.5) / B - 0.5, 0.0, ny - 1.0);
      int y0 = (int) fy, y1 = MIN (y0 + 1, ny - 1);
      double ty = fy - y0;
      for (int x = 0; x < w; x++)
        {
          double fx = CLAMP ((x + 0.5) / B - 0.5, 0.0, nx - 1.0);
          int x0 = (int) fx, x1 = MIN (x0 + 1, nx - 1);
          double tx = fx - x0;
          double p = (1 - ty) * ((1 - tx) * blk[y0 * nx + x0] + tx * blk[y0 * nx + x1])
                     + ty * ((1 - tx) * blk[y1 * nx + x0] + tx * blk[y1 * nx + x1]);
          paper[(gsize) y * w + x] = (guint8) CLAMP (p + 0.5, 0, 255);
        }
    }
  return paper;
}

/* Ruled and graph paper, a frame: thin bands of rows (columns) that are ink across 3/4 of the
 * image are lines, not the digit; a stroke that crosses one keeps its pixels there. */
static void
remove_lines (guint8 *mask, int w, int h)
{
  for (int axis = 0; axis < 2; axis++)
    {
      /* axis 0: rows (length w, count h); axis 1: columns */
      int len = axis == 0 ? w : h, count = axis == 0 ? h : w;
      gsize step = axis == 0 ? 1 : (gsize) w, next = axis == 0 ? (gsize) w : 1;
      int max_band = MAX (2, count / 25);
      g_autofree gboolean *line = g_new0 (gboolean, count);
      for (int i = 0; i < count; i++)
        {
          int n = 0;
          for (int j = 0; j < len; j++)
            n += mask[i * next + j * step] != 0;
          line[i] = n >= 3 * len / 4;
        }
      for (int i = 0; i < count;)
        {
          if (!line[i])
            {
              i++;
              continue;
            }
          int end = i;
          while (end < count && line[end])
            end++;
          if (end - i <= max_band && len >= 16)
            for (int j = 0; j < len; j++)
              {
                gboolean crossed = i > 0 && end < count && mask[(i - 1) * next + j * step] == 1
                                   && mask[end * next + j * step] == 1;
                if (!crossed)
                  for (int k = i; k < end; k++)
                    mask[k * next + j * step] = 2; /* cleared after both axes */
              }
          i = end;
        }
    }
  for (gsize i = 0; i < (gsize) w * h; i++)
    if (mask[i] == 2)
      mask[i] = 0;
}

/* Ink that touches the image's edge and stays by it (a line along the edge, the page's edge,
 * the table beyond it, a shadow's corner) is dropped when there is ink away from the edge: a
 * part that runs along half a side or more, or that keeps within the outer fifth of the image.
 * A digit cut by a tight crop reaches into the image and is kept. 8-connected components. */
typedef struct
{
  int x0, y0, x1, y1;
  gsize size;
  int on_side[4]; /* its pixels on the top, bottom, left and right rows/columns */
} Component;

static void
drop_border_components (guint8 *mask, int w, int h)
{
  gsize n = (gsize) w * h;
  g_autofree gint32 *label = g_new0 (gint32, n);
  g_autofree gint32 *stack = g_new (gint32, n);
  g_autoptr (GArray) comps = g_array_new (FALSE, TRUE, sizeof (Component));
  g_array_set_size (comps, 1); /* label 0: background */
  gsize inner = 0, outer = 0;
  for (gsize start = 0; start < n; start++)
    {
      if (!mask[start] || label[start])
        continue;
      gint32 id = (gint32) comps->len;
      Component c = { w, h, -1, -1, 0, { 0, 0, 0, 0 } };
      gsize top = 0;
      stack[top++] = (gint32) start;
      label[start] = id;
      while (top > 0)
        {
          gsize i = (gsize) stack[--top];
          int x = (int) (i % w), y = (int) (i / w);
          c.size++;
          c.x0 = MIN (c.x0, x), c.x1 = MAX (c.x1, x), c.y0 = MIN (c.y0, y), c.y1 = MAX (c.y1, y);
          c.on_side[0] += y == 0, c.on_side[1] += y == h - 1;
          c.on_side[2] += x == 0, c.on_side[3] += x == w - 1;
          for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
              {
                int xx = x + dx, yy = y + dy;
                if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                  continue;
                gsize j = (gsize) yy * w + xx;
                if (mask[j] && !label[j])
                  {
                    label[j] = id;
                    stack[top++] = (gint32) j;
                  }
              }
        }
      gboolean edge = c.on_side[0] || c.on_side[1] || c.on_side[2] || c.on_side[3];
      g_array_append_val (comps, c);
      *(edge ? &outer : &inner) += c.size;
    }
  g_autofree gboolean *drop = g_new0 (gboolean, comps->len);
  gboolean any = FALSE;
  for (guint i = 1; i < comps->len && 16 * inner >= outer && inner > 0; i++)
    {
      const Component *c = &g_array_index (comps, Component, i);
      gboolean along = 2 * c->on_side[0] >= w || 2 * c->on_side[1] >= w
                       || 2 * c->on_side[2] >= h || 2 * c->on_side[3] >= h;
      gboolean by_edge = 5 * (c->x1 + 1) <= w || 5 * c->x0 >= 4 * w || 5 * (c->y1 + 1) <= h
                         || 5 * c->y0 >= 4 * h;
      gboolean edge = c->on_side[0] || c->on_side[1] || c->on_side[2] || c->on_side[3];
      drop[i] = edge && (along || by_edge);
      any |= drop[i];
    }
  if (!any)
    return;
  for (gsize i = 0; i < n; i++)
    if (mask[i] && drop[label[i]])
      mask[i] = 0;
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
  if (MAX (width, height) < MIN_SIDE)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "Too small to read: %d×%d pixels (a digit "
                   "needs at least %d pixels on its longer side)", width, height, MIN_SIDE);
      return FALSE;
    }
  gsize n = (gsize) width * height;

  /* Dark ink on light paper or the reverse. Two votes, each against the midpoint of the
   * image's extremes (so dim paper in a dark photo still has dark ink): the image's median
   * shade (ink is the smaller part of a page, even when a table or a shadow fills the border)
   * and the border's median (a digit rarely fills its own frame, but a tight crop of a bold one
   * does). When they disagree: a border split in halves (a table along two edges) leaves it to
   * the median; otherwise a light border is paper and a dark one a board or a screen. */
  guint32 hist[256] = { 0 };
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      hist[gray[(gsize) y * stride + x]]++;
  int darkest = hist_quantile (hist, n, 0.002), lightest = hist_quantile (hist, n, 0.998);
  double mid = 0.5 * (darkest + lightest);
  gsize n_border = 0;
  g_autofree guint8 *border = g_new (guint8, 2 * ((gsize) width + height));
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x += (y == 0 || y == height - 1) ? 1 : MAX (width - 1, 1))
      border[n_border++] = gray[(gsize) y * stride + x];
  qsort (border, n_border, 1, cmp_u8);
  int border_bg = border[n_border / 2];
  gboolean by_border = border_bg >= mid, by_majority = hist_quantile (hist, n, 0.5) >= mid;
  gsize across = 0; /* border pixels on the other side of the midpoint */
  for (gsize i = 0; i < n_border; i++)
    across += (border[i] >= mid) != by_border;
  gboolean dark_ink = by_border == by_majority ? by_border
                      : 20 * across >= 9 * n_border ? by_majority : border_bg >= 128;

  /* v: the image with the ink darker than the paper; s: the ink's strength over the local
   * paper (shadows, vignettes and uneven light are paper) */
  g_autofree guint8 *v = g_new (guint8, n);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 g = gray[(gsize) y * stride + x];
        v[(gsize) y * width + x] = dark_ink ? g : 255 - g;
      }
  g_autofree guint8 *paper = paper_map (v, width, height);
  g_autofree guint8 *s = g_new (guint8, n);
  int peak = 0;
  for (gsize i = 0; i < n; i++)
    {
      s[i] = (guint8) MAX (0, (int) paper[i] - (int) v[i]);
      peak = MAX (peak, s[i]);
    }

  /* Flat background noise (JPEG ringing, paper grain) goes to 0: the threshold sits above what
   * the border shows (its 95th percentile of ink strength), at most half the ink's contrast */
  gsize k = 0;
  for (int x = 0; x < width; x++)
    border[k++] = s[x], border[k++] = s[(gsize) (height - 1) * width + x];
  for (int y = 1; y + 1 < height; y++)
    border[k++] = s[(gsize) y * width], border[k++] = s[(gsize) y * width + width - 1];
  qsort (border, k, 1, cmp_u8);
  int noise = border[(k * 95) / 100];
  if (peak < FAINT_INK)
    {
      /* an all-white, all-black or flat image, or faint noise; or a drawing too faint */
      if (peak >= FLAT_INK && peak > 2 * noise + 4)
        g_set_error (error, DP_ERROR, DP_ERROR_EMPTY,
                     "Too faint to read: the ink is only %d of 255 shades away from the paper "
                     "(%d×%d pixels); darken it, or take the photo with more light", peak,
                     width, height);
      else
        g_set_error (error, DP_ERROR, DP_ERROR_EMPTY,
                     "No ink: the image is one flat shade (%d×%d pixels)", width, height);
      return FALSE;
    }
  double t = MIN (1.25 * noise + 3, 0.5 * peak);

  /* what is ink, less lines across the page and what hangs on the image's edge */
  g_autofree guint8 *mask = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    mask[i] = s[i] > t;
  remove_lines (mask, width, height);
  drop_border_components (mask, width, height);
  int x0 = width, y0 = height, x1 = -1, y1 = -1, kept_peak = 0;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      if (mask[(gsize) y * width + x])
        {
          x0 = MIN (x0, x), x1 = MAX (x1, x);
          y0 = MIN (y0, y), y1 = MAX (y1, y);
          kept_peak = MAX (kept_peak, s[(gsize) y * width + x]);
        }
  if (x1 < 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY,
                   "No ink: only lines across the page (%d×%d pixels)", width, height);
      return FALSE;
    }
  int cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  if (MAX (cw, ch) < MIN_INK && MAX (width, height) > 2 * MIN_INK)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "Too small to read: the ink is a speck of "
                   "%d×%d pixels in a %d×%d image; crop the photo closer to the digit", cw, ch,
                   width, height);
      return FALSE;
    }

  /* the rest is stretched to 0..1 so that faint pencil still reaches full ink; a clean image
   * (MNIST's own) is left nearly as it is. Crop on the way. */
  g_autofree float *ink = g_new (float, (gsize) cw * ch); /* (ch, cw), 0..1 */
  double m = 0, sx = 0, sy = 0;
  for (int y = 0; y < ch; y++)
    for (int x = 0; x < cw; x++)
      {
        gsize i = (gsize) (y + y0) * width + x + x0;
        float f = mask[i] ? (float) ((s[i] - t) / MAX (kept_peak - t, 1.0)) : 0.0f;
        ink[(gsize) y * cw + x] = f;
        m += f, sx += f * (x + 0.5), sy += f * (y + 0.5);
      }

  /* fit the longer side to 20 px, then put the continuous centre of mass at 14.5 (pixel 14's
   * centre); the discrete one is measured on the result and corrected, as for strokes */
  double scale = BOX / MAX (cw, ch);
  double offx = CENTRE + 0.5 - scale * sx / m, offy = CENTRE + 0.5 - scale * sy / m;
  for (int it = 0; it < 3; it++)
    {
      resample (ink, cw, ch, scale, offx, offy, out);
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

/* ---- image files: checked whole, turned upright --------------------------------------------- */

static guint32
rd32 (const guint8 *p, gboolean be)
{
  return be ? (guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
            : (guint32) p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

static guint16
rd16 (const guint8 *p, gboolean be)
{
  return be ? (guint16) (p[0] << 8 | p[1]) : (guint16) (p[1] << 8 | p[0]);
}

/* The Orientation tag (0x0112) of an Exif TIFF block's first directory: 1 to 8, 1 without one */
static int
exif_orientation (const guint8 *tiff, gsize len)
{
  if (len < 8 || (memcmp (tiff, "MM\0*", 4) != 0 && memcmp (tiff, "II*\0", 4) != 0))
    return 1;
  gboolean be = tiff[0] == 'M';
  guint32 ifd = rd32 (tiff + 4, be);
  if (ifd > len - 2)
    return 1;
  int n = rd16 (tiff + ifd, be);
  for (int i = 0; i < n && ifd + 2 + 12 * (gsize) (i + 1) <= len; i++)
    {
      const guint8 *e = tiff + ifd + 2 + 12 * i;
      if (rd16 (e, be) == 0x0112 && rd16 (e + 2, be) == 3)
        {
          int o = rd16 (e + 8, be);
          return o >= 1 && o <= 8 ? o : 1;
        }
    }
  return 1;
}

/* A PNG must be whole: every chunk complete with its CRC right, up to IEND (gdk-pixbuf draws
 * a cut PNG's missing rows as blank without a word). Reads the eXIf chunk's orientation. */
static const char *
check_png (const guint8 *d, gsize len, int *orientation)
{
  gsize p = 8;
  while (p + 12 <= len)
    {
      guint32 n = rd32 (d + p, TRUE);
      if (n > len - p - 12)
        return "the PNG is cut short";
      const guint8 *type = d + p + 4;
      guint32 crc = (guint32) crc32 (0, type, n + 4);
      if (crc != rd32 (d + p + 8 + n, TRUE))
        return memcmp (type, "IEND", 4) == 0 || p + 12 + n < len ? "a PNG chunk is damaged (its CRC is wrong)"
                                                               : "the PNG is cut short";
      if (memcmp (type, "eXIf", 4) == 0)
        *orientation = exif_orientation (d + p + 8, n);
      if (memcmp (type, "IEND", 4) == 0)
        return NULL;
      p += 12 + (gsize) n;
    }
  return "the PNG is cut short (no IEND chunk)";
}

/* A JPEG must reach its end-of-image marker after its scans (gdk-pixbuf shows a cut JPEG's
 * missing part as gray without a word). */
static const char *
check_jpeg (const guint8 *d, gsize len)
{
  gsize p = 2;
  gboolean in_scan = FALSE;
  while (p + 1 < len)
    {
      if (in_scan)
        {
          /* entropy-coded data: FF 00 is a stuffed byte, FF D0–D7 a restart, FF FF fill */
          if (d[p] != 0xff || d[p + 1] == 0x00 || (d[p + 1] >= 0xd0 && d[p + 1] <= 0xd7)
              || d[p + 1] == 0xff)
            {
              p++;
              continue;
            }
          in_scan = FALSE;
        }
      if (d[p] != 0xff)
        return "a JPEG segment is damaged";
      guint8 marker = d[p + 1];
      if (marker == 0xff)
        {
          p++;
          continue;
        }
      if (marker == 0xd9)
        return NULL;
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        {
          p += 2;
          continue;
        }
      if (p + 4 > len)
        break;
      gsize seg = (gsize) d[p + 2] << 8 | d[p + 3];
      if (seg < 2)
        return "a JPEG segment is damaged";
      p += 2 + seg;
      in_scan = marker == 0xda;
    }
  return "the JPEG is cut short (no end-of-image marker)";
}

/* formats people have that gdk-pixbuf here does not read: a clear word rather than "not an image" */
static const char *
unsupported_format (const guint8 *d, gsize len)
{
  if (len >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return "WebP";
  if (len >= 12 && memcmp (d + 4, "ftyp", 4) == 0)
    {
      if (memcmp (d + 8, "avif", 4) == 0 || memcmp (d + 8, "avis", 4) == 0)
        return "AVIF";
      if (memcmp (d + 8, "hei", 3) == 0 || memcmp (d + 8, "mif1", 4) == 0
          || memcmp (d + 8, "msf1", 4) == 0 || memcmp (d + 8, "hev", 3) == 0)
        return "HEIF/HEIC";
    }
  return NULL;
}

typedef struct
{
  int max_side;
} SizeWanted;

static void
on_size_prepared (GdkPixbufLoader *loader, int w, int h, gpointer data)
{
  const SizeWanted *want = data;
  if (MAX (w, h) > want->max_side)
    {
      double f = (double) want->max_side / MAX (w, h);
      gdk_pixbuf_loader_set_size (loader, MAX (1, (int) round (w * f)), MAX (1, (int) round (h * f)));
    }
}

GdkPixbuf *
dp_preprocess_load_image (const char *path, int max_side, GError **error)
{
  g_return_val_if_fail (path != NULL && max_side > 0, NULL);
  g_autofree char *name = g_filename_display_name (path);
  GStatBuf st;
  if (g_stat (path, &st) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: %s", name, g_strerror (e));
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: not a regular file", name);
      return NULL;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: empty file (0 bytes), not an image",
                   name);
      return NULL;
    }

  /* The header alone: the format and the size, before anything is decoded. */
  int w = 0, h = 0;
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &w, &h);
  g_autoptr (GBytes) bytes = NULL;
  if (format == NULL)
    {
      /* the first bytes say what it is when gdk-pixbuf cannot */
      guint8 head[16] = { 0 };
      gsize len = 0;
      FILE *f = g_fopen (path, "rb");
      if (f != NULL)
        {
          len = fread (head, 1, sizeof head, f);
          fclose (f);
        }
      const char *other = unsupported_format (head, len);
      gboolean png = len >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0;
      gboolean jpeg = len >= 3 && memcmp (head, "\xff\xd8\xff", 3) == 0;
      if (png || jpeg)
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: truncated or damaged image (a %s "
                     "whose header is cut short or damaged)", name, png ? "PNG" : "JPEG");
      else if (other != NULL)
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: %s images are not supported; "
                     "convert it to PNG or JPEG", name, other);
      else
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                     "%s: not an image (no image format recognises its contents)", name);
      return NULL;
    }
  g_autofree char *fmt = gdk_pixbuf_format_get_name (format);
  if (w <= 0 || h <= 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: not an image (%s with size %d×%d)",
                   name, fmt, w, h);
      return NULL;
    }
  /* JPEG decodes straight to a reduced size; PNG and the others decode at full size and scale
   * afterwards, so a huge one is refused before it can take gigabytes. */
  gboolean scales_while_decoding = g_strcmp0 (fmt, "jpeg") == 0;
  if (!scales_while_decoding && (double) w * h > MAX_DECODE_MPX * 1e6)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: image too large (%d×%d pixels; at most %d megapixels)", name, w, h,
                   MAX_DECODE_MPX);
      return NULL;
    }

  bytes = dp_file_read_all (path, "an image", MAX_IMAGE_BYTES, error);
  if (bytes == NULL)
    return NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  int orientation = 1;
  const char *damage = g_strcmp0 (fmt, "png") == 0    ? check_png (data, len, &orientation)
                       : g_strcmp0 (fmt, "jpeg") == 0 ? check_jpeg (data, len)
                                                      : NULL;
  if (damage != NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: truncated or damaged image (%s)", name,
                   damage);
      return NULL;
    }

  GError *local = NULL;
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  SizeWanted want = { max_side };
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &want);
  gboolean ok = gdk_pixbuf_loader_write (loader, data, len, &local);
  ok = gdk_pixbuf_loader_close (loader, ok ? &local : NULL) && ok;
  GdkPixbuf *pixbuf = ok ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;
  if (pixbuf == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: truncated or damaged image: cannot "
                   "decode it (%s)", name, local ? local->message : "no picture in it");
      g_clear_error (&local);
      return NULL;
    }
  /* JPEG: the loader reads the Exif orientation into the "orientation" option; PNG's eXIf
   * chunk it ignores (gdk-pixbuf 2.42), so check_png's reading is set there */
  if (orientation != 1 && gdk_pixbuf_get_option (pixbuf, "orientation") == NULL)
    {
      char text[4];
      g_snprintf (text, sizeof text, "%d", orientation);
      gdk_pixbuf_set_option (pixbuf, "orientation", text);
    }
  return gdk_pixbuf_apply_embedded_orientation (pixbuf);
}

gboolean
dp_preprocess_image (const char *path, float *out, GError **error)
{
  g_return_val_if_fail (path != NULL && out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_autoptr (GdkPixbuf) pixbuf = dp_preprocess_load_image (path, MAX_SIDE, error);
  if (pixbuf == NULL)
    return FALSE;
  g_autofree char *name = g_filename_display_name (path);
  int pw = gdk_pixbuf_get_width (pixbuf), ph = gdk_pixbuf_get_height (pixbuf);
  int rs = gdk_pixbuf_get_rowstride (pixbuf), nc = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  const guint8 *px = gdk_pixbuf_read_pixels (pixbuf);
  g_autofree guint8 *gray = g_new (guint8, (gsize) pw * ph); /* (ph, pw) */
  for (int y = 0; y < ph; y++)
    for (int x = 0; x < pw; x++)
      {
        const guint8 *p = px + (gsize) y * rs + (gsize) x * nc;
        /* Rec. 601 luma */
        double l = nc >= 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
        gray[(gsize) y * pw + x] = (guint8) CLAMP (l + 0.5, 0, 255);
      }
  if (alpha)
    {
      /* Ink of one colour on a transparent background (any colour: white ink from a dark-mode
       * app too): the ink is the alpha. Otherwise transparency is the paper of the opaque
       * part, its most common shade. */
      guint32 hist[256] = { 0 };
      gsize n_opaque = 0, n_clear = 0;
      for (int y = 0; y < ph; y++)
        for (int x = 0; x < pw; x++)
          {
            guint8 a = px[(gsize) y * rs + (gsize) x * nc + nc - 1];
            n_clear += a < 255;
            if (a >= 128)
              hist[gray[(gsize) y * pw + x]]++, n_opaque++;
          }
      if (n_clear > 0)
        {
          gboolean one_shade = n_opaque == 0 || hist_quantile (hist, n_opaque, 0.95)
                                                      - hist_quantile (hist, n_opaque, 0.05) <= 48;
          int paper = n_opaque == 0 ? 255 : hist_quantile (hist, n_opaque, 0.5);
          for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
              {
                guint8 a = px[(gsize) y * rs + (gsize) x * nc + nc - 1];
                guint8 *g = &gray[(gsize) y * pw + x];
                *g = one_shade ? 255 - a : (guint8) ((*g * a + paper * (255 - a) + 127) / 255);
              }
        }
    }

  GError *local = NULL;
  if (!dp_preprocess_gray (gray, pw, ph, pw, out, &local))
    {
      g_set_error (error, DP_ERROR, local->code, "%s: %s", name, local->message);
      g_clear_error (&local);
      return FALSE;
    }
  return TRUE;
}
