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

/* "FILE: 7 (93.20 %)" or "FILE: not a digit (87.00 %), closest digit 4 (9.12 %)", then every
 * output's probability on a line of its own */
static void
print_text (const char *label, const DpRecognition *r)
{
  if (r->answer == DP_CLASS_NOT_A_DIGIT)
    printf ("%s: not a digit (%.2f %%), closest digit %d (%.2f %%)\n ", label,
            100.0 * r->confidence, r->closest_digit, 100.0 * r->probs[r->closest_digit]);
  else
    printf ("%s: %d (%.2f %%)\n ", label, r->answer, 100.0 * r->confidence);
  for (int k = 0; k < DP_N_CLASSES; k++)
    printf (" %d: %.4f", k, r->probs[k]);
  if (r->n_outputs > DP_N_CLASSES)
    printf (" not a digit: %.4f", r->probs[DP_CLASS_NOT_A_DIGIT]);
  putchar ('\n');
}

static void
print_json (const char *name, const DpStrokesRecord *record, const DpRecognition *r)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
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
  gboolean can_refuse = r->n_outputs > DP_N_CLASSES;
  json_builder_set_member_name (builder, "digit");
  if (r->answer == DP_CLASS_NOT_A_DIGIT)
    json_builder_add_null_value (builder);
  else
    json_builder_add_int_value (builder, r->answer);
  json_builder_set_member_name (builder, "confidence");
  json_builder_add_double_value (builder, r->confidence);
  if (can_refuse)
    {
      json_builder_set_member_name (builder, "not_a_digit");
      json_builder_add_double_value (builder, r->probs[DP_CLASS_NOT_A_DIGIT]);
      json_builder_set_member_name (builder, "closest_digit");
      json_builder_add_int_value (builder, r->closest_digit);
    }
  json_builder_set_member_name (builder, "probabilities");
  json_builder_begin_array (builder);
  for (int k = 0; k < r->n_outputs; k++)
    json_builder_add_double_value (builder, r->probs[k]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  g_autoptr (JsonNode) root = json_builder_get_root (builder);
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  json_generator_set_root (generator, root);
  g_autofree char *text = json_generator_to_data (generator, NULL);
  puts (text);
}

void
dp_cli_print_result (const char *file, const DpStrokesRecord *record, const DpRecognition *r,
                     gboolean json)
{
  /* JSON strings are UTF-8; a file name that is not shows as GLib displays it */
  g_autofree char *name = g_filename_display_name (file);
  if (json)
    {
      print_json (name, record, r);
      return;
    }
  g_autofree char *label = NULL;
  if (record == NULL)
    label = g_strdup (file);
  else if (record->id != NULL)
    label = g_strdup_printf ("%s:%u [%s]", name, record->line, record->id);
  else
    label = g_strdup_printf ("%s:%u", name, record->line);
  print_text (label, r);
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
      float x[DP_INPUT_SIZE]; /* (784) */
      if (!dp_cli_preprocess_record (path, record, x))
        {
          ok = FALSE;
          continue;
        }
      DpRecognition r;
      dp_network_recognise (net, x, &r);
      dp_cli_print_result (path, record, &r, json);
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
      "One JSON object per image and line: file, digit, confidence, probabilities (and with a "
      "model that can refuse: digit null for \"not a digit\", not_a_digit, closest_digit; for a "
      "strokes record: line, id)", NULL },
    { "strokes", 's', 0, G_OPTION_ARG_FILENAME_ARRAY, &strokes,
      "Recognise each drawing of a strokes file (ndjson), as the pad does", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL IMAGE… | MODEL --strokes FILE",
      "Recognise the digit in each image (PNG, JPEG, … dark ink on a light background or the\n"
      "reverse), preprocessed as the app does, or in each drawing of a strokes file: print the\n"
      "digit and its ten probabilities; a model with a \"not a digit\" output may answer that\n"
      "instead, with the closest digit. An image or a record that cannot be read is reported\n"
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
      if (!dp_preprocess_image (file, x, &error))
        {
          /* stdout and stderr may be the same terminal: keep the lines in order */
          fflush (stdout);
          dp_cli_file_error (file, error);
          status = DP_CLI_EXIT_FAILED;
          continue;
        }
      DpRecognition r;
      dp_network_recognise (net, x, &r);
      dp_cli_print_result (file, NULL, &r, json);
    }
  for (int i = 0; strokes != NULL && strokes[i] != NULL; i++)
    if (!predict_strokes_file (net, strokes[i], json))
      status = DP_CLI_EXIT_FAILED;
  return status;
}
