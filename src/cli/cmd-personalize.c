/* cmd-personalize.c: `digitpad-cli personalize MODEL --samples FILE --out FILE [--data DIR]`:
 * a personal model from MODEL and a person's drawings (a strokes file), through
 * dp_personalize_run: MNIST (--data, else $DIGITPAD_MNIST_DIR) is mixed in and checks the
 * result. Progress on stderr, the before → after report on stdout; the model is saved
 * atomically, and only when it is accepted: a refusal (MNIST would drop too much) writes
 * nothing and exits 1. */
#include "cli.h"

#include <stdio.h>

#define COMMAND "personalize"

typedef struct
{
  const char *last_what;
} Progress;

/* one line per stage, as it starts */
static void
on_progress (const DpPersonalizeProgress *p, gpointer user_data)
{
  Progress *pr = user_data;
  if (p->what == NULL || g_strcmp0 (p->what, pr->last_what) == 0)
    return;
  pr->last_what = p->what;
  fprintf (stderr, "personalize: %3.0f %%  %.1f s  %s\n", 100 * p->fraction, p->elapsed_s,
           p->what);
  fflush (stderr);
}

static void
print_report (const DpPersonalizeReport *r)
{
  printf ("samples: %d used of %d", r->n_used, r->n_samples);
  if (r->n_skipped > 0)
    printf (" (%d skipped: no label this model answers, or no ink)", r->n_skipped);
  printf (", %d MNIST images", r->n_anchor - r->n_negatives);
  if (r->n_negatives > 0)
    printf (" and %d \"not a digit\" examples", r->n_negatives);
  printf (" mixed in, %d steps, personal share %.0f %%", r->steps, 100 * r->personal_share);
  if (r->attempts > 1)
    printf (" (try %d: MNIST dropped too much with more)", r->attempts);
  putchar ('\n');
  if (r->n_heldout > 0)
    printf ("your samples, each held out in turn: %.1f %% -> %.1f %%\n",
            100 * r->heldout_before, 100 * r->heldout_after);
  else
    printf ("your samples, each held out in turn: not measured (fewer than 2 samples)\n");
  if (r->anchor_after >= 0)
    printf ("MNIST test: %.2f %% -> %.2f %%\n", 100 * r->anchor_before, 100 * r->anchor_after);
  if (r->refused_after >= 0)
    printf ("\"not a digit\" examples mixed in, answered \"not a digit\": %.1f %% -> %.1f %%\n",
            100 * r->refused_before, 100 * r->refused_after);
  printf ("time: %.2f s\n", r->seconds);
}

int
dp_cli_personalize (int argc, char **argv)
{
  g_autofree char *samples_path = NULL, *out = NULL, *data = NULL, *seed_text = NULL;
  g_auto (GStrv) rest = NULL;
  const GOptionEntry entries[] = {
    { "samples", 's', 0, G_OPTION_ARG_FILENAME, &samples_path,
      "The person's drawings: a strokes file with labels (required)", "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Where to save the personal model (required; written only when accepted)", "FILE" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Directory holding the MNIST files (default: $DIGITPAD_MNIST_DIR)", "DIR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of every random choice (default 1)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "MODEL --samples FILE --out FILE",
      "Derive a personal model from MODEL and a person's labelled drawings: the output layer\n"
      "is fine-tuned on them, mixed with MNIST, in seconds. Prints the accuracy on the\n"
      "drawings (each held out in turn) and on the MNIST test set, before and after. The\n"
      "model is refused, and nothing written, when MNIST accuracy would drop by more than\n"
      "0.3 points (exit status 1). Start again from the base model, not a personal one.",
      entries);

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (rest == NULL || rest[0] == NULL)
    return dp_cli_usage (COMMAND, "missing MODEL (the base model, a .safetensors file)");
  if (rest[1] != NULL)
    return dp_cli_usage (COMMAND, "unexpected argument '%s'", rest[1]);
  if (samples_path == NULL)
    return dp_cli_usage (COMMAND, "missing --samples FILE (a strokes file of labelled drawings)");
  if (out == NULL)
    return dp_cli_usage (COMMAND, "missing --out FILE (where to save the personal model)");
  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  if (seed_text != NULL
      && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXUINT64, &config.seed, NULL))
    return dp_cli_usage (COMMAND, "--seed: '%s' is not a whole number from 0", seed_text);
  if (data == NULL)
    {
      const char *env = g_getenv ("DIGITPAD_MNIST_DIR");
      if (env == NULL || *env == '\0')
        return dp_cli_usage (COMMAND, "no MNIST: give --data DIR (the directory with the MNIST "
                                      "files) or set DIGITPAD_MNIST_DIR; it is mixed in and "
                                      "checks that the personal model still reads MNIST");
      data = g_strdup (env);
    }

  g_autoptr (GError) error = NULL;
  /* fail before the work when the model could not be saved anyway */
  if (!dp_file_check_output (out, "the model", NULL, &error))
    {
      dp_cli_file_error (out, error);
      return DP_CLI_EXIT_FAILED;
    }
  g_autoptr (DpNetwork) base = dp_cli_load_model (rest[0]);
  if (base == NULL)
    return DP_CLI_EXIT_FAILED;
  if (dp_personalize_is_personal (base))
    fprintf (stderr, "%s: note: %s is itself a personal model; personalizing starts from it, "
             "not from its base\n", DP_CLI_NAME, rest[0]);

  /* a bad line is named and skipped; the others are used */
  guint n_bad;
  g_autoptr (GPtrArray) samples = dp_cli_load_strokes (samples_path, &n_bad);
  if (samples == NULL)
    return DP_CLI_EXIT_FAILED;

  g_autoptr (DpDataset) train = dp_dataset_load_mnist (data, TRUE, &error);
  g_autoptr (DpDataset) test = train != NULL ? dp_dataset_load_mnist (data, FALSE, &error) : NULL;
  if (test == NULL)
    {
      dp_cli_file_error (data, error);
      return DP_CLI_EXIT_FAILED;
    }

  Progress pr = { NULL };
  DpPersonalizeReport report;
  g_autoptr (DpNetwork) personal = dp_personalize_run (base, samples, train, test, &config,
                                                       on_progress, &pr, NULL, &report, &error);
  if (personal == NULL)
    {
      if (g_error_matches (error, DP_ERROR, DP_ERROR_REFUSED))
        {
          print_report (&report);
          fflush (stdout);
          dp_cli_error ("%s; nothing written to %s", error->message, out);
        }
      else
        dp_cli_error ("cannot personalize %s with %s: %s", rest[0], samples_path,
                      error->message);
      return DP_CLI_EXIT_FAILED;
    }
  print_report (&report);
  if (!dp_model_save (personal, out, &error))
    {
      dp_cli_file_error (out, error);
      return DP_CLI_EXIT_FAILED;
    }
  printf ("saved: %s (personal model, %d samples)\n", out, report.n_used);
  return DP_CLI_EXIT_OK;
}
