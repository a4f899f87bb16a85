/* test-synth.c: the generated training data (engine/synth.h): the same seed gives the same
 * bytes whatever the thread count and another seed other bytes; every label is there in the
 * counts asked for; every example has ink, fits MNIST's 20-px box and is centred like MNIST; the
 * cache is hit, replaced when stale and regenerated when corrupt; the TRAIN and DEV fonts and
 * Hershey styles are disjoint; no digit look-alike is drawn as "not a digit"; the mix holds
 * MNIST and the examples, shuffled. */
#include <math.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/strokes-file.h"
#include "engine/synth.h"
#include "test-util.h"

#define N_DIGITS 120
#define N_NEGATIVES 120

static DpDataset *
generate (guint64 seed, DpSynthSplit split, int threads, DpSynthReport *report)
{
  DpSynthRecipe recipe = { seed, N_DIGITS, N_NEGATIVES, split };
  g_autoptr (GError) error = NULL;
  DpDataset *ds = dp_synth_generate (&recipe, NULL, threads, NULL, NULL, NULL, report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static gboolean
same_data (const DpDataset *a, const DpDataset *b)
{
  return a->n == b->n
         && memcmp (a->images, b->images, (gsize) a->n * DP_INPUT_SIZE * sizeof (float)) == 0
         && memcmp (a->labels, b->labels, (gsize) a->n) == 0;
}

static void
test_deterministic (void)
{
  g_autoptr (DpDataset) a = generate (7, DP_SYNTH_SPLIT_TRAIN, 1, NULL);
  g_autoptr (DpDataset) b = generate (7, DP_SYNTH_SPLIT_TRAIN, 3, NULL);
  g_autoptr (DpDataset) c = generate (8, DP_SYNTH_SPLIT_TRAIN, 2, NULL);
  g_assert_true (same_data (a, b));
  g_assert_false (same_data (a, c));
  /* most examples differ with the seed, not just one */
  int differ = 0;
  for (int i = 0; i < a->n; i++)
    differ += memcmp (a->images + (gsize) i * DP_INPUT_SIZE, c->images + (gsize) i * DP_INPUT_SIZE,
                      DP_INPUT_SIZE * sizeof (float)) != 0;
  g_assert_cmpint (differ, >, a->n * 9 / 10);
}

/* labels, ink, box and centre of mass of every example of ds */
static void
check_examples (const DpDataset *ds)
{
  int count[DP_MAX_CLASSES] = { 0 };
  for (int i = 0; i < ds->n; i++)
    {
      int label = ds->labels[i];
      g_assert_cmpint (label, ==, i < N_DIGITS ? i % 10 : DP_CLASS_NOT_A_DIGIT);
      count[label]++;
      const float *img = ds->images + (gsize) i * DP_INPUT_SIZE;
      double mass = 0, mx = 0, my = 0;
      int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
      for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
          {
            float v = img[y * 28 + x];
            g_assert_true (v >= 0 && v <= 1);
            mass += v;
            mx += v * x;
            my += v * y;
            if (v > 0.1f)
              {
                x0 = MIN (x0, x);
                x1 = MAX (x1, x);
                y0 = MIN (y0, y);
                y1 = MAX (y1, y);
              }
          }
      if (mass < 3)
        g_error ("example %d (label %d) has almost no ink: %.2f", i, label, mass);
      mx /= mass;
      my /= mass;
      if (fabs (mx - 14) > 0.6 || fabs (my - 14) > 0.6)
        g_error ("example %d (label %d): centre of mass (%.2f, %.2f), not (14, 14)", i, label,
                 mx, my);
      /* the longer side fits MNIST's 20-px box (a pixel of antialiasing either side) */
      g_assert_cmpint (MAX (x1 - x0, y1 - y0) + 1, <=, 22);
    }
  for (int d = 0; d < DP_N_CLASSES; d++)
    g_assert_cmpint (count[d], ==, N_DIGITS / 10);
  g_assert_cmpint (count[DP_CLASS_NOT_A_DIGIT], ==, N_NEGATIVES);
}

static void
test_examples_train (void)
{
  DpSynthReport report = { 0 };
  g_autoptr (DpDataset) ds = generate (11, DP_SYNTH_SPLIT_TRAIN, 0, &report);
  check_examples (ds);
  /* every source is used, and the total adds up */
  int total = 0;
  for (int s = 0; s < DP_SYNTH_N_SOURCES; s++)
    {
      if (report.by_source[s] == 0)
        g_error ("no example from source %s", dp_synth_source_name (s));
      total += report.by_source[s];
    }
  g_assert_cmpint (total, ==, ds->n);
  g_assert_false (report.from_cache);
  dp_synth_report_clear (&report);
}

static void
test_examples_dev (void)
{
  g_autoptr (DpDataset) ds = generate (12, DP_SYNTH_SPLIT_DEV, 0, NULL);
  check_examples (ds);
}

static void
test_split_disjoint (void)
{
  const char *const *train = dp_synth_font_files (DP_SYNTH_SPLIT_TRAIN);
  const char *const *dev = dp_synth_font_files (DP_SYNTH_SPLIT_DEV);
  g_assert_cmpint (g_strv_length ((char **) train), >=, 20);
  g_assert_cmpint (g_strv_length ((char **) dev), >=, 8);
  for (const char *const *t = train; *t; t++)
    {
      g_assert_true (g_path_is_absolute (*t));
      g_assert_false (g_strv_contains (dev, *t));
    }
  g_assert_cmpint (g_strv_length ((char **) dp_synth_font_packages (DP_SYNTH_SPLIT_TRAIN)), ==,
                   g_strv_length ((char **) train));
  const char *const *htrain = dp_synth_hershey_styles (DP_SYNTH_SPLIT_TRAIN);
  const char *const *hdev = dp_synth_hershey_styles (DP_SYNTH_SPLIT_DEV);
  g_assert_cmpint (g_strv_length ((char **) hdev), >=, 3);
  for (const char *const *h = htrain; *h; h++)
    g_assert_false (g_strv_contains (hdev, *h));
}

static void
test_negative_chars (void)
{
  const char *neg = dp_synth_negative_chars (), *excluded = dp_synth_excluded_chars ();
  g_assert_cmpint (strlen (neg), >=, 30);
  for (const char *c = neg; *c; c++)
    {
      g_assert_false (g_ascii_isdigit (*c));
      if (strchr (excluded, *c) != NULL)
        g_error ("'%c' is both drawn as not a digit and excluded as a look-alike", *c);
    }
  /* the look-alikes named in the plan */
  for (const char *c = "OoQDIlij|/()SsZzBbgqG"; *c; c++)
    g_assert_nonnull (strchr (excluded, *c));
}

/* the development set's image part: outline-font glyphs only */
static void
test_fonts_only (void)
{
  DpSynthRecipe recipe = { 21, 50, 50, DP_SYNTH_SPLIT_DEV, TRUE };
  DpSynthReport report = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (DpDataset) ds = dp_synth_generate (&recipe, NULL, 0, NULL, NULL, NULL, &report,
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpint (report.by_source[DP_SYNTH_SOURCE_FONT], ==, 100);
  /* and the key says so: not the cache of the full recipe */
  g_autofree char *key1 = dp_synth_cache_key (&recipe, NULL, &error);
  recipe.fonts_only = FALSE;
  g_autofree char *key2 = dp_synth_cache_key (&recipe, NULL, &error);
  g_assert_cmpstr (key1, !=, key2);
  dp_synth_report_clear (&report);
}

/* drawings for strokes files: labels, ids, ink, the same for the same seed, and they survive
 * the strokes file's JSON */
static void
test_strokes (void)
{
  DpSynthRecipe recipe = { 31, 40, 40, DP_SYNTH_SPLIT_DEV };
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) a = dp_synth_generate_strokes (&recipe, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) b = dp_synth_generate_strokes (&recipe, &error);
  g_assert_cmpuint (a->len, ==, 80);
  gboolean any_font = FALSE, all_same = TRUE;
  for (guint i = 0; i < a->len; i++)
    {
      DpStrokesRecord *r = a->pdata[i];
      g_assert_cmpint (r->label, ==, i < 40 ? (int) i % 10 : DP_CLASS_NOT_A_DIGIT);
      g_assert_nonnull (r->id);
      any_font |= g_str_has_prefix (r->id, "font-") || g_str_has_prefix (r->id, "noise-");
      float img[DP_INPUT_SIZE];
      g_assert_true (dp_preprocess_strokes (r->strokes, img, &error));
      g_autofree char *json = dp_strokes_record_to_json (r);
      g_autofree char *json_b = dp_strokes_record_to_json (b->pdata[i]);
      all_same &= g_str_equal (json, json_b);
      g_autoptr (DpStrokesRecord) back = dp_strokes_record_parse (json, strlen (json), &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->label, ==, r->label);
      g_assert_cmpstr (back->id, ==, r->id);
    }
  g_assert_false (any_font); /* only the sources that are strokes */
  g_assert_true (all_same);
}

/* ---- the cache ----------------------------------------------------------------------------- */

static int
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  int n = 0;
  while (d && g_dir_read_name (d))
    n++;
  return n;
}

static void
test_cache (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  DpSynthRecipe recipe = { 5, 40, 40, DP_SYNTH_SPLIT_TRAIN };
  g_autoptr (GError) error = NULL;
  DpSynthReport report = { 0 };

  /* missing: generated and saved */
  g_autoptr (DpDataset) a = dp_synth_load_or_generate (&recipe, NULL, dir, 0, NULL, NULL, NULL,
                                                       &report, &error);
  g_assert_no_error (error);
  g_assert_false (report.from_cache);
  g_assert_nonnull (report.cache_path);
  g_assert_true (g_file_test (report.cache_path, G_FILE_TEST_IS_REGULAR));
  g_autofree char *images_path = g_strdup (report.cache_path);
  g_assert_cmpint (count_files (dir), ==, 2);

  /* hit: the same bytes, read back */
  g_autoptr (DpDataset) b = dp_synth_load_or_generate (&recipe, NULL, dir, 0, NULL, NULL, NULL,
                                                       &report, &error);
  g_assert_no_error (error);
  g_assert_true (report.from_cache);
  g_assert_true (same_data (a, b));

  /* corrupt: regenerated, the same bytes again, no crash */
  g_file_set_contents (images_path, "\x1f\x8b garbage", 10, &error);
  g_assert_no_error (error);
  g_test_expect_message ("Digitpad", G_LOG_LEVEL_WARNING, "*cache is unusable*");
  g_autoptr (DpDataset) c = dp_synth_load_or_generate (&recipe, NULL, dir, 0, NULL, NULL, NULL,
                                                       &report, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_false (report.from_cache);
  g_assert_true (same_data (a, c));
  g_assert_true (g_file_test (images_path, G_FILE_TEST_IS_REGULAR));

  /* a cache of the right format but the wrong count is not trusted either */
  {
    DpDataset head = { 10, a->images, a->labels };
    g_autofree char *labels_path = NULL;
    g_autofree char *base = g_path_get_basename (images_path);
    char *cut = strstr (base, "-images-");
    g_assert_nonnull (cut);
    *cut = '\0';
    g_autofree char *labels_name = g_strconcat (base, "-labels-idx1-ubyte.gz", NULL);
    labels_path = g_build_filename (dir, labels_name, NULL);
    g_assert_true (dp_dataset_save (&head, images_path, labels_path, &error));
    g_assert_no_error (error);
    g_test_expect_message ("Digitpad", G_LOG_LEVEL_WARNING, "*wrong number of examples*");
    g_autoptr (DpDataset) d = dp_synth_load_or_generate (&recipe, NULL, dir, 0, NULL, NULL, NULL,
                                                         &report, &error);
    g_test_assert_expected_messages ();
    g_assert_no_error (error);
    g_assert_true (same_data (a, d));
  }

  /* stale: another recipe has another key; its files replace the old ones */
  g_autofree char *key1 = dp_synth_cache_key (&recipe, NULL, &error);
  recipe.seed = 6;
  g_autofree char *key2 = dp_synth_cache_key (&recipe, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key1, !=, key2);
  g_autoptr (DpDataset) e = dp_synth_load_or_generate (&recipe, NULL, dir, 0, NULL, NULL, NULL,
                                                       &report, &error);
  g_assert_no_error (error);
  g_assert_false (report.from_cache);
  g_assert_false (same_data (a, e));
  g_assert_false (g_file_test (images_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (count_files (dir), ==, 2);

  /* the MNIST digits used for pairs are part of the key */
  float img[DP_INPUT_SIZE] = { 0 };
  guint8 label = 3;
  img[300] = 1;
  DpDataset mnist = { 1, img, &label };
  g_autofree char *key3 = dp_synth_cache_key (&recipe, &mnist, &error);
  g_assert_cmpstr (key2, !=, key3);

  dp_synth_report_clear (&report);
  dp_test_rmdir (dir);
}

/* the cache folder is made when missing; an unwritable one is only a warning */
static void
test_cache_unwritable (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *file = g_build_filename (dir, "not-a-folder", NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (file, "x", 1, &error);
  g_assert_no_error (error);
  g_autofree char *inside = g_build_filename (file, "cache", NULL);
  DpSynthRecipe recipe = { 5, 10, 10, DP_SYNTH_SPLIT_TRAIN };
  g_test_expect_message ("Digitpad", G_LOG_LEVEL_WARNING, "*cache*");
  g_autoptr (DpDataset) ds = dp_synth_load_or_generate (&recipe, NULL, inside, 1, NULL, NULL,
                                                        NULL, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpint (ds->n, ==, 20);
  dp_test_rmdir (dir);
}

static void
test_mix (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  /* a small stand-in for MNIST: 50 images of a blob, labels 0 … 9 */
  DpDataset mnist = { 50, g_new0 (float, 50 * DP_INPUT_SIZE), g_new (guint8, 50) };
  for (int i = 0; i < 50; i++)
    {
      mnist.labels[i] = (guint8) (i % 10);
      for (int y = 8; y < 20; y++)
        for (int x = 12; x < 16 + i % 5; x++)
          mnist.images[(gsize) i * DP_INPUT_SIZE + y * 28 + x] = 1;
    }
  DpSynthRecipe recipe = { 9, 30, 20, DP_SYNTH_SPLIT_TRAIN };
  g_autoptr (GError) error = NULL;
  g_autoptr (DpDataset) mix = dp_synth_build_mix (&mnist, &recipe, 1, dir, NULL, NULL, NULL,
                                                  NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mix->n, ==, 100);
  int count[DP_MAX_CLASSES] = { 0 }, first_negative = -1;
  for (int i = 0; i < mix->n; i++)
    {
      count[mix->labels[i]]++;
      if (mix->labels[i] == DP_CLASS_NOT_A_DIGIT && first_negative < 0)
        first_negative = i;
    }
  for (int d = 0; d < 10; d++)
    g_assert_cmpint (count[d], ==, 5 + 3);
  g_assert_cmpint (count[DP_CLASS_NOT_A_DIGIT], ==, 20);
  g_assert_cmpint (first_negative, <, 50); /* shuffled, not appended */
  /* the same seed, the same order; another seed, another */
  g_autoptr (DpDataset) again = dp_synth_build_mix (&mnist, &recipe, 1, dir, NULL, NULL, NULL,
                                                    NULL, &error);
  g_autoptr (DpDataset) other = dp_synth_build_mix (&mnist, &recipe, 2, dir, NULL, NULL, NULL,
                                                    NULL, &error);
  g_assert_no_error (error);
  g_assert_true (same_data (mix, again));
  g_assert_false (same_data (mix, other));
  g_free (mnist.images);
  g_free (mnist.labels);
  dp_test_rmdir (dir);
}

/* MNIST's loader stays 0 … 9; a mix file reads with labels up to 10; save → load round trip */
static void
test_dataset_labels (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *images = g_build_filename (dir, "i.gz", NULL);
  g_autofree char *labels = g_build_filename (dir, "l.gz", NULL);
  float img[2 * DP_INPUT_SIZE] = { 0 };
  img[5] = 1;
  img[DP_INPUT_SIZE + 7] = 0.5f;
  guint8 lab[2] = { 3, DP_CLASS_NOT_A_DIGIT };
  DpDataset ds = { 2, img, lab };
  g_autoptr (GError) error = NULL;
  g_assert_true (dp_dataset_save (&ds, images, labels, &error));
  g_assert_no_error (error);
  g_assert_null (dp_dataset_load (images, labels, &error));
  dp_test_assert_message (error, "l.gz", "label 10 at index 1 is above 9", NULL);
  g_clear_error (&error);
  g_autoptr (DpDataset) back = dp_dataset_load_labels_upto (images, labels, DP_CLASS_NOT_A_DIGIT,
                                                            &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->n, ==, 2);
  g_assert_cmpint (back->labels[1], ==, DP_CLASS_NOT_A_DIGIT);
  g_assert_cmpfloat (back->images[5], ==, 1);
  g_assert_cmpfloat_with_epsilon (back->images[DP_INPUT_SIZE + 7], 0.5, 1.0 / 255);
  dp_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/synth/deterministic", test_deterministic);
  g_test_add_func ("/synth/examples-train", test_examples_train);
  g_test_add_func ("/synth/examples-dev", test_examples_dev);
  g_test_add_func ("/synth/split-disjoint", test_split_disjoint);
  g_test_add_func ("/synth/negative-chars", test_negative_chars);
  g_test_add_func ("/synth/fonts-only", test_fonts_only);
  g_test_add_func ("/synth/strokes", test_strokes);
  g_test_add_func ("/synth/cache", test_cache);
  g_test_add_func ("/synth/cache-unwritable", test_cache_unwritable);
  g_test_add_func ("/synth/mix", test_mix);
  g_test_add_func ("/synth/dataset-labels", test_dataset_labels);
  return g_test_run ();
}
