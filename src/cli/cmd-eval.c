/* cmd-eval.c: `digitpad-cli eval MODEL --data DIR`: the model's accuracy on the MNIST test set,
 * its per-class precision, recall and F1, and the confusion matrix (dp_metrics_format, the same
 * report the app's confusion view is computed from); then one line each, for programs: the share
 * of test digits refused (a model that can say "not a digit"), of the drawings in a negatives
 * strokes file refused (--negatives), and the calibration error of the confidences. */
#include "cli.h"

#include <stdio.h>

#include "engine/strokes-file.h"

#define COMMAND "eval"

/* The share of the drawings in a strokes file (every record a negative, whatever its label)
 * that net answers "not a digit", through the pad's own path (dp_preprocess_strokes). Bad lines
 * and records without ink are told on stderr and left out. FALSE when the file cannot be read
 * (told on stderr); *bad_lines: how many lines were skipped. */
static gboolean
negatives_refused (const DpNetwork *net, const char *path, guint *refused, guint *total,
                   guint *no_ink, guint *bad_lines)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bad = NULL;
  g_autoptr (GPtrArray) records = dp_strokes_file_load (path, &bad, &error);
  if (records == NULL)
    {
      dp_cli_file_error (path, error);
      return FALSE;
    }
  *bad_lines = bad != NULL ? bad->len : 0;
  for (guint i = 0; i < *bad_lines; i++)
    dp_cli_error ("%s", (const char *) bad->pdata[i]);
  *refused = *total = *no_ink = 0;
  g_autofree char *name = g_filename_display_name (path);
  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *rec = records->pdata[i];
      float x[DP_INPUT_SIZE]; /* (784) */
      g_autoptr (GError) empty = NULL;
      if (!dp_preprocess_strokes (rec->strokes, x, &empty))
        {
          dp_cli_error ("%s:%u: %s; left out", name, rec->line, empty->message);
          (*no_ink)++;
          continue;
        }
      DpRecognition r;
      dp_network_recognise (net, x, &r);
      *refused += r.answer == DP_CLASS_NOT_A_DIGIT;
      (*total)++;
    }
  return TRUE;
}

int
dp_cli_eval (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *negatives = NULL;
  g_auto (GStrv) rest = NULL;
  gboolean on_train = FALSE;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Directory holding the MNIST files (required)", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      "Evaluate on the first N test images only (0 = all)", "N" },
    { "train-set", 0, 0, G_OPTION_ARG_NONE, &on_train,
      "Evaluate on the training set instead of the test set", NULL },
    { "negatives", 0, 0, G_OPTION_ARG_FILENAME, &negatives,
      "A strokes file (.ndjson) of drawings that are not digits: print the share refused "
      "(a model that can say \"not a digit\")", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL --data DIR",
      "Print a model's accuracy on the MNIST test set (\"accuracy: 98.76 %\" on a line of\n"
      "its own), its per-class precision, recall and F1, and the confusion matrix; then, one\n"
      "line each, the share of test digits refused and the accuracy with refusals counted\n"
      "wrong (a model that can say \"not a digit\"), the share of --negatives refused, and\n"
      "the expected calibration error of the confidences on the test set.",
      entries);

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL)
    return dp_cli_usage (COMMAND, "missing MODEL (a .safetensors file)");
  if (rest[1] != NULL)
    return dp_cli_usage (COMMAND, "unexpected argument '%s'", rest[1]);
  if (data == NULL)
    return dp_cli_usage (COMMAND, "missing --data DIR (the directory with the MNIST files)");
  gint64 limit = 0;
  if (limit_text != NULL
      && !g_ascii_string_to_signed (limit_text, 10, 0, G_MAXINT, &limit, NULL))
    return dp_cli_usage (COMMAND, "--limit: '%s' is not a count of images", limit_text);

  const char *model_path = rest[0];
  g_autoptr (DpNetwork) net = dp_cli_load_model (model_path);
  if (net == NULL)
    return DP_CLI_EXIT_FAILED;
  if (negatives != NULL && !dp_network_can_refuse (net))
    {
      g_autofree char *name = g_filename_display_name (model_path);
      dp_cli_error ("%s: --negatives needs a model that can say \"not a digit\"; this one has "
                    "%d outputs (the digits) and answers a digit for everything",
                    name, dp_network_n_outputs (net));
      return DP_CLI_EXIT_FAILED;
    }

  g_autoptr (GError) error = NULL;
  g_autoptr (DpDataset) ds = dp_dataset_load_mnist (data, on_train, &error);
  if (ds == NULL)
    {
      dp_cli_file_error (data, error);
      return DP_CLI_EXIT_FAILED;
    }
  if (limit > 0 && limit < ds->n)
    {
      DpDataset *head = dp_dataset_head (ds, (int) limit);
      dp_dataset_free (g_steal_pointer (&ds));
      ds = head;
    }

  DpMetrics metrics;
  dp_metrics_evaluate (&metrics, net, ds, NULL);
  g_autofree char *report = dp_metrics_format (&metrics);
  g_autofree char *sizes = dp_network_describe_sizes (net);
  printf ("model: %s (%s %s, %s) on the MNIST %s set\n", model_path, sizes,
          dp_activation_to_string (net->activation), dp_loss_to_string (net->loss),
          on_train ? "training" : "test");
  fputs (report, stdout);
  if (report[0] != '\0' && !g_str_has_suffix (report, "\n"))
    putchar ('\n');
  if (dp_network_can_refuse (net))
    {
      guint n_digits = 0;
      for (int i = 0; i < ds->n; i++)
        n_digits += ds->labels[i] < DP_N_CLASSES;
      guint refused = dp_metrics_digits_refused (&metrics);
      printf ("digits refused: %.2f %% (%u of %u)\n",
              n_digits ? 100.0 * refused / n_digits : 0.0, refused, n_digits);
      printf ("accuracy, a refusal counted as wrong: %.2f %%\n", 100.0 * metrics.accuracy);
    }
  int status = DP_CLI_EXIT_OK;
  if (negatives != NULL)
    {
      guint refused, total, no_ink, bad_lines;
      fflush (stdout); /* the file's complaints on stderr come after the report */
      if (!negatives_refused (net, negatives, &refused, &total, &no_ink, &bad_lines))
        return DP_CLI_EXIT_FAILED;
      printf ("negatives refused: %.2f %% (%u of %u)\n",
              total ? 100.0 * refused / total : 0.0, refused, total);
      if (bad_lines > 0 || no_ink > 0)
        status = DP_CLI_EXIT_FAILED;
    }
  printf ("calibration error (ECE, %d bins): %.4f\n", DP_ECE_BINS, metrics.ece);
  return status;
}
