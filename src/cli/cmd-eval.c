/* cmd-eval.c: `digitpad-cli eval MODEL --data DIR`: the model's accuracy on the MNIST test set,
 * its per-class precision, recall and F1, and the confusion matrix (dp_metrics_format, the same
 * report the app's confusion view is computed from); then one line each, for programs: the share
 * of test digits refused (a model that can say "not a digit"), of the drawings in a negatives
 * strokes file refused (--negatives), and the calibration error of the confidences. With
 * --strokes FILE, the same report on the labelled records of a strokes file, each through the
 * pad's path (dp_preprocess_strokes). */
#include "cli.h"

#include <stdio.h>

#define COMMAND "eval"

/* The share of the drawings in a strokes file (every record a negative, whatever its label)
 * that net answers "not a digit", through the pad's own path. Bad lines and records without ink
 * are told on stderr, left out and counted in *skipped. FALSE when the file cannot be read or
 * holds nothing (told on stderr). */
static gboolean
negatives_refused (const DpNetwork *net, const char *path, guint *refused, guint *total,
                   guint *skipped)
{
  g_autoptr (GPtrArray) records = dp_cli_load_strokes (path, skipped);
  if (records == NULL)
    return FALSE;
  *refused = *total = 0;
  for (guint i = 0; i < records->len; i++)
    {
      float x[DP_INPUT_SIZE]; /* (784) */
      if (!dp_cli_preprocess_record (path, records->pdata[i], x))
        {
          (*skipped)++;
          continue;
        }
      DpRecognition r;
      dp_network_recognise (net, x, &r);
      *refused += r.answer == DP_CLASS_NOT_A_DIGIT;
      (*total)++;
    }
  return TRUE;
}

/* The report on ds (what: "the MNIST test set", …): the model, counts (may be NULL), the
 * metrics, the refusals, the share of negatives refused (negatives may be NULL) and the
 * calibration error. Returns the exit status: 1 when the negatives had bad lines. */
static int
print_report (const DpNetwork *net, const char *model_path, const char *what,
              const char *counts, const DpDataset *ds, const char *negatives)
{
  DpMetrics metrics;
  dp_metrics_evaluate (&metrics, net, ds, NULL);
  g_autofree char *report = dp_metrics_format (&metrics);
  g_autofree char *sizes = dp_network_describe_sizes (net);
  printf ("model: %s (%s %s, %s) on %s\n", model_path, sizes,
          dp_activation_to_string (net->activation), dp_loss_to_string (net->loss), what);
  if (counts != NULL)
    printf ("%s\n", counts);
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
      guint refused, total, skipped;
      fflush (stdout); /* the file's complaints on stderr come after the report */
      if (!negatives_refused (net, negatives, &refused, &total, &skipped))
        return DP_CLI_EXIT_FAILED;
      printf ("negatives refused: %.2f %% (%u of %u)\n",
              total ? 100.0 * refused / total : 0.0, refused, total);
      if (skipped > 0)
        status = DP_CLI_EXIT_FAILED;
    }
  printf ("calibration error (ECE, %d bins): %.4f\n", DP_ECE_BINS, metrics.ece);
  return status;
}

/* What eval --strokes read: the counts beside the data set */
typedef struct
{
  guint records;    /* lines that held a record, good or bad */
  guint unlabelled; /* no label: skipped */
  guint refusals;   /* labelled "not a digit", skipped when the model cannot answer that */
  guint bad;        /* bad lines and records that could not be preprocessed: skipped */
} StrokesCounts;

/* The labelled records of a strokes file as a data set: their 28×28 images (the pad's
 * preprocessing) and labels ("not a digit" only for a model that can answer it). NULL when the
 * file cannot be read. */
static DpDataset *
strokes_dataset (const char *path, gboolean can_refuse, StrokesCounts *counts)
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
      else if (record->label == DP_CLASS_NOT_A_DIGIT && !can_refuse)
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
eval_strokes_file (const DpNetwork *net, const char *model_path, const char *path,
                   const char *negatives)
{
  StrokesCounts counts;
  g_autoptr (DpDataset) ds = strokes_dataset (path, dp_network_can_refuse (net), &counts);
  if (ds == NULL)
    return DP_CLI_EXIT_FAILED;
  g_autofree char *name = g_filename_display_name (path);
  if (ds->n == 0)
    {
      dp_cli_error ("%s: nothing to evaluate: none of its %u records is a readable drawing "
                    "with a label this model can answer", name, counts.records);
      return DP_CLI_EXIT_FAILED;
    }
  g_autofree char *what = g_strdup_printf ("the strokes file %s", name);
  g_autoptr (GString) line = g_string_new (NULL);
  g_string_printf (line, "records: %u, evaluated: %d, skipped: %u unlabelled, %u bad",
                   counts.records, ds->n, counts.unlabelled, counts.bad);
  if (counts.refusals > 0)
    g_string_append_printf (line, ", %u labelled \"not a digit\" (this model has no such answer)",
                            counts.refusals);
  int status = print_report (net, model_path, what, line->str, ds, negatives);
  return counts.bad > 0 ? DP_CLI_EXIT_FAILED : status;
}

int
dp_cli_eval (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *strokes = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *negatives = NULL;
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
    { "negatives", 0, 0, G_OPTION_ARG_FILENAME, &negatives,
      "A strokes file (.ndjson) of drawings that are not digits: print the share refused "
      "(a model that can say \"not a digit\")", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL --data DIR | MODEL --strokes FILE",
      "Print a model's accuracy on the MNIST test set (\"accuracy: 98.76 %\" on a line of\n"
      "its own), its per-class precision, recall and F1, and the confusion matrix; then, one\n"
      "line each, the share of test digits refused and the accuracy with refusals counted\n"
      "wrong (a model that can say \"not a digit\"), the share of --negatives refused, and\n"
      "the expected calibration error of the confidences on the test set. With --strokes, the\n"
      "same on the labelled records of a strokes file (unlabelled ones counted and skipped).",
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
  if (negatives != NULL && !dp_network_can_refuse (net))
    {
      g_autofree char *name = g_filename_display_name (model_path);
      dp_cli_error ("%s: --negatives needs a model that can say \"not a digit\"; this one has "
                    "%d outputs (the digits) and answers a digit for everything",
                    name, dp_network_n_outputs (net));
      return DP_CLI_EXIT_FAILED;
    }
  if (strokes != NULL)
    return eval_strokes_file (net, model_path, strokes, negatives);

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

  return print_report (net, model_path,
                       on_train ? "the MNIST training set" : "the MNIST test set", NULL, ds,
                       negatives);
}
