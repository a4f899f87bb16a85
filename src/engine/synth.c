/* synth.c: the generator of digits and "not a digit" examples (synth.h).
 *
 * Every example goes through the input path of a real drawing: strokes (Hershey glyphs,
 * synthetic handwriting, scribbles, …) through dp_preprocess_strokes, the pad's own renderer;
 * raster glyphs of outline fonts and noise through dp_preprocess_gray, the path of an image
 * file. Example i draws from its own stream (seed, i), so threads change nothing but the time.
 *
 * What is never drawn as "not a digit" (dp_synth_excluded_chars): characters that read as a
 * digit in some hand once cropped and scaled to 20 px —
 *   O o Q D and C c (an open or closed 0, a 6 without its loop), I l i j | / \ ( ) [ ] { }
 *   and the ticks , ; ' ` (a 1 once blown up), " and ! (11, a broken 1), S s $ (5), Z z (2),
 *   B b G (6, 8), g q a (9), . - _ (a lone dot or dash: drawn by the dots-and-dashes source instead, placed as marks).
 * Partial digits are pieces that cannot read as a whole digit: the arch of a 2 (its first
 * 20–35 %: with more of its diagonal it reads as a 7) and the angle of a closed 4 without its
 * stem; never a straight bar (a 1), an arc (a bracket) or a loop (a 0). */
#include "engine/synth.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-ft.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <glib/gstdio.h>

#include "engine/error.h"
#include "engine/file-util.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/rng.h"
#include "engine/strokes-file.h"
#include "engine/strokes.h"

#define HERSHEY_DIR "/usr/share/hershey-fonts"
#define HERSHEY_GLYPHS 96 /* ASCII 32 … 127, one a line */
#define N_PX DP_INPUT_SIZE
#define CANVAS 128        /* outline glyphs are rendered on a CANVAS × CANVAS gray image */
#define FONT_PX 60.0
#define MAX_TRIES 12      /* draws of one example before it falls back to a plain stroke digit */

/* ---- the sources --------------------------------------------------------------------------- */

typedef struct
{
  const char *path;
  const char *package;
  int weight; /* 3: handwriting-like, 1: printed */
} FontFile;

#define BWHT "/usr/share/fonts/opentype/bwht/"
#define TT "/usr/share/fonts/truetype/"
#define OT "/usr/share/fonts/opentype/"
#define GYRE "/usr/share/texmf/fonts/opentype/public/tex-gyre/"

/* Left out: Breip.ttf (fonts-breip) and femkeklaver.ttf (fonts-femkeklaver), whose glyphs are
 * hollow outlines, not pen strokes; Kristi.ttf (fonts-kristi), whose digits lean so far that a
 * 4 is a slash. */
static const FontFile train_fonts[] = {
  { BWHT "BecauseWeBuild-Regular.otf", "fonts-bwht", 3 },
  { BWHT "BecauseWeConnect-Regular.otf", "fonts-bwht", 3 },
  { BWHT "BecauseWeCreate-Regular.otf", "fonts-bwht", 3 },
  { BWHT "BecauseWeLearn-Regular.otf", "fonts-bwht", 3 },
  { TT "fifthhorseman/dkg.ttf", "fonts-dkg-handwriting", 3 },
  { TT "fifthhorseman/dkgBd.ttf", "fonts-dkg-handwriting", 3 },
  { TT "humor-sans/Humor-Sans.ttf", "fonts-humor-sans", 3 },
  { OT "comic-neue/ComicNeue-Regular.otf", "fonts-comic-neue", 3 },
  { OT "comic-neue/ComicNeue-Bold.otf", "fonts-comic-neue", 3 },
  { OT "comic-neue/ComicNeue-Italic.otf", "fonts-comic-neue", 3 },
  { OT "dancingscript/DancingScript-Regular.otf", "fonts-dancingscript", 3 },
  { TT "ecolier-court/Ecolier-court.ttf", "fonts-ecolier-court", 3 },
  { OT "kaushanscript/KaushanScript-Regular.otf", "fonts-kaushanscript", 3 },
  { TT "klee/KleeOne-Regular.ttf", "fonts-klee", 3 },
  { TT "staypuft/StayPuft.ttf", "fonts-staypuft", 3 },
  { TT "andika/Andika-Regular.ttf", "fonts-sil-andika", 3 },
  { TT "andika/Andika-Italic.ttf", "fonts-sil-andika", 3 },
  { OT "urw-base35/Z003-MediumItalic.otf", "fonts-urw-base35", 3 },
  { TT "freefont/FreeSans.ttf", "fonts-freefont-ttf", 1 },
  { TT "freefont/FreeSerif.ttf", "fonts-freefont-ttf", 1 },
  { TT "freefont/FreeMono.ttf", "fonts-freefont-ttf", 1 },
  { TT "liberation2/LiberationSans-Regular.ttf", "fonts-liberation2", 1 },
  { TT "liberation2/LiberationSerif-Italic.ttf", "fonts-liberation2", 1 },
  { TT "liberation2/LiberationMono-Regular.ttf", "fonts-liberation2", 1 },
  { OT "urw-base35/NimbusSans-Regular.otf", "fonts-urw-base35", 1 },
  { OT "urw-base35/C059-Roman.otf", "fonts-urw-base35", 1 },
  { OT "urw-base35/P052-Italic.otf", "fonts-urw-base35", 1 },
  { OT "urw-base35/URWGothic-Book.otf", "fonts-urw-base35", 1 },
  { GYRE "texgyreheros-regular.otf", "fonts-texgyre", 1 },
  { GYRE "texgyreschola-italic.otf", "fonts-texgyre", 1 },
  { TT "dejavu/DejaVuSansCondensed-Oblique.ttf", "fonts-dejavu-extra", 1 },
  { TT "gnutypewriter/GNUTypewriter.ttf", "fonts-gnutypewriter", 1 },
};

static const FontFile dev_fonts[] = {
  { BWHT "BecauseWeMentor-Regular.otf", "fonts-bwht", 3 },
  { BWHT "BecauseWeOrganize-Regular.otf", "fonts-bwht", 3 },
  { TT "fifthhorseman/dkgIt.ttf", "fonts-dkg-handwriting", 3 },
  { TT "breip/breipfont.ttf", "fonts-breip", 3 },
  { OT "comic-neue/ComicNeue-LightItalic.otf", "fonts-comic-neue", 3 },
  { OT "dancingscript/DancingScript-Bold.otf", "fonts-dancingscript", 3 },
  { TT "klee/KleeOne-SemiBold.ttf", "fonts-klee", 3 },
  { TT "isabella/Isabella.ttf", "fonts-isabella", 3 },
  { TT "andika/Andika-BoldItalic.ttf", "fonts-sil-andika", 3 },
  { GYRE "texgyrechorus-mediumitalic.otf", "fonts-texgyre", 3 },
  { TT "freefont/FreeSerifItalic.ttf", "fonts-freefont-ttf", 1 },
  { TT "liberation2/LiberationSans-Italic.ttf", "fonts-liberation2", 1 },
  { OT "urw-base35/URWBookman-LightItalic.otf", "fonts-urw-base35", 1 },
  { GYRE "texgyreadventor-regular.otf", "fonts-texgyre", 1 },
  { TT "dejavu/DejaVuSerif-Italic.ttf", "fonts-dejavu-extra", 1 },
};

/* the blackletter styles (gothic*) are left out: their digits are nobody's handwriting */
static const char *const train_hershey[] = {
  "futural", "rowmans", "rowmand", "rowmant", "scripts", "timesr", "timesi", "timesrb", NULL,
};
static const char *const dev_hershey[] = {
  "futuram", "scriptc", "cursive", "timesib", NULL,
};

static const char negative_chars[] =
  "AEFHJKLMNPRTUVWXYdefhkmnprtuvwxy?#&@%+*=<>~^";
static const char excluded_chars[] = "OoQDCcIlij|/\\()[]{},;'`\"!Ss$ZzBbGgqa.-_";

const char *
dp_synth_negative_chars (void)
{
  return negative_chars;
}

const char *
dp_synth_excluded_chars (void)
{
  return excluded_chars;
}

static const FontFile *
split_fonts (DpSynthSplit split, guint *n)
{
  if (split == DP_SYNTH_SPLIT_DEV)
    {
      *n = G_N_ELEMENTS (dev_fonts);
      return dev_fonts;
    }
  *n = G_N_ELEMENTS (train_fonts);
  return train_fonts;
}

/* lists[split][which]: a NULL-terminated column of a split's FontFile table (0 path, 1 package) */
static const char *const *
font_column (DpSynthSplit split, int which)
{
  static const char *lists[2][2][G_N_ELEMENTS (train_fonts) + 1];
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      for (int sp = 0; sp < 2; sp++)
        {
          guint n;
          const FontFile *f = split_fonts (sp, &n);
          for (guint i = 0; i < n; i++)
            {
              lists[sp][0][i] = f[i].path;
              lists[sp][1][i] = f[i].package;
            }
        }
      g_once_init_leave (&init, 1);
    }
  return lists[split == DP_SYNTH_SPLIT_DEV][which];
}

const char *const *
dp_synth_font_files (DpSynthSplit split)
{
  return font_column (split, 0);
}

const char *const *
dp_synth_font_packages (DpSynthSplit split)
{
  return font_column (split, 1);
}

const char *const *
dp_synth_hershey_styles (DpSynthSplit split)
{
  return split == DP_SYNTH_SPLIT_DEV ? dev_hershey : train_hershey;
}

static const char *const source_names[DP_SYNTH_N_SOURCES] = {
  "font", "hershey", "strokes", "scribble", "partial", "pair", "dots", "noise",
};

const char *
dp_synth_source_name (DpSynthSource source)
{
  g_return_val_if_fail (source < DP_SYNTH_N_SOURCES, "");
  return source_names[source];
}

void
dp_synth_recipe_default (DpSynthRecipe *recipe)
{
  recipe->seed = DP_SYNTH_DEFAULT_SEED;
  recipe->n_digits = DP_SYNTH_DEFAULT_DIGITS;
  recipe->n_negatives = DP_SYNTH_DEFAULT_NEGATIVES;
  recipe->split = DP_SYNTH_SPLIT_TRAIN;
  recipe->fonts_only = FALSE;
}

void
dp_synth_report_clear (DpSynthReport *report)
{
  if (report == NULL)
    return;
  g_free (report->cache_path);
  memset (report, 0, sizeof *report);
}

/* ---- drawings: strokes of double points before they become DpStrokes --------------------- */

typedef struct
{
  double x, y;
} Pt;

typedef struct
{
  GArray *strokes[64]; /* of Pt; a Hershey glyph has up to 27 strokes, a pair twice that */
  int n;
} Drawing;

static void
drawing_clear (Drawing *d)
{
  for (int i = 0; i < d->n; i++)
    g_array_free (d->strokes[i], TRUE);
  d->n = 0;
}

static GArray *
drawing_begin (Drawing *d)
{
  g_assert (d->n < (int) G_N_ELEMENTS (d->strokes));
  d->strokes[d->n] = g_array_new (FALSE, FALSE, sizeof (Pt));
  return d->strokes[d->n++];
}

static void
drawing_add (GArray *s, double x, double y)
{
  Pt p = { x, y };
  g_array_append_val (s, p);
}

static void
drawing_bounds (const Drawing *d, double *x0, double *y0, double *x1, double *y1)
{
  *x0 = *y0 = INFINITY;
  *x1 = *y1 = -INFINITY;
  for (int i = 0; i < d->n; i++)
    for (guint j = 0; j < d->strokes[i]->len; j++)
      {
        Pt p = g_array_index (d->strokes[i], Pt, j);
        *x0 = MIN (*x0, p.x);
        *y0 = MIN (*y0, p.y);
        *x1 = MAX (*x1, p.x);
        *y1 = MAX (*y1, p.y);
      }
}

/* x' = a·x + b·y + c, y' = d·x + e·y + f about the drawing's centre */
static void
drawing_affine (Drawing *d, double a, double b, double dd, double e)
{
  double x0, y0, x1, y1;
  drawing_bounds (d, &x0, &y0, &x1, &y1);
  double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  for (int i = 0; i < d->n; i++)
    for (guint j = 0; j < d->strokes[i]->len; j++)
      {
        Pt *p = &g_array_index (d->strokes[i], Pt, j);
        double x = p->x - cx, y = p->y - cy;
        p->x = cx + a * x + b * y;
        p->y = cy + dd * x + e * y;
      }
}

static void
drawing_translate (Drawing *d, double dx, double dy)
{
  for (int i = 0; i < d->n; i++)
    for (guint j = 0; j < d->strokes[i]->len; j++)
      {
        Pt *p = &g_array_index (d->strokes[i], Pt, j);
        p->x += dx;
        p->y += dy;
      }
}

/* Moves the strokes of src into dst (those beyond dst's room are dropped). */
static void
drawing_take (Drawing *dst, Drawing *src)
{
  for (int i = 0; i < src->n; i++)
    if (dst->n < (int) G_N_ELEMENTS (dst->strokes))
      dst->strokes[dst->n++] = src->strokes[i];
    else
      g_array_free (src->strokes[i], TRUE);
  src->n = 0;
}

/* A Catmull-Rom curve through key points, sampled every `step` (a key point given twice is a
 * corner). */
static void
spline_add (GArray *out, const Pt *k, int n, double step)
{
  if (n == 1)
    {
      drawing_add (out, k[0].x, k[0].y);
      return;
    }
  for (int i = 0; i + 1 < n; i++)
    {
      Pt p0 = i > 0 ? k[i - 1] : (Pt) { 2 * k[0].x - k[1].x, 2 * k[0].y - k[1].y };
      Pt p1 = k[i], p2 = k[i + 1];
      Pt p3 = i + 2 < n ? k[i + 2] : (Pt) { 2 * p2.x - p1.x, 2 * p2.y - p1.y };
      if (p1.x == p2.x && p1.y == p2.y)
        continue;
      if (i > 0 && k[i - 1].x == p1.x && k[i - 1].y == p1.y)
        p0 = (Pt) { 2 * p1.x - p2.x, 2 * p1.y - p2.y }; /* a corner: start straight */
      if (i + 2 < n && k[i + 2].x == p2.x && k[i + 2].y == p2.y)
        p3 = (Pt) { 2 * p2.x - p1.x, 2 * p2.y - p1.y };
      double len = hypot (p2.x - p1.x, p2.y - p1.y);
      int m = MAX (2, (int) ceil (len / step));
      for (int j = (i == 0 ? 0 : 1); j <= m; j++)
        {
          double t = (double) j / m, t2 = t * t, t3 = t2 * t;
          double x = 0.5 * ((2 * p1.x) + (-p0.x + p2.x) * t
                            + (2 * p0.x - 5 * p1.x + 4 * p2.x - p3.x) * t2
                            + (-p0.x + 3 * p1.x - 3 * p2.x + p3.x) * t3);
          double y = 0.5 * ((2 * p1.y) + (-p0.y + p2.y) * t
                            + (2 * p0.y - 5 * p1.y + 4 * p2.y - p3.y) * t2
                            + (-p0.y + 3 * p1.y - 3 * p2.y + p3.y) * t3);
          drawing_add (out, x, y);
        }
    }
}

/* A polyline with points at most `step` apart. */
static void
polyline_add (GArray *out, const Pt *k, int n, double step)
{
  drawing_add (out, k[0].x, k[0].y);
  for (int i = 0; i + 1 < n; i++)
    {
      double len = hypot (k[i + 1].x - k[i].x, k[i + 1].y - k[i].y);
      int m = MAX (1, (int) ceil (len / step));
      for (int j = 1; j <= m; j++)
        drawing_add (out, k[i].x + (k[i + 1].x - k[i].x) * j / m,
                     k[i].y + (k[i + 1].y - k[i].y) * j / m);
    }
}

/* The hand: a slow wobble along each stroke and a little tremor on every point. */
static void
drawing_wobble (Drawing *d, DpRng *rng, double amp, double tremor)
{
  for (int i = 0; i < d->n; i++)
    {
      GArray *s = d->strokes[i];
      double f1 = dp_rng_range (rng, 0.5f, 2.5f), f2 = dp_rng_range (rng, 0.5f, 2.5f);
      double ph1 = dp_rng_range (rng, 0, 6.2832f), ph2 = dp_rng_range (rng, 0, 6.2832f);
      double ax = amp * dp_rng_uniform (rng), ay = amp * dp_rng_uniform (rng);
      for (guint j = 0; j < s->len; j++)
        {
          Pt *p = &g_array_index (s, Pt, j);
          double t = s->len > 1 ? (double) j / (s->len - 1) : 0;
          p->x += ax * sin (6.2832 * f1 * t + ph1) + tremor * dp_rng_normal (rng);
          p->y += ay * sin (6.2832 * f2 * t + ph2) + tremor * dp_rng_normal (rng);
        }
    }
}

/* The hand's overall pose: slant (top to the right for a positive one), rotation, width. */
static void
drawing_pose (Drawing *d, DpRng *rng, double slant_mean, double slant_sd, double rot_deg,
              double aspect_lo, double aspect_hi)
{
  double slant = CLAMP (slant_mean + slant_sd * dp_rng_normal (rng), -0.35, 0.6);
  double rot = dp_rng_range (rng, (float) -rot_deg, (float) rot_deg) * G_PI / 180;
  double sx = dp_rng_range (rng, (float) aspect_lo, (float) aspect_hi);
  /* scale x, shear x by −slant·y (y grows downward), then rotate */
  double a = sx, b = -slant, dd = 0, e = 1;
  double c = cos (rot), s = sin (rot);
  drawing_affine (d, c * a - s * dd, c * b - s * e, s * a + c * dd, s * b + c * e);
}

/* As DpStrokes: canvas units, the drawing 0.6 of the canvas high and centred, a pressure per
 * stroke, 8 ms between samples. NULL for an empty drawing. */
static DpStrokes *
drawing_to_strokes (const Drawing *d, DpRng *rng)
{
  double x0, y0, x1, y1;
  drawing_bounds (d, &x0, &y0, &x1, &y1);
  if (!isfinite (x0))
    return NULL;
  double size = MAX (MAX (x1 - x0, y1 - y0), 1e-3);
  double k = 0.6 / size;
  DpStrokes *strokes = dp_strokes_new ();
  guint32 t = 0;
  for (int i = 0; i < d->n; i++)
    {
      GArray *s = d->strokes[i];
      if (s->len == 0)
        continue;
      dp_strokes_begin (strokes);
      float pressure = dp_rng_range (rng, 0.6f, 1.0f);
      for (guint j = 0; j < s->len; j++)
        {
          Pt p = g_array_index (s, Pt, j);
          DpPoint q = { (float) (0.5 + (p.x - (x0 + x1) / 2) * k),
                        (float) (0.5 + (p.y - (y0 + y1) / 2) * k), pressure, t };
          t += 8;
          dp_strokes_add_point (strokes, &q);
        }
    }
  return strokes;
}

/* Through the pad's path (dp_preprocess_strokes). */
static gboolean
drawing_render (const Drawing *d, DpRng *rng, float *out)
{
  g_autoptr (DpStrokes) strokes = drawing_to_strokes (d, rng);
  return strokes != NULL && dp_preprocess_strokes (strokes, out, NULL);
}

/* ---- synthetic handwriting-style digits ---------------------------------------------------- */

/* Key points in a unit box (y down); BRK starts a new stroke, END ends; a point given twice is
 * a corner. */
#define BRK -1.f, -1.f
#define END -2.f, -2.f

typedef struct
{
  int digit;
  float aspect; /* width / height of the box */
  const float *pts;
} Template;

static const float t0_oval[] = { .5f, 0, .15f, .2f, .05f, .5f, .2f, .85f, .5f, 1, .8f, .85f, .95f,
                                 .5f, .85f, .15f, .5f, 0, .3f, .08f, END };
static const float t0_slash[] = { .5f, 0, .15f, .2f, .05f, .5f, .2f, .85f, .5f, 1, .8f, .85f,
                                  .95f, .5f, .85f, .15f, .5f, 0, .35f, .06f, BRK, .98f, -.08f,
                                  .02f, 1.08f, END };
static const float t0_slash2[] = { .5f, 0, .15f, .2f, .05f, .5f, .2f, .85f, .5f, 1, .8f, .85f,
                                   .95f, .5f, .85f, .15f, .5f, 0, BRK, .1f, 1.05f, .9f, -.05f,
                                   END };
static const float t1_plain[] = { .5f, 0, .5f, 1, END };
static const float t1_flag[] = { .25f, .22f, .5f, 0, .5f, 0, .5f, 1, END };
static const float t1_long[] = { .05f, .45f, .5f, 0, .5f, 0, .5f, 1, END };
static const float t1_flag_base[] = { .25f, .2f, .5f, 0, .5f, 0, .5f, 1, BRK, .2f, 1, .8f, 1,
                                      END };
static const float t1_long_base[] = { .05f, .42f, .5f, 0, .5f, 0, .5f, 1, BRK, .15f, 1, .85f, 1,
                                      END };
static const float t2_plain[] = { .1f, .25f, .3f, .03f, .6f, 0, .85f, .15f, .85f, .35f, .6f, .6f,
                                  .05f, 1, .05f, 1, 1, .98f, END };
static const float t2_loop[] = { .1f, .25f, .3f, .03f, .6f, 0, .85f, .15f, .85f, .35f, .55f, .62f,
                                 .15f, .92f, .1f, .82f, .28f, .82f, .32f, .97f, .6f, 1, 1, .95f,
                                 END };
static const float t3_round[] = { .1f, .12f, .45f, 0, .8f, .1f, .8f, .3f, .45f, .47f, .45f, .47f,
                                  .85f, .6f, .9f, .8f, .6f, 1, .3f, 1, .05f, .85f, END };
static const float t3_flat[] = { .1f, 0, .9f, 0, .9f, 0, .4f, .42f, .4f, .42f, .8f, .55f, .92f,
                                 .78f, .6f, 1, .25f, .98f, .05f, .85f, END };
static const float t4_closed[] = { .7f, 0, .7f, 0, 0, .65f, 0, .65f, 1, .65f, BRK, .72f, .1f,
                                   .72f, 1, END };
static const float t4_open[] = { .15f, 0, .08f, .62f, .08f, .62f, 1, .6f, BRK, .72f, 0, .72f, 1,
                                 END };
static const float t5_two[] = { .25f, 0, .2f, .45f, .2f, .45f, .55f, .38f, .85f, .55f, .88f, .8f,
                                .6f, 1, .3f, 1, .05f, .88f, BRK, .25f, 0, .9f, 0, END };
static const float t5_one[] = { .9f, 0, .25f, 0, .25f, 0, .2f, .45f, .2f, .45f, .55f, .38f, .85f,
                                .55f, .88f, .8f, .6f, 1, .3f, 1, .05f, .88f, END };
static const float t6_plain[] = { .8f, .05f, .5f, 0, .2f, .25f, .08f, .6f, .2f, .92f, .5f, 1,
                                  .82f, .85f, .8f, .6f, .5f, .5f, .2f, .6f, .1f, .75f, END };
static const float t6_hook[] = { .75f, 0, .4f, .2f, .2f, .55f, .22f, .85f, .45f, 1, .65f, .9f,
                                 .6f, .72f, .4f, .7f, .25f, .8f, END };
static const float t7_plain[] = { 0, .02f, 1, 0, 1, 0, .35f, 1, END };
static const float t7_cross[] = { 0, .02f, 1, 0, 1, 0, .35f, 1, BRK, .3f, .5f, .85f, .48f, END };
static const float t7_curve[] = { 0, 0, 1, 0, 1, 0, .6f, .45f, .45f, 1, END };
static const float t8_one[] = { .85f, .15f, .5f, 0, .15f, .15f, .2f, .35f, .5f, .5f, .85f, .7f,
                                .8f, .95f, .5f, 1, .15f, .9f, .15f, .7f, .5f, .5f, .8f, .3f, .8f,
                                .1f, .6f, 0, END };
static const float t8_two[] = { .5f, 0, .2f, .12f, .2f, .32f, .5f, .45f, .8f, .32f, .8f, .12f,
                                .5f, 0, .4f, .02f, BRK, .5f, .45f, .1f, .62f, .12f, .9f, .5f, 1,
                                .88f, .9f, .9f, .62f, .5f, .45f, .4f, .47f, END };
static const float t9_plain[] = { .88f, .18f, .55f, 0, .15f, .12f, .12f, .35f, .45f, .5f, .85f,
                                  .32f, .9f, .05f, .9f, .05f, .85f, .6f, .8f, 1, END };
static const float t9_small[] = { .9f, .14f, .68f, 0, .42f, .1f, .42f, .3f, .68f, .38f, .92f, .2f,
                                  .92f, .02f, .92f, .02f, .86f, .5f, .72f, 1, END };
static const float t9_curl[] = { .88f, .18f, .55f, 0, .15f, .12f, .12f, .35f, .45f, .5f, .85f,
                                 .32f, .9f, .05f, .9f, .05f, .88f, .6f, .7f, .95f, .4f, 1, .2f,
                                 .9f, END };
static const float t9_stick[] = { .85f, .2f, .5f, 0, .15f, .15f, .15f, .35f, .5f, .48f, .85f,
                                  .35f, .85f, .2f, .7f, .05f, BRK, .88f, .05f, .88f, 1, END };

static const Template templates[] = {
  { 0, .7f, t0_oval }, { 0, .7f, t0_slash }, { 0, .7f, t0_slash2 },
  { 1, .3f, t1_plain }, { 1, .45f, t1_flag }, { 1, .55f, t1_long }, { 1, .5f, t1_flag_base },
  { 1, .55f, t1_long_base },
  { 2, .65f, t2_plain }, { 2, .65f, t2_loop },
  { 3, .6f, t3_round }, { 3, .6f, t3_flat },
  { 4, .75f, t4_closed }, { 4, .7f, t4_open },
  { 5, .6f, t5_two }, { 5, .6f, t5_one },
  { 6, .6f, t6_plain }, { 6, .6f, t6_hook },
  { 7, .6f, t7_plain }, { 7, .6f, t7_cross }, { 7, .6f, t7_curve },
  { 8, .6f, t8_one }, { 8, .6f, t8_two },
  { 9, .6f, t9_plain }, { 9, .7f, t9_small }, { 9, .6f, t9_curl }, { 9, .6f, t9_stick },
};

static const Template *
pick_template (int digit, DpRng *rng)
{
  const Template *choice[8];
  int n = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (templates); i++)
    if (templates[i].digit == digit)
      choice[n++] = &templates[i];
  return choice[dp_rng_below (rng, n)];
}

/* A template with jittered key points, sampled as curves. */
static void
template_draw (const Template *t, DpRng *rng, double jitter, Drawing *d)
{
  Pt keys[64];
  int n = 0;
  double prev_x = NAN, prev_y = NAN, jx = 0, jy = 0;
  for (const float *p = t->pts;; p += 2)
    {
      gboolean end = p[0] == -2.f, brk = p[0] == -1.f;
      if (end || brk)
        {
          if (n > 0)
            spline_add (drawing_begin (d), keys, n, 0.02);
          n = 0;
          prev_x = prev_y = NAN;
          if (end)
            break;
          continue;
        }
      if (p[0] != prev_x || p[1] != prev_y) /* a repeated point (a corner) keeps its jitter */
        {
          jx = jitter * dp_rng_normal (rng);
          jy = jitter * dp_rng_normal (rng);
        }
      prev_x = p[0];
      prev_y = p[1];
      g_assert (n < (int) G_N_ELEMENTS (keys));
      keys[n++] = (Pt) { p[0] * t->aspect + jx, p[1] + jy };
    }
}

static void
stroke_digit (int digit, DpRng *rng, Drawing *d)
{
  template_draw (pick_template (digit, rng), rng, dp_rng_range (rng, 0.012f, 0.035f), d);
  drawing_pose (d, rng, 0.12, 0.15, 10, 0.75, 1.3);
  drawing_wobble (d, rng, 0.02, 0.002);
}

/* ---- Hershey fonts --------------------------------------------------------------------------- */

typedef struct
{
  GArray *points; /* Pt, with NAN x between strokes */
} HGlyph;

typedef struct
{
  HGlyph glyphs[HERSHEY_GLYPHS];
} HFont;

static void
hfont_free (HFont *f)
{
  if (f == NULL)
    return;
  for (int i = 0; i < HERSHEY_GLYPHS; i++)
    if (f->glyphs[i].points)
      g_array_free (f->glyphs[i].points, TRUE);
  g_free (f);
}

/* A .jhf file: each glyph is "NNNNN" "CCC" (vertex count, the margins included) then pairs of
 * characters, coordinate + 'R' … wrapped over lines; " R" lifts the pen. */
static HFont *
hfont_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  g_autofree char *name = g_filename_display_name (path);
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  HFont *f = g_new0 (HFont, 1);
  char **lines = g_strsplit (text, "\n", -1);
  int g = 0;
  for (int li = 0; lines[li] != NULL && g < HERSHEY_GLYPHS; li++)
    {
      char *l = lines[li];
      g_strchomp (l);
      if (*l == '\0')
        continue;
      if (strlen (l) < 10)
        break;
      char count_text[4] = { l[5], l[6], l[7], 0 };
      int count = atoi (count_text);
      GString *body = g_string_new (l + 8);
      while ((int) body->len < 2 * count && lines[li + 1] != NULL)
        g_string_append (body, g_strchomp (lines[++li]));
      if ((int) body->len < 2 * count || count < 1)
        {
          g_string_free (body, TRUE);
          break;
        }
      GArray *pts = g_array_new (FALSE, FALSE, sizeof (Pt));
      for (int v = 1; v < count; v++)
        {
          char cx = body->str[2 * v], cy = body->str[2 * v + 1];
          Pt p = { NAN, NAN };
          if (!(cx == ' ' && cy == 'R'))
            p = (Pt) { cx - 'R', cy - 'R' };
          g_array_append_val (pts, p);
        }
      g_string_free (body, TRUE);
      f->glyphs[g++].points = pts;
    }
  g_strfreev (lines);
  if (g < HERSHEY_GLYPHS)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: %d glyphs read, expected the %d of ASCII 32 … 127", name, g,
                   HERSHEY_GLYPHS);
      hfont_free (f);
      return NULL;
    }
  return f;
}

/* Glyph c as a drawing, its vertices jittered and joined by dense polylines; FALSE if empty. */
static gboolean
hershey_draw (const HFont *f, char c, DpRng *rng, double jitter, Drawing *d)
{
  const GArray *pts = f->glyphs[(guchar) c - 32].points;
  Pt keys[256];
  int n = 0;
  for (guint i = 0; i <= pts->len; i++)
    {
      Pt p = i < pts->len ? g_array_index (pts, Pt, i) : (Pt) { NAN, NAN };
      if (isnan (p.x))
        {
          if (n > 0)
            polyline_add (drawing_begin (d), keys, n, 0.4);
          n = 0;
          continue;
        }
      if (n < (int) G_N_ELEMENTS (keys))
        keys[n++] = (Pt) { p.x + jitter * dp_rng_normal (rng), p.y + jitter * dp_rng_normal (rng) };
    }
  return d->n > 0;
}

static void
hershey_pose (Drawing *d, DpRng *rng)
{
  /* Hershey units: a capital is 21 high; the wobble and tremor scale with it */
  drawing_pose (d, rng, 0.08, 0.15, 10, 0.75, 1.3);
  drawing_wobble (d, rng, 0.5, 0.06);
}

/* ---- outline fonts -------------------------------------------------------------------------- */

typedef struct
{
  cairo_font_face_t *face;
  int weight;
  guint has[128 / 32]; /* bit c: the font has a glyph for ASCII c */
  unsigned long glyph[128];
} OFont;

static gboolean
ofont_has (const OFont *f, char c)
{
  guchar u = (guchar) c;
  return u < 128 && (f->has[u / 32] >> (u % 32) & 1);
}

static gboolean
ofont_load (OFont *f, const FontFile *file, GError **error)
{
  if (!g_file_test (file->path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO,
                   "%s: font missing (install the Debian package %s)", file->path, file->package);
      return FALSE;
    }
  FcPattern *pat = FcPatternBuild (NULL, FC_FILE, FcTypeString, file->path, FC_INDEX,
                                   FcTypeInteger, 0, NULL);
  f->face = cairo_ft_font_face_create_for_pattern (pat);
  FcPatternDestroy (pat);
  f->weight = file->weight;
  cairo_matrix_t fm, ctm;
  cairo_matrix_init_scale (&fm, FONT_PX, FONT_PX);
  cairo_matrix_init_identity (&ctm);
  cairo_font_options_t *opt = cairo_font_options_create ();
  cairo_scaled_font_t *sf = cairo_scaled_font_create (f->face, &fm, &ctm, opt);
  cairo_font_options_destroy (opt);
  if (cairo_scaled_font_status (sf) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: cannot load the font (%s)",
                   file->path, cairo_status_to_string (cairo_scaled_font_status (sf)));
      cairo_scaled_font_destroy (sf);
      return FALSE;
    }
  for (int c = 33; c < 127; c++)
    {
      char s[2] = { (char) c, 0 };
      cairo_glyph_t *glyphs = NULL;
      int n = 0;
      if (cairo_scaled_font_text_to_glyphs (sf, 0, 0, s, 1, &glyphs, &n, NULL, NULL, NULL)
            == CAIRO_STATUS_SUCCESS
          && n == 1 && glyphs[0].index != 0)
        {
          cairo_text_extents_t ext;
          cairo_scaled_font_glyph_extents (sf, glyphs, 1, &ext);
          if (ext.width > 1 && ext.height > 1)
            {
              f->has[c / 32] |= 1u << (c % 32);
              f->glyph[c] = glyphs[0].index;
            }
        }
      cairo_glyph_free (glyphs);
    }
  cairo_scaled_font_destroy (sf);
  return TRUE;
}

/* Cairo's glyph caches of a font shared by threads are not safe to fill from two at once
 * (cairo_glyph_path crashes in Debian 12's cairo 1.16): the glyph drawing takes turns. */
static GMutex font_lock;

/* Glyph c of f, posed and sometimes emboldened, on a gray canvas, through the image path. */
static gboolean
font_render (const OFont *f, char c, DpRng *rng, float *out)
{
  g_mutex_lock (&font_lock);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, CANVAS, CANVAS);
  cairo_t *cr = cairo_create (surface);
  cairo_set_font_face (cr, f->face);
  cairo_set_font_size (cr, FONT_PX);
  cairo_glyph_t glyph = { f->glyph[(guchar) c], 0, 0 };
  cairo_text_extents_t ext;
  cairo_glyph_extents (cr, &glyph, 1, &ext);
  double h = MAX (ext.width, ext.height);
  /* 40 px on a 128-px canvas: the strokes stay well under the paper estimate's reach (two
   * blocks of 1/12 of the image), so a bold glyph is never taken for a shadow */
  double k = 40.0 / MAX (h, 1.0);
  double slant = CLAMP (0.05 + 0.15 * dp_rng_normal (rng), -0.3, 0.45);
  double rot = dp_rng_range (rng, -8, 8) * G_PI / 180;
  double sx = dp_rng_range (rng, 0.8f, 1.2f);
  cairo_translate (cr, CANVAS / 2.0, CANVAS / 2.0);
  cairo_rotate (cr, rot);
  cairo_matrix_t shear = { 1, 0, -slant, 1, 0, 0 };
  cairo_transform (cr, &shear);
  cairo_scale (cr, k * sx, k);
  glyph.x = -(ext.x_bearing + ext.width / 2);
  glyph.y = -(ext.y_bearing + ext.height / 2);
  cairo_glyph_path (cr, &glyph, 1);
  cairo_fill_preserve (cr);
  double bold = dp_rng_uniform (rng) < 0.5 ? dp_rng_range (rng, 0.5f, 3.f) : 0;
  if (bold > 0)
    {
      cairo_identity_matrix (cr); /* the pen in canvas pixels */
      cairo_set_line_width (cr, bold);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  g_mutex_unlock (&font_lock);
  cairo_surface_flush (surface);
  const guint8 *a = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 gray[CANVAS * CANVAS];
  for (int y = 0; y < CANVAS; y++)
    for (int x = 0; x < CANVAS; x++)
      gray[y * CANVAS + x] = (guint8) (255 - a[y * stride + x]);
  cairo_surface_destroy (surface);
  return dp_preprocess_gray (gray, CANVAS, CANVAS, CANVAS, out, NULL);
}

/* ---- the generator --------------------------------------------------------------------------- */

typedef struct
{
  const DpSynthRecipe *recipe;
  const DpDataset *mnist;
  OFont *fonts;
  int n_fonts;
  HFont **hershey;
  int n_hershey;
  guint8 *images; /* (n, 784) */
  guint8 *labels;
  guint8 *sources;
  int n;
  gint next;      /* atomic: the next chunk's first example */
  gint done;      /* atomic */
  GCancellable *cancellable;
} Gen;

/* a font with glyph c, weighted (handwriting-like ones thrice as often) */
static const OFont *
pick_font (const Gen *g, char c, DpRng *rng)
{
  int total = 0;
  for (int i = 0; i < g->n_fonts; i++)
    if (ofont_has (&g->fonts[i], c))
      total += g->fonts[i].weight;
  if (total == 0)
    return NULL;
  int r = (int) dp_rng_below (rng, (guint32) total);
  for (int i = 0; i < g->n_fonts; i++)
    if (ofont_has (&g->fonts[i], c) && (r -= g->fonts[i].weight) < 0)
      return &g->fonts[i];
  return NULL;
}

static char
pick_negative_char (DpRng *rng)
{
  return negative_chars[dp_rng_below (rng, sizeof negative_chars - 1)];
}

/* a digit as a drawing: a synthetic one or a Hershey one */
static void
digit_drawing (const Gen *g, int digit, DpRng *rng, Drawing *d)
{
  if (dp_rng_uniform (rng) < 0.5f)
    stroke_digit (digit, rng, d);
  else
    {
      hershey_draw (g->hershey[dp_rng_below (rng, g->n_hershey)], (char) ('0' + digit), rng, 0.6,
                    d);
      hershey_pose (d, rng);
    }
}

/* two MNIST digits side by side on a gray canvas */
static gboolean
mnist_pair (const Gen *g, DpRng *rng, float *out)
{
  enum { W = 100, H = 56 };
  guint8 gray[W * H];
  memset (gray, 255, sizeof gray);
  int gap = (int) dp_rng_range (rng, 14, 26);
  for (int k = 0; k < 2; k++)
    {
      const float *img = g->mnist->images
                         + (gsize) dp_rng_below (rng, (guint32) g->mnist->n) * N_PX;
      int ox = 10 + k * gap, oy = 14 + (int) dp_rng_range (rng, -3, 4);
      for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
          {
            guint8 *px = &gray[(oy + y) * W + ox + x];
            *px = MIN (*px, (guint8) (255 - lrintf (img[y * 28 + x] * 255)));
          }
    }
  return dp_preprocess_gray (gray, W, H, W, out, NULL);
}

static gboolean
noise_image (DpRng *rng, float *out)
{
  enum { S = 64 };
  guint8 gray[S * S];
  memset (gray, 255, sizeof gray);
  int kind = (int) dp_rng_below (rng, 3);
  int n = kind == 0 ? (int) dp_rng_range (rng, 20, 200) : (int) dp_rng_range (rng, 3, 12);
  for (int i = 0; i < n; i++)
    {
      int cx = 8 + (int) dp_rng_below (rng, S - 16), cy = 8 + (int) dp_rng_below (rng, S - 16);
      int r = kind == 0 ? (int) dp_rng_below (rng, 2) : 1 + (int) dp_rng_below (rng, 5);
      for (int y = -r; y <= r; y++)
        for (int x = -r; x <= r; x++)
          if (x * x + y * y <= r * r + (kind == 2 ? (int) dp_rng_below (rng, 4) : 0))
            gray[(cy + y) * S + cx + x] = (guint8) dp_rng_below (rng, 90);
    }
  return dp_preprocess_gray (gray, S, S, S, out, NULL);
}

static void
scribble (DpRng *rng, Drawing *d)
{
  if (dp_rng_uniform (rng) < 0.5f)
    {
      /* one stroke through random points */
      Pt keys[10];
      int n = 4 + (int) dp_rng_below (rng, 7);
      for (int i = 0; i < n; i++)
        keys[i] = (Pt) { dp_rng_uniform (rng), dp_rng_uniform (rng) };
      spline_add (drawing_begin (d), keys, n, 0.02);
    }
  else
    {
      /* two to five random strokes, each curved through three or four points */
      int n_strokes = 2 + (int) dp_rng_below (rng, 4);
      for (int s = 0; s < n_strokes; s++)
        {
          Pt keys[4];
          int n = 3 + (int) dp_rng_below (rng, 2);
          for (int i = 0; i < n; i++)
            keys[i] = (Pt) { dp_rng_uniform (rng), dp_rng_uniform (rng) };
          spline_add (drawing_begin (d), keys, n, 0.02);
        }
    }
}

static void
dots_and_dashes (DpRng *rng, Drawing *d)
{
  int n = 1 + (int) dp_rng_below (rng, 5);
  for (int i = 0; i < n; i++)
    {
      double x = dp_rng_uniform (rng), y = dp_rng_range (rng, 0, 0.6f);
      GArray *s = drawing_begin (d);
      if (dp_rng_uniform (rng) < 0.5f)
        {
          drawing_add (s, x, y);
          continue;
        }
      double len = dp_rng_range (rng, 0.1f, 0.5f);
      double a = dp_rng_range (rng, -0.35f, 0.35f);
      Pt k[2] = { { x, y }, { x + len * cos (a), y + len * sin (a) } };
      polyline_add (s, k, 2, 0.02);
    }
}

/* a piece of a 2 or a closed 4 that cannot read as a digit */
static void
partial_digit (DpRng *rng, Drawing *d)
{
  static const Template two = { 2, .65f, t2_plain }, four_closed = { 4, .75f, t4_closed };
  gboolean four = dp_rng_uniform (rng) < 0.5f;
  Drawing whole = { 0 };
  template_draw (four ? &four_closed : &two, rng, dp_rng_range (rng, 0.015f, 0.04f), &whole);
  GArray *first = whole.strokes[0];
  guint keep = four ? first->len
                    : MAX (2u, (guint) (first->len * dp_rng_range (rng, 0.2f, 0.35f)));
  GArray *s = drawing_begin (d);
  g_array_append_vals (s, first->data, MIN (keep, first->len));
  drawing_clear (&whole);
  drawing_pose (d, rng, 0.1, 0.15, 15, 0.75, 1.3);
  drawing_wobble (d, rng, 0.015, 0.002);
}

/* One example into out (784 floats); returns its source. With strokes != NULL, a drawing
 * instead, from the sources that are strokes (Hershey, synthetic digits, scribbles, partial
 * digits, pairs of drawn digits, dots and dashes), into *strokes. */
static DpSynthSource
make_example (const Gen *g, int i, DpRng *rng, float *out, DpStrokes **strokes)
{
  gboolean digit = i < g->recipe->n_digits;
  int label = i % 10;
  for (int attempt = 0; attempt < MAX_TRIES; attempt++)
    {
      Drawing d = { 0 };
      DpSynthSource src;
      gboolean ok = FALSE;
      float r = dp_rng_uniform (rng);
      if (strokes != NULL)
        r = digit ? 0.35f + 0.65f * r : 0.30f + 0.64f * r;
      else if (g->recipe->fonts_only)
        r = 0;
      if (digit)
        {
          if (r < 0.35f)
            {
              src = DP_SYNTH_SOURCE_FONT;
              const OFont *f = pick_font (g, (char) ('0' + label), rng);
              ok = f != NULL && font_render (f, (char) ('0' + label), rng, out);
            }
          else if (r < 0.6f)
            {
              src = DP_SYNTH_SOURCE_HERSHEY;
              hershey_draw (g->hershey[dp_rng_below (rng, g->n_hershey)], (char) ('0' + label),
                            rng, 0.6, &d);
              hershey_pose (&d, rng);
            }
          else
            {
              src = DP_SYNTH_SOURCE_STROKES;
              stroke_digit (label, rng, &d);
            }
        }
      else if (r < 0.30f)
        {
          src = DP_SYNTH_SOURCE_FONT;
          char c = pick_negative_char (rng);
          const OFont *f = pick_font (g, c, rng);
          ok = f != NULL && font_render (f, c, rng, out);
        }
      else if (r < 0.50f)
        {
          src = DP_SYNTH_SOURCE_HERSHEY;
          char c = pick_negative_char (rng);
          hershey_draw (g->hershey[dp_rng_below (rng, g->n_hershey)], c, rng, 0.6, &d);
          hershey_pose (&d, rng);
        }
      else if (r < 0.68f)
        {
          src = DP_SYNTH_SOURCE_SCRIBBLE;
          scribble (rng, &d);
          drawing_wobble (&d, rng, 0.01, 0.002);
        }
      else if (r < 0.75f)
        {
          src = DP_SYNTH_SOURCE_PARTIAL;
          partial_digit (rng, &d);
        }
      else if (r < 0.88f)
        {
          src = DP_SYNTH_SOURCE_PAIR;
          if (g->mnist != NULL && dp_rng_uniform (rng) < 0.5f)
            ok = mnist_pair (g, rng, out);
          else
            {
              Drawing second = { 0 };
              digit_drawing (g, (int) dp_rng_below (rng, 10), rng, &d);
              digit_drawing (g, (int) dp_rng_below (rng, 10), rng, &second);
              double ax0, ay0, ax1, ay1, bx0, by0, bx1, by1;
              drawing_bounds (&d, &ax0, &ay0, &ax1, &ay1);
              drawing_bounds (&second, &bx0, &by0, &bx1, &by1);
              double ha = ay1 - ay0, hb = by1 - by0;
              double k = ha / MAX (hb, 1e-6);
              drawing_affine (&second, k, 0, 0, k); /* the same height */
              drawing_bounds (&second, &bx0, &by0, &bx1, &by1);
              double gap = ha * dp_rng_range (rng, -0.05f, 0.35f);
              drawing_translate (&second, ax1 + gap - bx0,
                                 (ay0 + ay1) / 2 - (by0 + by1) / 2 + ha * dp_rng_range (rng, -0.1f,
                                                                                        0.1f));
              drawing_take (&d, &second);
            }
        }
      else if (r < 0.94f)
        {
          src = DP_SYNTH_SOURCE_DOTS;
          dots_and_dashes (rng, &d);
        }
      else
        {
          src = DP_SYNTH_SOURCE_NOISE;
          ok = noise_image (rng, out);
        }
      if (d.n > 0 && strokes != NULL)
        ok = (*strokes = drawing_to_strokes (&d, rng)) != NULL;
      else if (d.n > 0)
        ok = drawing_render (&d, rng, out);
      drawing_clear (&d);
      if (ok)
        return src;
    }
  /* never seen: a plain stroke digit or scribble, which always has ink */
  Drawing d = { 0 };
  if (digit)
    stroke_digit (label, rng, &d);
  else
    scribble (rng, &d);
  if (strokes != NULL)
    *strokes = drawing_to_strokes (&d, rng);
  else
    {
      gboolean ok = drawing_render (&d, rng, out);
      g_assert (ok);
    }
  drawing_clear (&d);
  return digit ? DP_SYNTH_SOURCE_STROKES : DP_SYNTH_SOURCE_SCRIBBLE;
}

#define CHUNK 64

/* Makes the next chunk of examples; FALSE when none is left (or cancelled). */
static gboolean
gen_chunk (Gen *g, float *out)
{
  int first = g_atomic_int_add (&g->next, CHUNK);
  if (first >= g->n || g_cancellable_is_cancelled (g->cancellable))
    return FALSE;
  int end = MIN (first + CHUNK, g->n);
  for (int i = first; i < end; i++)
    {
      DpRng rng;
      dp_rng_init (&rng, g->recipe->seed * 0x100000001b3ULL + (guint64) i);
      g->sources[i] = (guint8) make_example (g, i, &rng, out, NULL);
      g->labels[i] = (guint8) (i < g->recipe->n_digits ? i % 10 : DP_CLASS_NOT_A_DIGIT);
      guint8 *px = g->images + (gsize) i * N_PX;
      for (int p = 0; p < N_PX; p++)
        px[p] = (guint8) lrintf (CLAMP (out[p], 0.f, 1.f) * 255.f);
    }
  g_atomic_int_add (&g->done, end - first);
  return TRUE;
}

static gpointer
gen_worker (gpointer data)
{
  float out[N_PX];
  while (gen_chunk (data, out))
    ;
  return NULL;
}

static void
gen_clear (Gen *g)
{
  for (int i = 0; i < g->n_fonts; i++)
    if (g->fonts[i].face)
      cairo_font_face_destroy (g->fonts[i].face);
  g_free (g->fonts);
  for (int i = 0; i < g->n_hershey; i++)
    hfont_free (g->hershey[i]);
  g_free (g->hershey);
  g_free (g->images);
  g_free (g->labels);
  g_free (g->sources);
}

static gboolean
gen_load_sources (Gen *g, DpSynthSplit split, GError **error)
{
  guint n;
  const FontFile *files = split_fonts (split, &n);
  g->fonts = g_new0 (OFont, n);
  g->n_fonts = (int) n;
  for (guint i = 0; i < n; i++)
    if (!ofont_load (&g->fonts[i], &files[i], error))
      return FALSE;
  const char *const *styles = dp_synth_hershey_styles (split);
  g->n_hershey = (int) g_strv_length ((char **) styles);
  g->hershey = g_new0 (HFont *, g->n_hershey);
  for (int i = 0; i < g->n_hershey; i++)
    {
      g_autofree char *base = g_strconcat (styles[i], ".jhf", NULL);
      g_autofree char *path = g_build_filename (HERSHEY_DIR, base, NULL);
      g_autoptr (GError) local = NULL;
      g->hershey[i] = hfont_load (path, &local);
      if (g->hershey[i] == NULL)
        {
          g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s (install the Debian package "
                       "hershey-fonts-data)", local->message);
          return FALSE;
        }
    }
  return TRUE;
}

DpDataset *
dp_synth_generate (const DpSynthRecipe *recipe, const DpDataset *mnist, int threads,
                   DpSynthProgress progress, gpointer user_data, GCancellable *cancellable,
                   DpSynthReport *report, GError **error)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_return_val_if_fail (recipe->n_digits >= 0 && recipe->n_negatives >= 0
                        && recipe->n_digits + recipe->n_negatives > 0, NULL);

  gint64 t0 = g_get_monotonic_time ();
  Gen g = { 0 };
  g.recipe = recipe;
  g.mnist = mnist != NULL && mnist->n > 0 ? mnist : NULL;
  g.cancellable = cancellable;
  if (!gen_load_sources (&g, recipe->split, error))
    {
      gen_clear (&g);
      return NULL;
    }
  g.n = recipe->n_digits + recipe->n_negatives;
  g.images = g_try_malloc ((gsize) g.n * N_PX);
  g.labels = g_malloc ((gsize) g.n);
  g.sources = g_malloc ((gsize) g.n);
  if (g.images == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "out of memory for %d generated images", g.n);
      gen_clear (&g);
      return NULL;
    }
  if (threads <= 0)
    threads = (int) g_get_num_processors ();
  threads = CLAMP (threads, 1, 16);
  GThread *workers[16];
  for (int t = 1; t < threads; t++)
    workers[t] = g_thread_new ("digitpad-synth", gen_worker, &g);
  /* this thread works too, and reports the progress between its chunks */
  float out[N_PX];
  int last = -1;
  while (gen_chunk (&g, out))
    {
      int done = g_atomic_int_get (&g.done);
      if (progress != NULL && done * 100 / g.n != last)
        {
          last = done * 100 / g.n;
          progress (done, g.n, user_data);
        }
    }
  for (int t = 1; t < threads; t++)
    g_thread_join (workers[t]);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      gen_clear (&g);
      return NULL;
    }
  if (progress != NULL)
    progress (g.n, g.n, user_data);

  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->n = g.n;
  ds->images = g_malloc ((gsize) g.n * N_PX * sizeof (float));
  for (gsize p = 0; p < (gsize) g.n * N_PX; p++)
    ds->images[p] = g.images[p] / 255.f;
  ds->labels = g_steal_pointer (&g.labels);
  if (report != NULL)
    {
      dp_synth_report_clear (report);
      report->seconds = (g_get_monotonic_time () - t0) / 1e6;
      report->threads = threads;
      for (int i = 0; i < g.n; i++)
        report->by_source[g.sources[i]]++;
    }
  gen_clear (&g);
  return ds;
}

GPtrArray *
dp_synth_generate_strokes (const DpSynthRecipe *recipe, GError **error)
{
  g_return_val_if_fail (recipe != NULL && recipe->n_digits >= 0 && recipe->n_negatives >= 0,
                        NULL);
  Gen g = { 0 };
  g.recipe = recipe;
  if (!gen_load_sources (&g, recipe->split, error))
    {
      gen_clear (&g);
      return NULL;
    }
  int n = recipe->n_digits + recipe->n_negatives;
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  for (int i = 0; i < n; i++)
    {
      DpRng rng;
      /* another stream than the images' (seed, i) */
      dp_rng_init (&rng, (recipe->seed ^ 0x5354524f4b4553ULL) * 0x100000001b3ULL + (guint64) i);
      g_autoptr (DpStrokes) strokes = NULL;
      DpSynthSource src = make_example (&g, i, &rng, NULL, &strokes);
      int label = i < recipe->n_digits ? i % 10 : DP_CLASS_NOT_A_DIGIT;
      g_autofree char *id = g_strdup_printf ("%s-%05d", dp_synth_source_name (src), i);
      g_ptr_array_add (records, dp_strokes_record_new (strokes, label, id, 0));
    }
  gen_clear (&g);
  return records;
}

/* ---- the cache ------------------------------------------------------------------------------ */

static gboolean
hash_file (GChecksum *sum, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = dp_file_read_all (path, "a font", (gsize) 64 << 20, error);
  if (bytes == NULL)
    return FALSE;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  g_checksum_update (sum, (const guchar *) path, (gssize) strlen (path) + 1);
  g_checksum_update (sum, data, (gssize) len);
  return TRUE;
}

char *
dp_synth_cache_key (const DpSynthRecipe *recipe, const DpDataset *mnist, GError **error)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *head = g_strdup_printf ("digitpad-synth v%d seed %" G_GUINT64_FORMAT
                                           " digits %d negatives %d split %d",
                                           DP_SYNTH_VERSION, recipe->seed, recipe->n_digits,
                                           recipe->n_negatives, (int) recipe->split);
  g_checksum_update (sum, (const guchar *) head, -1);
  if (recipe->fonts_only)
    g_checksum_update (sum, (const guchar *) " fonts only", -1);
  guint n;
  const FontFile *files = split_fonts (recipe->split, &n);
  for (guint i = 0; i < n; i++)
    if (!hash_file (sum, files[i].path, error))
      {
        g_prefix_error (error, "(install the Debian package %s) ", files[i].package);
        return NULL;
      }
  for (const char *const *s = dp_synth_hershey_styles (recipe->split); *s; s++)
    {
      g_autofree char *base = g_strconcat (*s, ".jhf", NULL);
      g_autofree char *path = g_build_filename (HERSHEY_DIR, base, NULL);
      if (!hash_file (sum, path, error))
        return NULL;
    }
  if (mnist != NULL && mnist->n > 0)
    {
      g_checksum_update (sum, (const guchar *) mnist->images,
                         (gssize) ((gsize) mnist->n * N_PX * sizeof (float)));
      g_checksum_update (sum, mnist->labels, mnist->n);
    }
  return g_strndup (g_checksum_get_string (sum), 32);
}

/* the cache's files for key in dir */
static void
cache_paths (const char *dir, const char *key, char **images, char **labels)
{
  g_autofree char *a = g_strdup_printf ("synth-%s-images-idx3-ubyte.gz", key);
  g_autofree char *b = g_strdup_printf ("synth-%s-labels-idx1-ubyte.gz", key);
  *images = g_build_filename (dir, a, NULL);
  *labels = g_build_filename (dir, b, NULL);
}

/* removes the synth-* files of other keys (an older recipe) from dir */
static void
cache_prune (const char *dir, const char *key)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autofree char *mine = g_strdup_printf ("synth-%s-", key);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "synth-") && !g_str_has_prefix (name, mine)
        && g_str_has_suffix (name, "-ubyte.gz"))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_remove (path);
      }
}

DpDataset *
dp_synth_load_or_generate (const DpSynthRecipe *recipe, const DpDataset *mnist,
                           const char *cache_dir, int threads, DpSynthProgress progress,
                           gpointer user_data, GCancellable *cancellable, DpSynthReport *report,
                           GError **error)
{
  g_return_val_if_fail (recipe != NULL, NULL);
  g_autofree char *key = dp_synth_cache_key (recipe, mnist, error);
  if (key == NULL)
    return NULL;
  g_autofree char *dir = cache_dir != NULL ? g_strdup (cache_dir)
                                           : g_build_filename (g_get_user_cache_dir (),
                                                               "digitpad", NULL);
  g_autofree char *images = NULL, *labels = NULL;
  cache_paths (dir, key, &images, &labels);

  int n = recipe->n_digits + recipe->n_negatives;
  if (g_file_test (images, G_FILE_TEST_EXISTS) || g_file_test (labels, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GError) local = NULL;
      DpDataset *ds = dp_dataset_load_labels_upto (images, labels, DP_CLASS_NOT_A_DIGIT, &local);
      if (ds != NULL && ds->n == n)
        {
          if (report != NULL)
            {
              dp_synth_report_clear (report);
              report->from_cache = TRUE;
              report->cache_path = g_strdup (images);
            }
          if (progress != NULL)
            progress (n, n, user_data);
          return ds;
        }
      /* corrupt or cut short: made again below */
      g_warning ("the generated data's cache is unusable, making it again: %s",
                 ds != NULL ? "wrong number of examples" : local->message);
      dp_dataset_free (ds);
    }

  DpDataset *ds = dp_synth_generate (recipe, mnist, threads, progress, user_data, cancellable,
                                     report, error);
  if (ds == NULL)
    return NULL;
  g_autoptr (GError) local = NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("cannot create the cache folder %s: %s", dir, g_strerror (errno));
  else if (!dp_dataset_save (ds, images, labels, &local))
    g_warning ("cannot save the generated data in the cache: %s", local->message);
  else
    {
      cache_prune (dir, key);
      if (report != NULL)
        report->cache_path = g_strdup (images);
    }
  return ds;
}

DpDataset *
dp_synth_build_mix (const DpDataset *mnist_train, const DpSynthRecipe *recipe, guint64 seed,
                    const char *cache_dir, DpSynthProgress progress, gpointer user_data,
                    GCancellable *cancellable, DpSynthReport *report, GError **error)
{
  g_return_val_if_fail (mnist_train != NULL, NULL);
  DpSynthRecipe default_recipe;
  dp_synth_recipe_default (&default_recipe);
  g_autoptr (DpDataset) synth = dp_synth_load_or_generate (recipe ? recipe : &default_recipe,
                                                           mnist_train, cache_dir, 0,
                                                           progress, user_data, cancellable,
                                                           report, error);
  if (synth == NULL)
    return NULL;
  gsize n = (gsize) mnist_train->n + synth->n;
  g_autofree guint32 *order = g_new (guint32, n);
  for (gsize i = 0; i < n; i++)
    order[i] = (guint32) i;
  DpRng rng;
  dp_rng_init (&rng, seed);
  dp_rng_shuffle (&rng, order, n);
  DpDataset *mix = g_new0 (DpDataset, 1);
  mix->n = (int) n;
  mix->images = g_try_malloc (n * N_PX * sizeof (float));
  mix->labels = g_malloc (n);
  if (mix->images == NULL)
    {
      dp_dataset_free (mix);
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "out of memory for the %zu training images", n);
      return NULL;
    }
  for (gsize i = 0; i < n; i++)
    {
      gsize j = order[i];
      const DpDataset *from = j < (gsize) mnist_train->n ? mnist_train : synth;
      gsize k = j < (gsize) mnist_train->n ? j : j - mnist_train->n;
      memcpy (mix->images + i * N_PX, from->images + k * N_PX, N_PX * sizeof (float));
      mix->labels[i] = from->labels[k];
    }
  return mix;
}
