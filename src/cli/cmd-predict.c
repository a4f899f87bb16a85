/* cmd-predict.c: `digitpad-cli predict MODEL IMAGE…`: each image goes through the same
 * preprocessing as a drawing (dp_preprocess_image: grayscale, ink detection, crop, fit to 20 px,
 * centre of mass at (14, 14)) and then the network; with --strokes FILE, each record of a
 * strokes file goes through the pad's own path (dp_preprocess_strokes). Text output for people,
 * or with --json one JSON object per line for programs. An image or a record that fails is
 * reported on stderr and the others still print; the exit status then says that something
 * failed. */
#include "cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#define COMMAND "predict"

static void
print_text (const char *file, int digit, const float *probs)
{
  /* file: the image file, or the name of a strokes record (dp_cli_record_name) */
  printf ("%s: %d (%.2f %%)\n ", file, digit, 100.0 * probs[digit]);
  for (int k = 0; k < DP_N_CLASSES; k++)
    printf (" %d: %.4f", k, probs[k]);
  putchar ('\n');
}

/* record: NULL for an image file, else the record of the strokes file it came from */
static void
print_json (const char *file, const DpStrokesRecord *record, int digit, const float *probs)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  /* JSON strings are UTF-8; a file name that is not shows as GLib displays it */
  g_autofree char *name = g_filename_display_name (file);
  json_builder_add_string_value (builder, name);
  if (record != NULL)
    {
      json_builder_set_member_name (builder, "line");
      json_builder_add_int_value (builder, record->line);
      json_builder_set_member_name (builder, "id");
      if (record->id != NULL)
        json_builder_add_string_value (builder, record->id);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "digit");
  json_builder_add_int_value (builder, digit);
  json_builder_set_member_name (builder, "confidence");
  json_builder_add_double_value (builder, probs[digit]);
  json_builder_set_member_name (builder, "probabilities");
  json_builder_begin_array (builder);
  for (int k = 0; k < DP_N_CLASSES; k++)
    json_builder_add_double_value (builder, probs[k]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, root);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  puts (text);
}

/* The one printer of a result, for an image file (record NULL) or a strokes record of file */
static void
print_result (const char *file, const DpStrokesRecord *record, gboolean json, int digit,
              const float *probs)
{
  if (json)
    print_json (file, record, digit, probs);
  else if (record != NULL)
    {
      g_autofree char *name = dp_cli_record_name (file, record);
      print_text (name, digit, probs);
    }
  else
    print_text (file, digit, probs);
}

/* Every record of a strokes file; FALSE if the file, a line or a record failed */
static gboolean
predict_strokes_file (const DpNetwork *net, const char *path, gboolean json)
{
  guint n_bad;
  g_autoptr (GPtrArray) records = dp_cli_load_strokes (path, &n_bad);
  if (records == NULL)
    return FALSE;
  gboolean ok = n_bad == 0;
  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *record = records->pdata[i];
      float x[DP_INPUT_SIZE];       /* (784) */
      float probs[DP_N_CLASSES];    /* (10) */
      if (!dp_cli_preprocess_record (path, record, x))
        {
          ok = FALSE;
          continue;
        }
      int digit = dp_network_predict (net, x, probs);
      print_result (path, record, json, digit, probs);
    }
  return ok;
}

int
dp_cli_predict (int argc, char **argv)
{
  g_auto (GStrv) rest = NULL;
  g_auto (GStrv) strokes = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "One JSON object per image and line: file, digit, confidence, probabilities (+ line, id)",
      NULL },
    { "strokes", 's', 0, G_OPTION_ARG_FILENAME_ARRAY, &strokes,
      "Recognise each drawing of a strokes file (ndjson), as the pad does", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL IMAGE… | MODEL --strokes FILE",
      "Recognise the digit in each image (PNG, JPEG, … dark ink on a light background or the\n"
      "reverse), preprocessed as the app does, or in each drawing of a strokes file: print the\n"
      "digit and its ten probabilities. An image or a record that cannot be read is reported\n"
      "on stderr (a record by FILE:LINE), the others still print, and the exit status is 1.",
      entries);

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL)
    return dp_cli_usage (COMMAND, "missing MODEL and IMAGE");
  if (rest[1] == NULL && strokes == NULL)
    return dp_cli_usage (COMMAND, "missing IMAGE (one or more image files after MODEL) or "
                         "--strokes FILE");

  g_autoptr (DpNetwork) net = dp_cli_load_model (rest[0]);
  if (net == NULL)
    return DP_CLI_EXIT_FAILED;

  int status = DP_CLI_EXIT_OK;
  for (int i = 1; rest[i] != NULL; i++)
    {
      const char *file = rest[i];
      g_autoptr (GError) error = NULL;
      float x[DP_INPUT_SIZE];       /* (784) */
      float probs[DP_MAX_CLASSES];  /* (n_outputs) */
      if (!dp_preprocess_image (file, x, &error))
        {
          /* stdout and stderr may be the same terminal: keep the lines in order */
          fflush (stdout);
          dp_cli_file_error (file, error);
          status = DP_CLI_EXIT_FAILED;
          continue;
        }
      int digit = dp_network_predict (net, x, probs);
      print_result (file, NULL, json, digit, probs);
    }
  for (int i = 0; strokes != NULL && strokes[i] != NULL; i++)
    if (!predict_strokes_file (net, strokes[i], json))
      status = DP_CLI_EXIT_FAILED;
  return status;
}
