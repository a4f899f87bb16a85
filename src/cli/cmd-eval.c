/* cmd-eval.c: `digitpad-cli eval MODEL --data DIR`: the model's accuracy on the MNIST test set,
 * its per-class precision, recall and F1, and the confusion matrix (dp_metrics_format, the same
 * report the app's confusion view is computed from); then one line each, for programs: the share
 * of test digits refused (a model that can say "not a digit"), of the drawings in a negatives
 * strokes file refused (--negatives), and the calibration error of the confidences. */
#include "cli.h"

#include <stdio.h>

#define COMMAND "eval"

int
dp_cli_eval (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *limit_text = NULL;
  g_auto (GStrv) rest = NULL;
  gboolean on_train = FALSE;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Directory holding the MNIST files (required)", "DIR" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      "Evaluate on the first N test images only (0 = all)", "N" },
    { "train-set", 0, 0, G_OPTION_ARG_NONE, &on_train,
      "Evaluate on the training set instead of the test set", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL --data DIR",
      "Print a model's accuracy on the MNIST test set (\"accuracy: 98.76 %\" on a line of\n"
      "its own), its per-class precision, recall and F1, and the confusion matrix.",
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
  printf ("calibration error (ECE, %d bins): %.4f\n", DP_ECE_BINS, metrics.ece);
  return DP_CLI_EXIT_OK;
}
