/* strokes-input.c: a strokes file as the input of predict --strokes and eval --strokes: read
 * with its bad lines reported, and each record sent through the pad's own path
 * (dp_preprocess_strokes). */
#include "cli.h"

#include <stdio.h>

GPtrArray *
dp_cli_load_strokes (const char *path, guint *n_bad)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bad = NULL;
  GPtrArray *records = dp_strokes_file_load (path, &bad, &error);
  *n_bad = 0;
  if (records == NULL)
    {
      dp_cli_file_error (path, error);
      return NULL;
    }
  /* each already says "FILE:LINE: what is wrong" */
  for (guint i = 0; i < bad->len; i++)
    dp_cli_error ("%s", (const char *) bad->pdata[i]);
  *n_bad = bad->len;
  if (records->len == 0 && bad->len == 0)
    {
      g_autofree char *name = g_filename_display_name (path);
      dp_cli_error ("%s: no strokes record in it (the file is empty)", name);
      g_ptr_array_unref (records);
      return NULL;
    }
  return records;
}

gboolean
dp_cli_preprocess_record (const char *path, const DpStrokesRecord *record, float *x)
{
  g_autoptr (GError) error = NULL;
  if (dp_preprocess_strokes (record->strokes, x, &error))
    return TRUE;
  g_autofree char *name = g_filename_display_name (path);
  fflush (stdout); /* stdout and stderr may be the same terminal: keep the lines in order */
  dp_cli_error ("%s:%u: %s", name, record->line, error->message);
  return FALSE;
}
