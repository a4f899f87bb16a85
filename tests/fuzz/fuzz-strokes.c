/* fuzz-strokes.c: libFuzzer target for the strokes file (engine/strokes-file.h). One input is
 * one line for dp_strokes_record_parse and, whole, a file for dp_strokes_file_load. A record
 * that parses has points, finite coordinates, pressures in 0 … 1, a label in range and a
 * positive aspect; written back and parsed again it gives the same text; the pad's
 * preprocessing takes it. A file that loads lists every bad line as "NAME:LINE: …". */
#include "fuzz-util.h"

#include <math.h>
#include <stdio.h>

#include "engine/error.h"
#include "engine/network.h"
#include "engine/preprocess.h"
#include "engine/strokes-file.h"

static DpFuzzFile strokes_file;

static void
check_record (const DpStrokesRecord *record)
{
  if (record->label != DP_LABEL_UNKNOWN
      && (record->label < 0 || record->label > DP_CLASS_NOT_A_DIGIT))
    abort ();
  double aspect = dp_strokes_get_aspect (record->strokes);
  if (!(aspect > 0) || !isfinite (aspect) || dp_strokes_is_empty (record->strokes))
    abort ();
  for (guint s = 0; s < dp_strokes_get_n_strokes (record->strokes); s++)
    {
      guint n;
      const DpPoint *p = dp_strokes_get_stroke (record->strokes, s, &n);
      for (guint i = 0; i < n; i++)
        if (!isfinite (p[i].x) || !isfinite (p[i].y) || !(p[i].pressure >= 0)
            || !(p[i].pressure <= 1))
          abort ();
    }
  /* what is written reads back as the same record, within the written precision: 0.1 of 1000
   * units of the canvas height, the canvas width to 0.001 of them */
  char *json = dp_strokes_record_to_json (record);
  GError *error = NULL;
  DpStrokesRecord *again = dp_strokes_record_parse (json, strlen (json), &error);
  if (again == NULL)
    {
      fprintf (stderr, "written record does not parse: %s\n%s\n", error->message, json);
      abort ();
    }
  double width = 1000 * aspect;
  if (again->label != record->label || g_strcmp0 (again->id, record->id) != 0
      || again->time != record->time
      || fabs (dp_strokes_get_aspect (again->strokes) - aspect) > 0.0006 / 1000
      || dp_strokes_get_n_strokes (again->strokes) != dp_strokes_get_n_strokes (record->strokes))
    abort ();
  for (guint s = 0; s < dp_strokes_get_n_strokes (record->strokes); s++)
    {
      guint n, m;
      const DpPoint *p = dp_strokes_get_stroke (record->strokes, s, &n);
      const DpPoint *q = dp_strokes_get_stroke (again->strokes, s, &m);
      if (n != m)
        abort ();
      for (guint i = 0; i < n; i++)
        if (fabs (p[i].x - q[i].x) > (0.051 + 0.0006 * fabs (p[i].x)) / width + 1e-6 * (1 + fabs (p[i].x))
            || fabs (p[i].y - q[i].y) > 0.051 / 1000 + 1e-6 * (1 + fabs (p[i].y))
            || fabs (p[i].pressure - q[i].pressure) > 0.001)
          abort ();
    }
  g_free (json);
  dp_strokes_record_free (again);

  float out[784];
  if (dp_preprocess_strokes (record->strokes, out, &error))
    {
      for (int i = 0; i < 784; i++)
        if (!(out[i] >= 0 && out[i] <= 1))
          abort ();
    }
  else
    g_error_free (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  DpStrokesRecord *record = dp_strokes_record_parse ((const char *) data, size, &error);
  if (record == NULL)
    {
      if (error == NULL || error->domain != DP_ERROR || error->message == NULL
          || !g_utf8_validate (error->message, -1, NULL))
        abort ();
      g_clear_error (&error);
    }
  else
    {
      check_record (record);
      dp_strokes_record_free (record);
    }

  dp_fuzz_file_set (&strokes_file, "strokes.ndjson", data, size);
  GPtrArray *bad = NULL;
  GPtrArray *records = dp_strokes_file_load (strokes_file.path, &bad, &error);
  if (records == NULL)
    {
      if (error == NULL || strstr (error->message, "/proc/self/fd/") == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *r = records->pdata[i];
      if (r->line == 0 || (i > 0 && r->line <= ((DpStrokesRecord *) records->pdata[i - 1])->line))
        abort ();
    }
  for (guint i = 0; i < bad->len; i++)
    if (!g_str_has_prefix (bad->pdata[i], strokes_file.path))
      abort ();
  g_ptr_array_unref (records);
  g_ptr_array_unref (bad);
  return 0;
}
