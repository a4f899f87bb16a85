/* test-samples.c: DpSamples, the personal samples of the app. A sample added is one more line of
 * the strokes file (label, time, an id) and reads back the same drawing; removing and relabelling
 * rewrite the file, and memory follows only what was written; an unreadable file is never
 * written to; lines that do not read are copied aside before a rewrite drops them; import adds
 * the labelled records (new ids for clashing ones) and export writes them all. */
#include <glib/gstdio.h>

#include "dp-samples.h"
#include "engine/engine.h"
#include "engine/strokes-file.h"

typedef struct
{
  char *dir;
  char *path;
  guint changed;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("digitpad-samples-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->path = g_build_filename (f->dir, "digitpad", "samples.ndjson", NULL);
}

static void
remove_tree (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p);
    }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

static void
on_changed_cb (DpSamples *samples, Fixture *f)
{
  f->changed++;
}

/* a small "7": two strokes */
static DpStrokes *
seven (float shift)
{
  DpStrokes *s = dp_strokes_new ();
  const DpPoint top[] = { { 0.2f + shift, 0.2f, 1, 0 }, { 0.8f + shift, 0.2f, 1, 10 } };
  const DpPoint stem[] = { { 0.8f + shift, 0.2f, 1, 20 }, { 0.5f + shift, 0.5f, 1, 30 },
                           { 0.4f + shift, 0.85f, 1, 40 } };

  dp_strokes_begin (s);
  for (guint i = 0; i < G_N_ELEMENTS (top); i++)
    dp_strokes_add_point (s, &top[i]);
  dp_strokes_begin (s);
  for (guint i = 0; i < G_N_ELEMENTS (stem); i++)
    dp_strokes_add_point (s, &stem[i]);
  return s;
}

static guint
file_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

static DpSamples *
open_samples (Fixture *f)
{
  DpSamples *samples = dp_samples_new (f->path);
  g_autoptr (GError) error = NULL;

  g_signal_connect (samples, "changed", G_CALLBACK (on_changed_cb), f);
  g_assert_true (dp_samples_load (samples, NULL, &error));
  g_assert_no_error (error);
  return samples;
}

static void
test_add_and_read_back (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = open_samples (f);
  g_autoptr (DpStrokes) s = seven (0);
  g_autoptr (GError) error = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  const char *id;

  g_assert_cmpuint (dp_samples_get_n (samples), ==, 0);
  id = dp_samples_add (samples, s, 7, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  g_assert_cmpuint (f->changed, ==, 2); /* the load, the add */
  g_assert_true (dp_samples_add (samples, s, DP_CLASS_NOT_A_DIGIT, &error) != NULL);
  g_assert_cmpuint (file_lines (f->path), ==, 2);
  g_assert_cmpuint (dp_samples_count (samples, 7), ==, 1);
  g_assert_cmpuint (dp_samples_count (samples, DP_CLASS_NOT_A_DIGIT), ==, 1);

  /* another instance reads the same samples from the file */
  g_autoptr (DpSamples) again = open_samples (f);
  g_assert_cmpuint (dp_samples_get_n (again), ==, 2);
  const DpStrokesRecord *r = dp_samples_find (again, id);
  g_assert_nonnull (r);
  g_assert_cmpint (r->label, ==, 7);
  g_assert_cmpint (r->time, >=, before);
  g_assert_cmpuint (dp_strokes_get_n_strokes (r->strokes), ==, 2);
  g_assert_null (dp_samples_get_load_problem (again));
}

static void
test_remove_and_relabel (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = open_samples (f);
  g_autoptr (DpStrokes) s = seven (0);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = g_strdup (dp_samples_add (samples, s, 7, NULL));
  g_autofree char *b = g_strdup (dp_samples_add (samples, s, 1, NULL));

  g_assert_true (dp_samples_relabel (samples, b, 4, &error));
  g_assert_no_error (error);
  g_assert_true (dp_samples_remove (samples, a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_lines (f->path), ==, 1);
  g_assert_false (dp_samples_remove (samples, a, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);

  g_autoptr (DpSamples) again = open_samples (f);
  g_assert_cmpuint (dp_samples_get_n (again), ==, 1);
  g_assert_cmpint (dp_samples_find (again, b)->label, ==, 4);
}

/* a folder where the file should be: the rewrite fails, and memory keeps what the file has */
static void
test_failed_write_changes_nothing (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = open_samples (f);
  g_autoptr (DpStrokes) s = seven (0);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = g_strdup (dp_samples_add (samples, s, 7, NULL));
  g_autofree char *moved = g_strconcat (f->path, ".moved", NULL);

  g_assert_cmpint (g_rename (f->path, moved), ==, 0);
  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  g_assert_false (dp_samples_relabel (samples, a, 3, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (dp_samples_find (samples, a)->label, ==, 7);
  g_clear_error (&error);
  g_assert_false (dp_samples_remove (samples, a, &error));
  g_assert_nonnull (dp_samples_find (samples, a));
  g_rmdir (f->path);
}

static void
write_file (const char *path, const char *text)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

/* a line that does not read is skipped and named; the first rewrite keeps the file as it was
 * in samples.ndjson.damaged */
static void
test_damaged_lines_kept_aside (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = dp_samples_new (f->path);
  g_autoptr (GPtrArray) bad = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *aside = g_strconcat (f->path, ".damaged", NULL);
  g_autofree char *kept = NULL;
  const char *text = "{\"strokes\": [[[1, 1], [5, 9]]], \"label\": 1, \"id\": \"a\"}\n"
                     "{\"strokes\": [[[1, 1], [5, 9]]], \"label\": 12}\n"
                     "{\"strokes\": [[[1, 1], [5, 9]]], \"label\": 1, \"id\": \"b\"}\n";

  write_file (f->path, text);
  g_assert_true (dp_samples_load (samples, &bad, &error));
  g_assert_cmpuint (dp_samples_get_n (samples), ==, 2);
  g_assert_nonnull (bad);
  g_assert_cmpuint (bad->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (bad, 0), ":2:"));
  g_assert_nonnull (dp_samples_get_load_problem (samples));

  g_assert_true (dp_samples_remove (samples, "a", &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (aside, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, text);
  g_assert_cmpuint (file_lines (f->path), ==, 1);
}

/* a file that cannot be read is never replaced, not even by an append */
static void
test_unreadable_never_written (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = dp_samples_new (f->path);
  g_autoptr (DpStrokes) s = seven (0);
  g_autoptr (GError) error = NULL;
  g_autofree char *after = NULL;
  static const char binary[] = { 'x', 0, 1, 2, '\n', 0 };

  write_file (f->path, "");
  g_assert_true (g_file_set_contents (f->path, binary, sizeof binary, NULL));
  g_assert_false (dp_samples_load (samples, NULL, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (dp_samples_get_load_problem (samples));
  g_clear_error (&error);
  g_assert_null (dp_samples_add (samples, s, 7, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  gsize len;
  g_assert_true (g_file_get_contents (f->path, &after, &len, NULL));
  g_assert_cmpmem (after, len, binary, sizeof binary);
}

static void
test_import_export (Fixture *f, gconstpointer data)
{
  g_autoptr (DpSamples) samples = open_samples (f);
  g_autoptr (DpStrokes) s = seven (0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bad = NULL;
  g_autofree char *out = g_build_filename (f->dir, "backup.ndjson", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.ndjson", NULL);
  guint added = 0, unlabelled = 0;

  dp_samples_add (samples, s, 7, NULL);
  dp_samples_add (samples, s, 2, NULL);
  g_assert_true (dp_samples_export (samples, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (file_lines (out), ==, 2);

  /* its own export again: the ids clash, so they get new ones, and the samples double */
  g_assert_true (dp_samples_import (samples, out, &added, &unlabelled, &bad, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (added, ==, 2);
  g_assert_cmpuint (dp_samples_get_n (samples), ==, 4);
  GPtrArray *records = dp_samples_get_records (samples);
  for (guint i = 0; i < records->len; i++)
    for (guint j = i + 1; j < records->len; j++)
      g_assert_cmpstr (((DpStrokesRecord *) records->pdata[i])->id, !=,
                       ((DpStrokesRecord *) records->pdata[j])->id);

  /* records without a label are not samples; a bad line is named */
  write_file (other, "{\"strokes\": [[[1, 1], [5, 9]]]}\n"
                     "{\"strokes\": [[[1, 1], [5, 9]]], \"label\": null}\n"
                     "not json\n");
  g_clear_pointer (&bad, g_ptr_array_unref);
  g_assert_true (dp_samples_import (samples, other, &added, &unlabelled, &bad, &error));
  g_assert_cmpuint (added, ==, 1);
  g_assert_cmpuint (unlabelled, ==, 1);
  g_assert_cmpuint (bad->len, ==, 1);
  g_assert_cmpuint (dp_samples_count (samples, DP_CLASS_NOT_A_DIGIT), ==, 1);

  g_autoptr (DpSamples) again = open_samples (f);
  g_assert_cmpuint (dp_samples_get_n (again), ==, 5);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/app/samples/add-and-read-back", test_add_and_read_back);
  ADD ("/app/samples/remove-and-relabel", test_remove_and_relabel);
  ADD ("/app/samples/failed-write-changes-nothing", test_failed_write_changes_nothing);
  ADD ("/app/samples/damaged-lines-kept-aside", test_damaged_lines_kept_aside);
  ADD ("/app/samples/unreadable-never-written", test_unreadable_never_written);
  ADD ("/app/samples/import-export", test_import_export);
#undef ADD
  return g_test_run ();
}
