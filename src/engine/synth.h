/* synth.h: the project's own training data beyond MNIST, generated (never downloaded, never
 * committed) from what Debian ships, seeded and reproducible:
 *
 *   digits (labels 0 … 9)  — glyphs of outline fonts (handwriting-like ones weighted up) rendered
 *                            with Cairo and read through dp_preprocess_gray (the image path);
 *                            glyphs of the single-stroke Hershey fonts and synthetic
 *                            handwriting-style digits (slashed 0, flagged 1 with or without a base
 *                            serif, crossed 7, open 4, 6 and 9 loop variants, …) drawn as
 *                            DpStrokes with jitter and read through dp_preprocess_strokes (the
 *                            pad's own path);
 *   "not a digit" (label DP_CLASS_NOT_A_DIGIT) — letters and symbols of the same fonts (never a
 *                            digit look-alike, see dp_synth_negative_chars), scribbles, random
 *                            strokes, partial digits, two digits side by side, dots and dashes,
 *                            noise.
 *
 * Fonts and Hershey styles are split into TRAIN and DEV lists: a DEV font is never used for
 * training. Example i is drawn from its own random stream (seed, i), so the output is the same
 * bytes whatever the number of threads. Images are stored as bytes (ink · 255), exactly what the
 * IDX cache holds. */
#pragma once

#include <gio/gio.h>

#include "engine/dataset.h"

G_BEGIN_DECLS

/* Bumped whenever the generator's output changes: part of the cache key. */
#define DP_SYNTH_VERSION 1
#define DP_SYNTH_DEFAULT_SEED 20261129
#define DP_SYNTH_DEFAULT_DIGITS 20000
#define DP_SYNTH_DEFAULT_NEGATIVES 20000

typedef enum
{
  DP_SYNTH_SPLIT_TRAIN, /* the fonts and Hershey styles used for training */
  DP_SYNTH_SPLIT_DEV,   /* the held-out ones, for the development set */
} DpSynthSplit;

typedef struct
{
  guint64 seed;
  int n_digits;      /* labels 0 … 9, as many of each (i % 10) */
  int n_negatives;   /* label DP_CLASS_NOT_A_DIGIT */
  DpSynthSplit split;
  gboolean fonts_only; /* outline-font glyphs only (the development set's image part) */
} DpSynthRecipe;

/* seed DP_SYNTH_DEFAULT_SEED, the default counts, TRAIN, every source */
void dp_synth_recipe_default (DpSynthRecipe *recipe);

/* Where an example came from (dp_synth_source_names: "font", "hershey", …). */
typedef enum
{
  DP_SYNTH_SOURCE_FONT,     /* an outline font's digit or letter/symbol */
  DP_SYNTH_SOURCE_HERSHEY,  /* a Hershey glyph as strokes */
  DP_SYNTH_SOURCE_STROKES,  /* a synthetic handwriting-style digit */
  DP_SYNTH_SOURCE_SCRIBBLE, /* a scribble or random strokes */
  DP_SYNTH_SOURCE_PARTIAL,  /* a piece of a digit */
  DP_SYNTH_SOURCE_PAIR,     /* two digits side by side */
  DP_SYNTH_SOURCE_DOTS,     /* dots and dashes */
  DP_SYNTH_SOURCE_NOISE,    /* speckle noise */
  DP_SYNTH_N_SOURCES,
} DpSynthSource;

const char *dp_synth_source_name (DpSynthSource source);

/* The font files of a split (absolute paths, NULL-terminated, static) and the Debian package
 * of each (same order), and the Hershey styles (file base names under
 * /usr/share/hershey-fonts). */
const char * const *dp_synth_font_files     (DpSynthSplit split);
const char * const *dp_synth_font_packages  (DpSynthSplit split);
const char * const *dp_synth_hershey_styles (DpSynthSplit split);
/* the characters drawn as "not a digit", and the digit look-alikes left out (see synth.c) */
const char *dp_synth_negative_chars (void);
const char *dp_synth_excluded_chars (void);

/* Called on the generating thread (about every 1 % and at the end); done ≤ total. */
typedef void (*DpSynthProgress) (int done, int total, gpointer user_data);

typedef struct
{
  double seconds;                     /* generation time, 0 on a cache hit */
  int threads;                        /* threads used */
  gboolean from_cache;
  int by_source[DP_SYNTH_N_SOURCES];  /* how many examples each source made (fresh runs only) */
  char *cache_path;                   /* the images file of the cache (owned; may be NULL) */
} DpSynthReport;

void dp_synth_report_clear (DpSynthReport *report);

/* Generates the examples of recipe: n_digits digits (label i % 10 for i < n_digits) then
 * n_negatives negatives, in that order. mnist (may be NULL) supplies digits for the pairs. Fails
 * with an error that names the missing font file and its package. threads: 0 = as many as
 * cores. */
DpDataset *dp_synth_generate (const DpSynthRecipe *recipe, const DpDataset *mnist, int threads,
                              DpSynthProgress progress, gpointer user_data,
                              GCancellable *cancellable, DpSynthReport *report, GError **error);

/* The examples of recipe as drawings (DpStrokesRecord *, engine/strokes-file.h) for a strokes
 * file, from the sources that are strokes: Hershey glyphs of the split's styles, synthetic
 * handwriting-style digits, scribbles, partial digits, pairs of drawn digits, dots and dashes.
 * Labels i % 10 for the first n_digits, then DP_CLASS_NOT_A_DIGIT; ids "SOURCE-INDEX". A random
 * stream of its own: not the drawings behind dp_synth_generate's images. */
GPtrArray *dp_synth_generate_strokes (const DpSynthRecipe *recipe, GError **error);

/* The cache key (hex): a hash of the version, the recipe, the font and Hershey files' contents
 * and the MNIST digits used for the pairs. */
char *dp_synth_cache_key (const DpSynthRecipe *recipe, const DpDataset *mnist, GError **error);

/* dp_synth_generate through a cache in cache_dir (NULL: g_get_user_cache_dir ()/digitpad):
 * synth-KEY-images-idx3-ubyte.gz and synth-KEY-labels-idx1-ubyte.gz, written atomically. A
 * missing or unreadable (corrupt, truncated, wrong count) cache is regenerated; older synth-*
 * files there are removed. A cache that cannot be written is only a warning. */
DpDataset *dp_synth_load_or_generate (const DpSynthRecipe *recipe, const DpDataset *mnist,
                                      const char *cache_dir, int threads,
                                      DpSynthProgress progress, gpointer user_data,
                                      GCancellable *cancellable, DpSynthReport *report,
                                      GError **error);

/* The MIX training set: all of mnist_train followed by recipe's examples (NULL: the default
 * recipe) through the cache, shuffled with seed. Labels 0 … 10. */
DpDataset *dp_synth_build_mix (const DpDataset *mnist_train, const DpSynthRecipe *recipe,
                               guint64 seed, const char *cache_dir, DpSynthProgress progress,
                               gpointer user_data, GCancellable *cancellable,
                               DpSynthReport *report, GError **error);

G_END_DECLS
