/* test-strokes-file.c: the strokes file (engine/strokes-file.h): a record written and read back
 * is the same drawing; the unit of the points does not matter to the 28×28 image; labels; every
 * kind of bad record with its message; a file with bad, blank and torn lines; appends and saves. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "engine/error.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/strokes-file.h"

#include "fixtures/strokes-fixtures.h"
#include "test-util.h"

/* every fixture drawing, loaded */
static GPtrArray *
load_fixtures (void)
{
  g_autofree char *dir = dp_fixtures_dir ();
  GError *error = NULL;
  g_autoptr (GPtrArray) paths = dp_fixtures_list (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, >=, 30);
  GPtrArray *drawings = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_free);
  for (guint i = 0; i < paths->len; i++)
    {
      DpStrokes *st = dp_fixture_load (paths->pdata[i], &error);
      g_assert_no_error (error);
      g_ptr_array_add (drawings, st);
    }
  return drawings;
}

static DpStrokesRecord *
parse (const char *text, GError **error)
{
  return dp_strokes_record_parse (text, strlen (text), error);
}

static void
assert_same_drawing (const DpStrokes *a, const DpStrokes *b, double tolerance)
{
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_aspect (a), dp_strokes_get_aspect (b), 1e-5);
  g_assert_cmpuint (dp_strokes_get_n_strokes (a), ==, dp_strokes_get_n_strokes (b));
  for (guint s = 0; s < dp_strokes_get_n_strokes (a); s++)
    {
      guint na, nb;
      const DpPoint *pa = dp_strokes_get_stroke (a, s, &na);
      const DpPoint *pb = dp_strokes_get_stroke (b, s, &nb);
      g_assert_cmpuint (na, ==, nb);
      for (guint i = 0; i < na; i++)
        {
          g_assert_cmpfloat_with_epsilon (pa[i].x, pb[i].x, tolerance);
          g_assert_cmpfloat_with_epsilon (pa[i].y, pb[i].y, tolerance);
          g_assert_cmpfloat_with_epsilon (pa[i].pressure, pb[i].pressure, 1e-3);
        }
    }
}

static void
test_round_trip (void)
{
  g_autoptr (GPtrArray) drawings = load_fixtures ();
  const double aspects[] = { 1.0, 1.5, 0.75 };
  for (guint i = 0; i < drawings->len; i++)
    {
      g_autoptr (DpStrokes) st = dp_strokes_copy (drawings->pdata[i]);
      dp_strokes_set_aspect (st, aspects[i % 3]);
      /* a light touch on some points, so the third number travels too */
      g_autoptr (DpStrokes) pressed = dp_strokes_new ();
      dp_strokes_set_aspect (pressed, aspects[i % 3]);
      for (guint s = 0; s < dp_strokes_get_n_strokes (st); s++)
        {
          guint n;
          const DpPoint *p = dp_strokes_get_stroke (st, s, &n);
          dp_strokes_begin (pressed);
          for (guint k = 0; k < n; k++)
            {
              DpPoint q = p[k];
              q.pressure = (k % 3 == 1) ? 0.25f + 0.01f * (float) (k % 50) : 1.0f;
              q.time_ms = 0;
              dp_strokes_add_point (pressed, &q);
            }
        }
      int label = (int) (i % 12) - 1; /* unknown, 0 … 9, not a digit */
      const char *id = i % 2 ? "writer \"A\"/sample\\1\tß" : NULL;
      g_autoptr (DpStrokesRecord) record = dp_strokes_record_new (pressed, label, id,
                                                                   i % 4 ? 1764400000 + i : 0);
      g_autofree char *json = dp_strokes_record_to_json (record);
      g_assert_null (strchr (json, '\n'));
      GError *error = NULL;
      g_autoptr (DpStrokesRecord) back = parse (json, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->label, ==, label);
      g_assert_cmpstr (back->id, ==, id);
      g_assert_cmpint (back->time, ==, record->time);
      /* written to 0.1 of 1000 canvas units */
      assert_same_drawing (pressed, back->strokes, 1e-4);
      /* and written again, the very same text */
      g_autofree char *again = dp_strokes_record_to_json (back);
      g_assert_cmpstr (again, ==, json);
    }
}

/* the same points in another unit and place: a canvas in millimetres, pixels without a canvas */
static char *
drawing_as_json (const DpStrokes *st, double scale, double dx, double dy, const char *canvas)
{
  GString *s = g_string_new ("{\"id\": \"x\", \"strokes\": [");
  for (guint k = 0; k < dp_strokes_get_n_strokes (st); k++)
    {
      guint n;
      const DpPoint *p = dp_strokes_get_stroke (st, k, &n);
      g_string_append (s, k ? ", [" : "[");
      for (guint i = 0; i < n; i++)
        g_string_append_printf (s, "%s[%.9g, %.9g]", i ? ", " : "", p[i].x * scale + dx,
                                p[i].y * scale + dy);
      g_string_append (s, "]");
    }
  g_string_append (s, "]");
  if (canvas)
    g_string_append_printf (s, ", \"canvas\": %s", canvas);
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

static void
test_units_independent (void)
{
  g_autoptr (GPtrArray) drawings = load_fixtures ();
  for (guint i = 0; i < drawings->len; i++)
    {
      const DpStrokes *st = drawings->pdata[i];
      g_autofree char *mm = drawing_as_json (st, 63.5, 0, 0, "[63.5, 63.5]");
      g_autofree char *px = drawing_as_json (st, 400, 1000, -250, NULL);
      g_autofree char *wide = drawing_as_json (st, 400, 100, 0, "[600, 400]");
      GError *error = NULL;
      g_autoptr (DpStrokesRecord) a = parse (mm, &error);
      g_assert_no_error (error);
      g_autoptr (DpStrokesRecord) b = parse (px, &error);
      g_assert_no_error (error);
      g_autoptr (DpStrokesRecord) c = parse (wide, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat_with_epsilon (dp_strokes_get_aspect (c->strokes), 1.5, 1e-9);
      float in0[784], ina[784], inb[784], inc[784];
      g_assert_true (dp_preprocess_strokes (st, in0, &error));
      g_assert_true (dp_preprocess_strokes (a->strokes, ina, &error));
      g_assert_true (dp_preprocess_strokes (b->strokes, inb, &error));
      g_assert_true (dp_preprocess_strokes (c->strokes, inc, &error));
      g_assert_no_error (error);
      double worst = 0;
      for (int k = 0; k < 784; k++)
        worst = MAX (worst, MAX (fabs (ina[k] - in0[k]),
                                 MAX (fabs (inb[k] - in0[k]), fabs (inc[k] - in0[k]))));
      g_assert_cmpfloat (worst, <, 0.01);

      /* on the square pad, the wide canvas's drawing keeps its shape and its image */
      g_autoptr (DpStrokes) square = dp_strokes_copy_square (c->strokes);
      g_assert_cmpfloat (dp_strokes_get_aspect (square), ==, 1.0);
      float insq[784];
      g_assert_true (dp_preprocess_strokes (square, insq, &error));
      worst = 0;
      for (int k = 0; k < 784; k++)
        worst = MAX (worst, fabs (insq[k] - in0[k]));
      g_assert_cmpfloat (worst, <, 0.01);
    }
}

static void
test_copy_square (void)
{
  g_autoptr (DpStrokes) wide = dp_strokes_new ();
  dp_strokes_set_aspect (wide, 2.0);
  DpPoint p = { 0.25f, 0.5f, 0.5f, 7 }, q = { 1.0f, 1.0f, 1.0f, 9 };
  dp_strokes_add_point (wide, &p);
  dp_strokes_add_point (wide, &q);
  g_autoptr (DpStrokes) sq = dp_strokes_copy_square (wide);
  guint n;
  const DpPoint *s = dp_strokes_get_stroke (sq, 0, &n);
  g_assert_cmpuint (n, ==, 2);
  /* width 2 (heights) is the side; the height 1 is centred: y from 0.25 to 0.75 */
  g_assert_cmpfloat_with_epsilon (s[0].x, 0.25, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[0].y, 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1].x, 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[1].y, 0.75, 1e-6);
  g_assert_cmpfloat (s[0].pressure, ==, 0.5f);
  g_assert_cmpuint (s[1].time_ms, ==, 9);
  /* the same length in the same units (canvas height 1 → square side 2) */
  g_assert_cmpfloat_with_epsilon (dp_strokes_get_length (sq, 0) * 2, dp_strokes_get_length (wide, 0), 1e-6);

  g_autoptr (DpStrokes) tall = dp_strokes_new ();
  dp_strokes_set_aspect (tall, 0.5);
  dp_strokes_add_point (tall, &p);
  g_autoptr (DpStrokes) sq2 = dp_strokes_copy_square (tall);
  s = dp_strokes_get_stroke (sq2, 0, &n);
  /* height is the side; the width 0.5 centred: x from 0.25 to 0.75 */
  g_assert_cmpfloat_with_epsilon (s[0].x, 0.25 + 0.25 * 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (s[0].y, 0.5, 1e-6);
}

static void
test_labels (void)
{
  GError *error = NULL;
  for (int d = 0; d <= 9; d++)
    {
      g_autofree char *text = g_strdup_printf ("{\"strokes\": [[[0, 0], [1, 2]]], \"label\": %d}", d);
      g_autoptr (DpStrokesRecord) r = parse (text, &error);
      g_assert_no_error (error);
      g_assert_cmpint (r->label, ==, d);
    }
  g_autoptr (DpStrokesRecord) none = parse ("{\"strokes\": [[[0, 0]]], \"label\": null}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (none->label, ==, DP_CLASS_NOT_A_DIGIT);
  g_autoptr (DpStrokesRecord) absent = parse ("{\"strokes\": [[[0, 0]]]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (absent->label, ==, DP_LABEL_UNKNOWN);
  g_assert_null (absent->id);
  g_assert_cmpint (absent->time, ==, 0);
  g_assert_cmpfloat (dp_strokes_get_aspect (absent->strokes), ==, 1.0);
  /* a float that is a whole number is the number */
  g_autoptr (DpStrokesRecord) whole = parse ("{\"strokes\": [[[0, 0]]], \"label\": 4.0}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (whole->label, ==, 4);
  const char *bad[] = { "10", "-1", "3.5", "\"7\"", "true", "[7]", "{}" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"strokes\": [[[0, 0]]], \"label\": %s}", bad[i]);
      g_assert_null (parse (text, &error));
      g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
      g_assert_cmpstr (error->message, ==, "label must be 0–9 or null");
      g_clear_error (&error);
    }
}

static void
test_normalise (void)
{
  GError *error = NULL;
  /* a canvas: x / width, y / height; pressure clamped */
  g_autoptr (DpStrokesRecord) r = parse ("{\"strokes\": [[[50, 25, 0.5], [100, 100, 7], [0, 0, -1]]],"
                                         " \"canvas\": [200, 100], \"unknown\": {\"x\": [1]}}",
                                         &error);
  g_assert_no_error (error);
  guint n;
  const DpPoint *p = dp_strokes_get_stroke (r->strokes, 0, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpfloat (dp_strokes_get_aspect (r->strokes), ==, 2.0);
  g_assert_cmpfloat (p[0].x, ==, 0.25f);
  g_assert_cmpfloat (p[0].y, ==, 0.25f);
  g_assert_cmpfloat (p[0].pressure, ==, 0.5f);
  g_assert_cmpfloat (p[1].pressure, ==, 1.0f);
  g_assert_cmpfloat (p[2].pressure, ==, 0.0f);
  /* no canvas: the bounding box 10 wide, 40 high becomes a 40 × 40 square around its centre */
  g_autoptr (DpStrokesRecord) box = parse ("{\"strokes\": [[[100, 0], [110, 40]]]}", &error);
  g_assert_no_error (error);
  p = dp_strokes_get_stroke (box->strokes, 0, &n);
  g_assert_cmpfloat (dp_strokes_get_aspect (box->strokes), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (p[0].x, 0.375, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1].x, 0.625, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[0].y, 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (p[1].y, 1.0, 1e-6);
  g_assert_cmpfloat (p[0].pressure, ==, 1.0f);
  /* one dot: still a drawing */
  g_autoptr (DpStrokesRecord) dot = parse ("{\"strokes\": [[[5, 5]]], \"id\": \"dot\", \"time\": 12}",
                                           &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dot->id, ==, "dot");
  g_assert_cmpint (dot->time, ==, 12);
  p = dp_strokes_get_stroke (dot->strokes, 0, &n);
  g_assert_cmpfloat_with_epsilon (p[0].x, 0.5, 1e-6);
}

static void
test_bad_records (void)
{
  g_autofree char *deep = g_strnfill (100000, '[');
  g_autofree char *deep_record = g_strdup_printf ("{\"strokes\": [[[0, 0]]], \"x\": %s}", deep);
  /* 100 001 points */
  GString *many = g_string_new ("{\"strokes\": [[");
  for (int i = 0; i <= DP_STROKES_MAX_POINTS; i++)
    g_string_append (many, i ? ",[1,2]" : "[1,2]");
  g_string_append (many, "]]}");
  GString *strokes = g_string_new ("{\"strokes\": [");
  for (int i = 0; i <= DP_STROKES_MAX_STROKES; i++)
    g_string_append (strokes, i ? ",[[1,2]]" : "[[1,2]]");
  g_string_append (strokes, "]}");
  GString *long_line = g_string_new ("{\"strokes\": [[[0, 0]]], \"pad\": \"");
  while (long_line->len <= DP_STROKES_MAX_LINE)
    g_string_append (long_line, "abcdefghijklmnopqrstuvwxyz0123456789");
  g_string_append (long_line, "\"}");

  const struct
  {
    const char *text;
    gssize length; /* -1: strlen */
    const char *message;
  } cases[] = {
    { "{\"label\": 3}", -1, "'strokes' is missing" },
    { "{\"strokes\": 5}", -1, "'strokes' must be an array of strokes" },
    { "{\"strokes\": []}", -1, "'strokes' has no points" },
    { "{\"strokes\": [[]]}", -1, "stroke 1 has no points" },
    { "{\"strokes\": [[[0, 0]], 7]}", -1, "stroke 2 is not an array of points" },
    { "{\"strokes\": [[[0, 0]], [[1, 1], [2, 2], [3]]]}", -1,
      "point 3 of stroke 2 is not [x, y] or [x, y, pressure]" },
    { "{\"strokes\": [[[0, 0]], [[1, 1], [2, 2], [3, 4, 5, 6]]]}", -1,
      "point 3 of stroke 2 is not [x, y] or [x, y, pressure]" },
    { "{\"strokes\": [[[0, \"1\"]]]}", -1, "point 1 of stroke 1 is not [x, y] or [x, y, pressure]" },
    { "{\"strokes\": [[[0, null]]]}", -1, "point 1 of stroke 1 is not [x, y] or [x, y, pressure]" },
    { "{\"strokes\": [[{\"x\": 1, \"y\": 2}]]}", -1,
      "point 1 of stroke 1 is not [x, y] or [x, y, pressure]" },
    { "{\"strokes\": [[[0, 1e999]]]}", -1,
      "point 1 of stroke 1: coordinates must be finite numbers (at most 1e9 in size)" },
    { "{\"strokes\": [[[0, 0], [0, 0, -1e999]]]}", -1,
      "point 2 of stroke 1: coordinates must be finite numbers (at most 1e9 in size)" },
    { "{\"strokes\": [[[1e10, 0]]]}", -1,
      "point 1 of stroke 1: coordinates must be finite numbers (at most 1e9 in size)" },
    { "{\"strokes\": [[[0, 0]]], \"label\": 12}", -1, "label must be 0–9 or null" },
    { "{\"strokes\": [[[0, 0]]], \"id\": 12}", -1, "'id' must be a string" },
    { "{\"strokes\": [[[0, 0]]], \"time\": \"today\"}", -1,
      "'time' must be a number of seconds since 1970" },
    { "{\"strokes\": [[[0, 0]]], \"time\": -5}", -1, "'time' must be a number of seconds since 1970" },
    { "{\"strokes\": [[[0, 0]]], \"canvas\": [0, 10]}", -1,
      "'canvas' must be [width, height], two positive numbers" },
    { "{\"strokes\": [[[0, 0]]], \"canvas\": [10]}", -1,
      "'canvas' must be [width, height], two positive numbers" },
    { "{\"strokes\": [[[0, 0]]], \"canvas\": \"A4\"}", -1,
      "'canvas' must be [width, height], two positive numbers" },
    { "{\"strokes\": [[[0, 0]]], \"canvas\": [1, 1001]}", -1,
      "'canvas' is too narrow: its width / height must be within 1/1000 … 1000" },
    { "{\"strokes\": [[[0, 0], [1e9, 1]]], \"canvas\": [1e-3, 1e-3]}", -1,
      "the points lie far outside the 'canvas' (over a hundred times its size)" },
    { "[1, 2, 3]", -1, "not a strokes record: a JSON object {\"strokes\": …} is expected" },
    { "\"strokes\"", -1, "not a strokes record: a JSON object {\"strokes\": …} is expected" },
    { "{\"strokes\": [[[0, 0]]]", -1, "not valid JSON at column " },
    { "{strokes: 1}", -1, "not valid JSON at column " },
    { "{\"strokes\": [[[0, 0]]], \"id\": \"\xff\xfe\"}", -1, "not UTF-8 text" },
    { "{\"strokes\": [[[0,\0 0]]]}", 21, "not UTF-8 text" },
    { deep_record, -1, "not a strokes record: JSON nested more than 64 deep" },
    { many->str, -1, "too many points (more than 100000 a record)" },
    { strokes->str, -1, "too many strokes (10001, at most 10000 a record)" },
    { long_line->str, -1, "the line is too long (" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GError *error = NULL;
      gsize length = cases[i].length < 0 ? strlen (cases[i].text) : (gsize) cases[i].length;
      DpStrokesRecord *r = dp_strokes_record_parse (cases[i].text, length, &error);
      if (r != NULL)
        g_error ("case %u parsed: %.80s", i, cases[i].text);
      g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %u: \"%s\", expected \"%s\"", i, error->message, cases[i].message);
      g_error_free (error);
    }
  g_string_free (many, TRUE);
  g_string_free (strokes, TRUE);
  g_string_free (long_line, TRUE);
}

static void
write_file (const char *path, const char *text)
{
  GError *error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_load_bad_lines (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "mixed.ndjson", NULL);
  write_file (path,
              "\xEF\xBB\xBF{\"strokes\": [[[0, 0], [3, 4]]], \"label\": 1, \"id\": \"a\"}\n" /* 1 */
              "{\"strokes\": [[[0, 0], [3]]]}\n"                                   /* 2: bad */
              "\n"                                                                 /* 3 */
              "   \t\n"                                                            /* 4 */
              "{\"strokes\": [[[0, 0], [3, 4]]], \"label\": null, \"id\": \"b\"}\n" /* 5 */
              "not json at all\n"                                                  /* 6: bad */
              "{\"strokes\": [[[0, 0], [3, 4]]], \"id\": \"c\"}\r\n"               /* 7 */
              "{\"label\": 2}");                                                   /* 8: bad */
  GError *error = NULL;
  GPtrArray *bad = NULL;
  g_autoptr (GPtrArray) records = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < bad->len; i++)
    g_test_message ("%s", (char *) bad->pdata[i]);
  g_assert_cmpuint (records->len, ==, 3);
  const guint lines[] = { 1, 5, 7 };
  const char *ids[] = { "a", "b", "c" };
  const int labels[] = { 1, DP_CLASS_NOT_A_DIGIT, DP_LABEL_UNKNOWN };
  for (guint i = 0; i < 3; i++)
    {
      DpStrokesRecord *r = records->pdata[i];
      g_assert_cmpuint (r->line, ==, lines[i]);
      g_assert_cmpstr (r->id, ==, ids[i]);
      g_assert_cmpint (r->label, ==, labels[i]);
    }
  g_assert_cmpuint (bad->len, ==, 3);
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *m2 = g_strdup_printf ("%s:2: point 2 of stroke 1 is not [x, y] or [x, y, pressure]",
                                         name);
  g_autofree char *m6 = g_strdup_printf ("%s:6: not valid JSON", name);
  g_autofree char *m8 = g_strdup_printf ("%s:8: 'strokes' is missing", name);
  g_assert_cmpstr (bad->pdata[0], ==, m2);
  g_assert_true (g_str_has_prefix (bad->pdata[1], m6));
  g_assert_cmpstr (bad->pdata[2], ==, m8);
  g_ptr_array_unref (bad);

  /* the messages may be ignored */
  g_autoptr (GPtrArray) again = dp_strokes_file_load (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->len, ==, 3);

  /* blank lines only: no records, nothing bad */
  write_file (path, "\n\n  \n\r\n");
  bad = NULL;
  g_autoptr (GPtrArray) blank = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blank->len, ==, 0);
  g_assert_cmpuint (bad->len, ==, 0);
  g_ptr_array_unref (bad);

  /* a thousand bad lines: a hundred listed, the rest counted */
  GString *junk = g_string_new (NULL);
  for (int i = 0; i < 1000; i++)
    g_string_append (junk, "{}\n");
  write_file (path, junk->str);
  g_string_free (junk, TRUE);
  bad = NULL;
  g_autoptr (GPtrArray) none = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpuint (bad->len, ==, 101);
  g_autofree char *more = g_strdup_printf ("%s: 900 more bad lines not listed", name);
  g_assert_cmpstr (bad->pdata[100], ==, more);
  g_ptr_array_unref (bad);

  /* binary: refused whole, naming the file */
  g_file_set_contents (path, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, &error);
  g_assert_no_error (error);
  g_assert_null (dp_strokes_file_load (path, NULL, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_autofree char *binary = g_strdup_printf ("%s: not a strokes file (binary data", name);
  g_assert_true (g_str_has_prefix (error->message, binary));
  g_clear_error (&error);

  /* missing, a directory */
  g_assert_null (dp_strokes_file_load ("/nonexistent/x.ndjson", NULL, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/x.ndjson"));
  g_clear_error (&error);
  g_assert_null (dp_strokes_file_load (dir, NULL, &error));
  g_assert_nonnull (strstr (error->message, "is a directory"));
  g_clear_error (&error);

  g_unlink (path);
  dp_test_rmdir (dir);
}

static DpStrokesRecord *
small_record (int label, const char *id)
{
  g_autoptr (DpStrokes) st = dp_strokes_new ();
  for (int i = 0; i < 5; i++)
    {
      DpPoint p = { 0.2f + 0.1f * (float) i, 0.3f + 0.05f * (float) (i * i), 1.0f, 0 };
      dp_strokes_add_point (st, &p);
    }
  return dp_strokes_record_new (st, label, id, 1764400000);
}

static void
test_append_and_save (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  /* the folder is created */
  g_autofree char *path = g_build_filename (dir, "a", "b", "samples.ndjson", NULL);
  GError *error = NULL;
  g_autoptr (DpStrokesRecord) r1 = small_record (4, "one");
  g_autoptr (DpStrokesRecord) r2 = small_record (DP_CLASS_NOT_A_DIGIT, "two");
  g_autoptr (DpStrokesRecord) r3 = small_record (DP_LABEL_UNKNOWN, "three");
  g_assert_true (dp_strokes_file_append (path, r1, &error));
  g_assert_no_error (error);
  g_assert_true (dp_strokes_file_append (path, r2, &error));
  g_assert_no_error (error);

  /* a crash in the middle of the next append: a torn last line without its newline */
  g_autofree char *json = dp_strokes_record_to_json (r3);
  {
    FILE *f = fopen (path, "a");
    g_assert_nonnull (f);
    fwrite (json, 1, strlen (json) / 2, f);
    fclose (f);
  }
  g_assert_true (dp_strokes_file_append (path, r3, &error));
  g_assert_no_error (error);

  GPtrArray *bad = NULL;
  g_autoptr (GPtrArray) records = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < bad->len; i++)
    g_test_message ("%s", (char *) bad->pdata[i]);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_cmpstr (((DpStrokesRecord *) records->pdata[0])->id, ==, "one");
  g_assert_cmpint (((DpStrokesRecord *) records->pdata[1])->label, ==, DP_CLASS_NOT_A_DIGIT);
  DpStrokesRecord *third = records->pdata[2];
  g_assert_cmpstr (third->id, ==, "three");
  g_assert_cmpuint (third->line, ==, 4);
  assert_same_drawing (r3->strokes, third->strokes, 1e-4);
  /* the torn line is line 3, reported, and the others load */
  g_assert_cmpuint (bad->len, ==, 1);
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *torn = g_strdup_printf ("%s:3: not valid JSON", name);
  g_assert_true (g_str_has_prefix (bad->pdata[0], torn));
  g_ptr_array_unref (bad);

  /* saved whole: the same records, and the torn line gone */
  g_assert_true (dp_strokes_file_save (path, records, &error));
  g_assert_no_error (error);
  bad = NULL;
  g_autoptr (GPtrArray) saved = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (saved->len, ==, 3);
  g_assert_cmpuint (bad->len, ==, 0);
  g_ptr_array_unref (bad);
  for (guint i = 0; i < 3; i++)
    {
      DpStrokesRecord *a = records->pdata[i], *b = saved->pdata[i];
      g_assert_cmpuint (b->line, ==, i + 1);
      g_assert_cmpstr (a->id, ==, b->id);
      g_assert_cmpint (a->label, ==, b->label);
      g_assert_cmpint (a->time, ==, b->time);
      assert_same_drawing (a->strokes, b->strokes, 1e-4);
    }
  g_autofree char *contents = NULL;
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_true (g_str_has_suffix (contents, "}\n"));

  /* a save into a missing folder fails with a message naming the file; nothing is created */
  g_autofree char *nowhere = g_build_filename (dir, "missing", "x.ndjson", NULL);
  g_assert_false (dp_strokes_file_save (nowhere, records, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "x.ndjson"));
  g_clear_error (&error);

  /* an empty drawing is not written: it would not read back */
  g_autoptr (DpStrokes) nothing = dp_strokes_new ();
  dp_strokes_begin (nothing);
  g_autoptr (DpStrokesRecord) empty = dp_strokes_record_new (nothing, 3, NULL, 0);
  g_assert_false (dp_strokes_file_append (path, empty, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "empty drawing"));
  g_clear_error (&error);
  g_ptr_array_add (records, g_steal_pointer (&empty));
  g_assert_false (dp_strokes_file_save (path, records, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_EMPTY);
  g_clear_error (&error);
  g_ptr_array_set_size (records, 3);
  bad = NULL;
  g_autoptr (GPtrArray) unchanged = dp_strokes_file_load (path, &bad, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unchanged->len, ==, 3);
  g_assert_cmpuint (bad->len, ==, 0);
  g_ptr_array_unref (bad);

  /* appending to a directory or a FIFO is refused, at once */
  g_autofree char *sub = g_build_filename (dir, "a", NULL);
  g_assert_false (dp_strokes_file_append (sub, r1, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_clear_error (&error);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_false (dp_strokes_file_append (fifo, r1, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);

  dp_test_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/strokes-file/round-trip", test_round_trip);
  g_test_add_func ("/engine/strokes-file/units-independent", test_units_independent);
  g_test_add_func ("/engine/strokes-file/copy-square", test_copy_square);
  g_test_add_func ("/engine/strokes-file/labels", test_labels);
  g_test_add_func ("/engine/strokes-file/normalise", test_normalise);
  g_test_add_func ("/engine/strokes-file/bad-records", test_bad_records);
  g_test_add_func ("/engine/strokes-file/load-bad-lines", test_load_bad_lines);
  g_test_add_func ("/engine/strokes-file/append-and-save", test_append_and_save);
  return g_test_run ();
}
