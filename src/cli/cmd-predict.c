/* cmd-predict.c: `digitpad-cli predict MODEL IMAGE…`: each image goes through the same
 * preprocessing as a drawing (dp_preprocess_image: grayscale, ink detection, crop, fit to 20 px,
 * centre of mass at (14, 14)) and then the network. Text output for people, or with --json one
 * JSON object per line for programs. An image that fails is reported on stderr and the others
 * still print; the exit status then says that something failed. */
#include "cli.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#define COMMAND "predict"

static void
print_text (const char *file, int digit, const float *probs)
{
  printf ("%s: %d (%.2f %%)\n ", file, digit, 100.0 * probs[digit]);
  for (int k = 0; k < DP_N_CLASSES; k++)
    printf (" %d: %.4f", k, probs[k]);
  putchar ('\n');
}

static void
print_json (const char *file, int digit, const float *probs)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "file");
  /* JSON strings are UTF-8; a file name that is not shows as GLib displays it */
  g_autofree char *name = g_filename_display_name (file);
  json_builder_add_string_value (builder, name);
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

int
dp_cli_predict (int argc, char **argv)
{
  g_auto (GStrv) rest = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "One JSON object per image and line: file, digit, confidence, probabilities", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL IMAGE…",
      "Recognise the digit in each image (PNG, JPEG, … dark ink on a light background or the\n"
      "reverse), preprocessed as the app does: print the digit and its ten probabilities.\n"
      "An image that cannot be read is reported on stderr, the others still print, and the\n"
      "exit status is 1.",
      entries);

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL)
    return dp_cli_usage (COMMAND, "missing MODEL and IMAGE");
  if (rest[1] == NULL)
    return dp_cli_usage (COMMAND, "missing IMAGE (one or more image files after MODEL)");

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
      if (json)
        print_json (file, digit, probs);
      else
        print_text (file, digit, probs);
    }
  return status;
}
