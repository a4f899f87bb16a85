/* writers.h: simulated writers for the personalization tests and the benchmark. Each writer has
 * a consistent style: one way of drawing every digit (a hand-drawn stroke fixture of
 * tests/fixtures/strokes, or one of the quirks below that MNIST's American writers lack: the
 * slashed zero, the long-flag one, the curled nine, the hooked six, …), a slant, a width, a tilt
 * and a pen (tremor); every drawing of theirs varies a little around it (rotation, size, place,
 * tremor), seeded. Header-only; needs strokes-fixtures.h. */
#pragma once

#include <math.h>

#include "engine/rng.h"
#include "engine/strokes-file.h"
#include "fixtures/strokes-fixtures.h"

/* a quirk drawing: strokes of key points in the digit's own box (x right, y down, height 1),
 * each stroke a run of points ended by a NAN pair; the drawing ends with two NAN pairs */
typedef struct
{
  int digit;
  const char *style;
  float pts[64];
} DpQuirk;

#define END_STROKE NAN, NAN
static const DpQuirk dp_quirks[] = {
  /* the slashed zero "Ø": an oval, then a slash through it past both ends */
  { 0, "slashed", { 0.40f, 0.00f, 0.18f, 0.08f, 0.06f, 0.35f, 0.08f, 0.70f, 0.24f, 0.98f,
                    0.46f, 0.98f, 0.62f, 0.72f, 0.66f, 0.36f, 0.58f, 0.08f, 0.40f, 0.00f,
                    END_STROKE, -0.04f, 1.04f, 0.30f, 0.50f, 0.74f, -0.06f, END_STROKE, END_STROKE } },
  /* the long-flag one: a flag almost half the height, then the stem */
  { 1, "long-flag", { 0.00f, 0.44f, 0.14f, 0.26f, 0.40f, 0.00f, 0.40f, 0.50f, 0.40f, 1.00f,
                      END_STROKE, END_STROKE } },
  /* the open four of two strokes: a "u" with a long right arm */
  { 4, "u-open", { 0.04f, 0.00f, 0.02f, 0.30f, 0.10f, 0.52f, 0.34f, 0.58f, 0.62f, 0.52f,
                   END_STROKE, 0.60f, 0.04f, 0.60f, 0.50f, 0.58f, 1.00f, END_STROKE, END_STROKE } },
  /* the curled nine: a small loop, then a tail curling back left */
  { 9, "curled", { 0.52f, 0.14f, 0.40f, 0.02f, 0.22f, 0.06f, 0.18f, 0.24f, 0.30f, 0.34f,
                   0.48f, 0.30f, 0.54f, 0.10f, 0.54f, 0.45f, 0.50f, 0.75f, 0.36f, 0.96f,
                   0.16f, 1.00f, 0.04f, 0.90f, END_STROKE, END_STROKE } },
  /* the hooked six: a long hook and a tight loop at the bottom */
  { 6, "hooked", { 0.62f, 0.02f, 0.44f, 0.00f, 0.28f, 0.16f, 0.16f, 0.46f, 0.14f, 0.80f,
                   0.26f, 1.00f, 0.42f, 0.96f, 0.46f, 0.80f, 0.34f, 0.70f, 0.18f, 0.80f,
                   END_STROKE, END_STROKE } },
  /* the seven with a hook at the top left and a crossbar */
  { 7, "euro", { 0.00f, 0.18f, 0.04f, 0.02f, 0.66f, 0.00f, 0.44f, 0.50f, 0.30f, 1.00f,
                 END_STROKE, 0.18f, 0.52f, 0.62f, 0.50f, END_STROKE, END_STROKE } },
  /* the European three "ʒ": a flat top, a diagonal, then the lower bowl */
  { 3, "flat-z", { 0.00f, 0.00f, 0.62f, 0.00f, 0.18f, 0.42f, 0.44f, 0.44f, 0.62f, 0.60f,
                   0.60f, 0.84f, 0.40f, 1.00f, 0.14f, 0.98f, 0.00f, 0.86f, END_STROKE, END_STROKE } },
  /* the four of one "U" and a stem going on below it */
  { 4, "u-stem", { 0.08f, 0.00f, 0.04f, 0.30f, 0.10f, 0.55f, 0.30f, 0.62f, 0.52f, 0.56f,
                   0.62f, 0.40f, 0.62f, 0.00f, END_STROKE, 0.62f, 0.36f, 0.62f, 0.68f,
                   0.62f, 1.00f, END_STROKE, END_STROKE } },
  /* the nine with a tiny loop and a long curled tail */
  { 9, "tiny-loop", { 0.62f, 0.10f, 0.52f, 0.00f, 0.40f, 0.04f, 0.40f, 0.18f, 0.52f, 0.22f,
                      0.62f, 0.14f, 0.62f, 0.04f, 0.62f, 0.32f, 0.56f, 0.62f, 0.42f, 0.90f,
                      0.22f, 1.00f, 0.06f, 0.95f, 0.00f, 0.84f, END_STROKE, END_STROKE } },
  /* the six like a "b": a straight stem and a small bowl at its foot */
  { 6, "b-like", { 0.10f, 0.00f, 0.10f, 0.50f, 0.10f, 1.00f, END_STROKE, 0.10f, 0.72f,
                   0.34f, 0.56f, 0.54f, 0.68f, 0.52f, 0.92f, 0.28f, 1.00f, 0.10f, 0.92f,
                   END_STROKE, END_STROKE } },
  /* the seven whose foot hooks back right */
  { 7, "hook-foot", { 0.00f, 0.00f, 0.66f, 0.00f, 0.40f, 0.56f, 0.30f, 0.86f, 0.36f, 1.00f,
                      0.54f, 0.96f, END_STROKE, END_STROKE } },
  /* the one as a capital I: a serif at the top and a base */
  { 1, "serif-i", { 0.10f, 0.00f, 0.50f, 0.00f, END_STROKE, 0.30f, 0.00f, 0.30f, 1.00f,
                    END_STROKE, 0.06f, 1.00f, 0.54f, 1.00f, END_STROKE, END_STROKE } },
  /* the eight of two separate rings, the top one small */
  { 8, "rings", { 0.30f, 0.00f, 0.16f, 0.08f, 0.16f, 0.28f, 0.30f, 0.36f, 0.44f, 0.28f,
                  0.44f, 0.08f, 0.30f, 0.00f, END_STROKE, 0.30f, 0.42f, 0.08f, 0.52f,
                  0.04f, 0.82f, 0.26f, 1.00f, 0.50f, 0.94f, 0.58f, 0.66f, 0.30f, 0.42f,
                  END_STROKE, END_STROKE } },
  /* the two of a "Z" crossed in the middle */
  { 2, "z-crossed", { 0.00f, 0.00f, 0.62f, 0.00f, 0.00f, 1.00f, 0.64f, 1.00f, END_STROKE,
                      0.12f, 0.50f, 0.52f, 0.50f, END_STROKE, END_STROKE } },
  /* the five whose hat is a separate wave far above */
  { 5, "wave-hat", { 0.12f, 0.22f, 0.10f, 0.50f, 0.34f, 0.44f, 0.56f, 0.54f, 0.62f, 0.76f,
                     0.52f, 0.96f, 0.30f, 1.00f, 0.06f, 0.92f, END_STROKE, 0.14f, 0.04f,
                     0.30f, 0.00f, 0.46f, 0.06f, 0.64f, 0.00f, END_STROKE, END_STROKE } },
};
#undef END_STROKE

typedef struct
{
  const char *name;
  const char *styles[10]; /* per digit: a fixture style ("oval") or a quirk style ("slashed") */
  double slant;           /* x shift per unit of height upward (right slant > 0) */
  double aspect;          /* width factor */
  double tilt_deg;        /* rotation, clockwise > 0 */
  double tremor;          /* the pen's shake, canvas units */
} DpWriter;

static const DpWriter dp_writers[] = {
  { "ana (slashed 0, long-flag 1, euro 7)",
    { "slashed", "long-flag", "curved", "round", "closed", "two-strokes", "curved", "euro",
      "two-loops", "straight-tail" }, 0.0, 1.0, 0.0, 0.002 },
  { "ben (right slant, tiny-loop 9, open 4)",
    { "oval", "slanted", "z-like", "flat-top", "u-open", "one-stroke", "big-loop", "plain",
      "slanted", "tiny-loop" }, 0.30, 0.9, 4.0, 0.002 },
  { "chloe (left slant, wide, crossed Z 2)",
    { "round-open", "flag-base", "z-crossed", "narrow", "one-stroke", "angular", "hooked",
      "crossbar", "one-stroke", "curved-tail" }, -0.25, 1.35, -3.0, 0.002 },
  { "dev (narrow, tilted, shaky, long-flag 1)",
    { "narrow-slanted", "long-flag", "curved", "round", "open", "two-strokes", "straight-stem",
      "serif-curved", "two-loops", "slanted-tail" }, 0.10, 0.70, 8.0, 0.006 },
  { "eli (wide, slashed 0, tiny-loop 9)",
    { "slashed", "stick", "z-like", "flat-z", "u-stem", "angular", "curved", "euro",
      "slanted", "tiny-loop" }, 0.05, 1.2, -5.0, 0.003 },
  { "fay (a neat, plain hand)",
    { "oval", "stick", "curved", "round", "closed", "two-strokes", "curved", "plain",
      "two-loops", "straight-tail" }, 0.05, 0.9, 0.0, 0.0015 },
};
#define DP_N_WRITERS ((int) G_N_ELEMENTS (dp_writers))

/* the template drawing of a style for a digit, in canvas units; NULL when there is none */
static inline DpStrokes *
dp_writer_template (int digit, const char *style)
{
  for (guint q = 0; q < G_N_ELEMENTS (dp_quirks); q++)
    {
      const DpQuirk *k = &dp_quirks[q];
      if (k->digit != digit || strcmp (k->style, style) != 0)
        continue;
      DpStrokes *s = dp_strokes_new ();
      gboolean open = FALSE;
      float px = 0, py = 0;
      for (int i = 0; i + 1 < (int) G_N_ELEMENTS (k->pts); i += 2)
        {
          float x = k->pts[i], y = k->pts[i + 1];
          if (isnan (x))
            {
              if (!open)
                break;
              open = FALSE;
              continue;
            }
          /* the box (height 1) as 60 % of the canvas, centred; a point every ~0.01 */
          x = 0.3f + 0.6f * x;
          y = 0.2f + 0.6f * y;
          if (!open)
            {
              dp_strokes_begin (s);
              DpPoint p = { x, y, 1.0f, 0 };
              dp_strokes_add_point (s, &p);
              open = TRUE;
            }
          else
            {
              int n = MAX (1, (int) ceilf (hypotf (x - px, y - py) / 0.01f));
              for (int j = 1; j <= n; j++)
                {
                  DpPoint p = { px + (x - px) * j / n, py + (y - py) * j / n, 1.0f, 0 };
                  dp_strokes_add_point (s, &p);
                }
            }
          px = x;
          py = y;
        }
      return s;
    }
  g_autofree char *dir = dp_fixtures_dir ();
  g_autofree char *name = g_strdup_printf ("digit-%d-%s.txt", digit, style);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  DpStrokes *s = dp_fixture_load (path, &error);
  g_assert_no_error (error);
  return s;
}

/* one drawing of digit by writer w: its template in its style, varied by rng */
static inline DpStrokes *
dp_writer_draw (const DpWriter *w, int digit, DpRng *rng)
{
  g_autoptr (DpStrokes) t = dp_writer_template (digit, w->styles[digit]);
  double cx = 0, cy = 0;
  int n = 0;
  for (guint i = 0; i < dp_strokes_get_n_strokes (t); i++)
    {
      guint np;
      const DpPoint *p = dp_strokes_get_stroke (t, i, &np);
      for (guint j = 0; j < np; j++, n++)
        cx += p[j].x, cy += p[j].y;
    }
  cx /= n;
  cy /= n;
  double rot = (w->tilt_deg + dp_rng_range (rng, -3, 3)) * G_PI / 180;
  double sx = w->aspect * (1 + dp_rng_range (rng, -0.07f, 0.07f));
  double sy = 1 + dp_rng_range (rng, -0.07f, 0.07f);
  double slant = w->slant + dp_rng_range (rng, -0.05f, 0.05f);
  double ox = dp_rng_range (rng, -0.05f, 0.05f), oy = dp_rng_range (rng, -0.05f, 0.05f);
  DpStrokes *out = dp_strokes_new ();
  for (guint i = 0; i < dp_strokes_get_n_strokes (t); i++)
    {
      guint np;
      const DpPoint *p = dp_strokes_get_stroke (t, i, &np);
      dp_strokes_begin (out);
      for (guint j = 0; j < np; j++)
        {
          double dx = p[j].x - cx, dy = p[j].y - cy;
          dx = (dx - slant * dy) * sx;
          dy *= sy;
          double x = cx + ox + dx * cos (rot) - dy * sin (rot);
          double y = cy + oy + dx * sin (rot) + dy * cos (rot);
          DpPoint q = p[j];
          q.x = (float) (x + w->tremor * dp_rng_normal (rng));
          q.y = (float) (y + w->tremor * dp_rng_normal (rng));
          dp_strokes_add_point (out, &q);
        }
    }
  return out;
}

/* n drawings of every digit by writer w, as labelled records (digit-major order) */
static inline GPtrArray *
dp_writer_samples (const DpWriter *w, int n_per_digit, guint64 seed)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  DpRng rng;
  dp_rng_init (&rng, seed);
  for (int d = 0; d < 10; d++)
    for (int k = 0; k < n_per_digit; k++)
      {
        g_autoptr (DpStrokes) s = dp_writer_draw (w, d, &rng);
        g_ptr_array_add (records, dp_strokes_record_new (s, d, NULL, 0));
      }
  return records;
}
