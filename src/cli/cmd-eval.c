/* cmd-eval.c: `digitpad-cli eval MODEL --data DIR`: the model's accuracy on the MNIST test set,
 * its per-class precision, recall and F1, and the confusion matrix (dp_metrics_format, the same
 * report the app's confusion view is computed from). With --strokes FILE, the same report on
 * the labelled records of a strokes file, each through the pad's path (dp_preprocess_strokes). */
#include "cli.h"

#include <stdio.h>

#define COMMAND "eval"

/* What eval --strokes read: the counts beside the data set */
typedef struct
{
  guint records;    /* lines that held a record, good or bad */
  guint unlabelled; /* no label: skipped */
  guint refusals;   /* labelled "not a digit", which a 10-output model cannot answer: skipped */
  guint bad;        /* bad lines and records that could not be preprocessed: skipped */
} StrokesCounts;

/* The labelled records of a strokes file as a data set: their 28×28 images (the pad's
 * preprocessing) and labels. NULL when the file cannot be read. */
static DpDataset *
strokes_dataset (const char *path, StrokesCounts *counts)
{
  guint n_bad_lines;
  g_autoptr (GPtrArray) records = dp_cli_load_strokes (path, &n_bad_lines);
  if (records == NULL)
    return NULL;
  *counts = (StrokesCounts) { .records = records->len + n_bad_lines, .bad = n_bad_lines };
  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->images = g_new (float, (gsize) MAX (records->len, 1) * DP_INPUT_SIZE); /* (n, 784) */
  ds->labels = g_new (guint8, MAX (records->len, 1));                         /* (n) */
  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *record = records->pdata[i];
      if (record->label == DP_LABEL_UNKNOWN)
        counts->unlabelled++;
      else if (record->label == DP_CLASS_NOT_A_DIGIT)
        counts->refusals++;
      else if (!dp_cli_preprocess_record (path, record, ds->images + (gsize) ds->n * DP_INPUT_SIZE))
        counts->bad++;
      else
        ds->labels[ds->n++] = (guint8) record->label;
    }
  return ds;
}

/* eval --strokes FILE: the report on the labelled records; 1 when a line or record was bad */
static int
eval_strokes_file (const DpNetwork *net, const char *model_path, const char *path)
{
  StrokesCounts counts;
  g_autoptr (DpDataset) ds = strokes_dataset (path, &counts);
  if (ds == NULL)
    return DP_CLI_EXIT_FAILED;
  g_autofree char *name = g_filename_display_name (path);
  if (ds->n == 0)
    {
      dp_cli_error ("%s: nothing to evaluate: none of its %u records is a readable drawing "
                    "labelled with a digit", name, counts.records);
      return DP_CLI_EXIT_FAILED;
    }
  DpMetrics metrics;
  dp_metrics_evaluate (&metrics, net, ds, NULL);
  g_autofree char *report = dp_metrics_format (&metrics);
  g_autofree char *sizes = dp_network_describe_sizes (net);
  printf ("model: %s (%s %s, %s) on the strokes file %s\n", model_path, sizes,
          dp_activation_to_string (net->activation), dp_loss_to_string (net->loss), name);
  printf ("records: %u, evaluated: %d, skipped: %u unlabelled, %u bad", counts.records, ds->n,
          counts.unlabelled, counts.bad);
  if (counts.refusals > 0)
    printf (", %u labelled \"not a digit\" (this model has no such answer)", counts.refusals);
  putchar ('\n');
  fputs (report, stdout);
  if (report[0] != '\0' && !g_str_has_suffix (report, "\n"))
    putchar ('\n');
  return counts.bad > 0 ? DP_CLI_EXIT_FAILED : DP_CLI_EXIT_OK;
}

int
dp_cli_eval (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *strokes = NULL;
  g_autofree char *limit_text = NULL;
  g_auto (GStrv) rest = NULL;
  gboolean on_train = FALSE;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Directory holding the MNIST files (required, or --strokes)", "DIR" },
    { "strokes", 's', 0, G_OPTION_ARG_FILENAME, &strokes,
      "Evaluate on the labelled drawings of a strokes file instead", "FILE" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &limit_text,
      "Evaluate on the first N test images only (0 = all)", "N" },
    { "train-set", 0, 0, G_OPTION_ARG_NONE, &on_train,
      "Evaluate on the training set instead of the test set", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL --data DIR | MODEL --strokes FILE",
      "Print a model's accuracy on the MNIST test set (\"accuracy: 98.76 %\" on a line of\n"
      "its own), its per-class precision, recall and F1, and the confusion matrix; or the same\n"
      "on the labelled records of a strokes file (unlabelled ones are counted and skipped).",
      entries);

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL)
    return dp_cli_usage (COMMAND, "missing MODEL (a .safetensors file)");
  if (rest[1] != NULL)
    return dp_cli_usage (COMMAND, "unexpected argument '%s'", rest[1]);
  if (data != NULL && strokes != NULL)
    return dp_cli_usage (COMMAND, "--data and --strokes: give one of them");
  if (data == NULL && strokes == NULL)
    return dp_cli_usage (COMMAND, "missing --data DIR (the directory with the MNIST files)");
  gint64 limit = 0;
  if (limit_text != NULL
      && !g_ascii_string_to_signed (limit_text, 10, 0, G_MAXINT, &limit, NULL))
    return dp_cli_usage (COMMAND, "--limit: '%s' is not a count of images", limit_text);

  const char *model_path = rest[0];
  g_autoptr (DpNetwork) net = dp_cli_load_model (model_path);
  if (net == NULL)
    return DP_CLI_EXIT_FAILED;
  if (strokes != NULL)
    return eval_strokes_file (net, model_path, strokes);

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
  return DP_CLI_EXIT_OK;
}
