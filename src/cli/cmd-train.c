/* cmd-train.c: `digitpad-cli train`: a preset (Quick by default) with options that override
 * it, MNIST from --data, the model saved atomically to --out with the command line that made it
 * in its metadata.
 *
 * Threads: dp_train_run runs in a worker thread while the main thread runs a GMainLoop that
 * watches SIGINT and SIGTERM (g_unix_signal_add, so the handler itself is signal-safe GLib code)
 * and cancels the GCancellable the trainer checks every batch. A cancelled run saves nothing:
 * the file at --out stays as it was. The progress callbacks run on the worker and only print. */
#include "cli.h"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define COMMAND "train"

/* The command line is kept in this metadata key, next to the trainer's own recipe. */
#define DP_CLI_META_COMMAND "command"

typedef struct
{
  char *preset, *hidden, *activation, *loss, *init, *optimizer, *schedule;
  char *lr, *momentum, *batch, *epochs, *l2, *dropout, *seed, *limit, *threads;
  char *holdout;
  char *data, *out, *train_data;
  gboolean nesterov, augment, no_augment;
  char **rest;
} TrainOptions;

static void
train_options_clear (TrainOptions *o)
{
  char **strings[] = { &o->preset, &o->hidden, &o->activation, &o->loss, &o->init,
                       &o->optimizer, &o->schedule, &o->lr, &o->momentum, &o->batch,
                       &o->epochs, &o->l2, &o->dropout, &o->seed, &o->limit, &o->threads,
                       &o->holdout, &o->data, &o->out, &o->train_data };
  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    g_clear_pointer (strings[i], g_free);
  g_clear_pointer (&o->rest, g_strfreev);
}

/* What the worker thread and the main loop share. The worker writes net/error and then
 * schedules the loop's quit; the main thread reads them only after g_thread_join. */
typedef struct
{
  const DpTrainConfig *config;
  const DpDataset *train, *test;
  DpDataset *mix;        /* the worker builds it when config->data is MIX (train = MNIST's) */
  GCancellable *cancellable;
  GMainLoop *loop;
  gboolean tty;          /* stderr is a terminal: one live line rewritten with \r */
  gint64 last_print_us;  /* worker only: throttles the live line */
  gboolean line_open;    /* worker only: a live line is on screen */
  int signal_received;   /* main thread only */
  DpNetwork *net;
  GError *error;
} TrainJob;

static gboolean
parse_double (const char *option, const char *text, double *out)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (*text == '\0' || end == NULL || *end != '\0' || errno != 0 || !isfinite (v))
    {
      dp_cli_usage (COMMAND, "%s: '%s' is not a number", option, text);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
parse_int (const char *option, const char *text, int *out)
{
  gint64 v;
  g_autoptr (GError) error = NULL;
  if (!g_ascii_string_to_signed (text, 10, G_MININT, G_MAXINT, &v, &error))
    {
      dp_cli_usage (COMMAND, "%s: '%s' is not an integer", option, text);
      return FALSE;
    }
  *out = (int) v;
  return TRUE;
}

/* "256,128" → n_hidden 2, hidden {256, 128}; "none" → no hidden layer. A size of 0 is refused
 * alone as in a list ("0" is not "none"). */
static gboolean
parse_hidden (const char *text, DpTrainConfig *config)
{
  if (g_str_equal (text, "none"))
    {
      config->n_hidden = 0;
      return TRUE;
    }
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  int n = g_strv_length (parts);
  if (n == 0 || n > DP_MAX_LAYERS - 1)
    {
      dp_cli_usage (COMMAND, "--hidden: '%s' must list 1 to %d layer sizes, e.g. 256,128", text,
                    DP_MAX_LAYERS - 1);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      guint64 v;
      if (g_str_equal (g_strstrip (parts[i]), "0"))
        {
          dp_cli_usage (COMMAND, "--hidden: a layer of 0 units in '%s'; layer sizes are 1 to "
                        "65536, and --hidden none means no hidden layer", text);
          return FALSE;
        }
      if (!g_ascii_string_to_unsigned (g_strstrip (parts[i]), 10, 1, 1 << 16, &v, NULL))
        {
          dp_cli_usage (COMMAND, "--hidden: '%s' is not a layer size (1 to 65536) in '%s'",
                        parts[i], text);
          return FALSE;
        }
      config->hidden[i] = (int) v;
    }
  config->n_hidden = n;
  return TRUE;
}

/* Applies the options given on the command line over the preset. Returns FALSE after printing
 * a usage error. *overridden tells whether anything changed the preset's recipe. */
static gboolean
apply_options (const TrainOptions *o, DpTrainConfig *c, gboolean *overridden)
{
  gboolean any = FALSE;

  if (o->hidden != NULL)
    {
      if (!parse_hidden (o->hidden, c))
        return FALSE;
      any = TRUE;
    }
  if (o->activation != NULL)
    {
      if (!dp_activation_from_string (o->activation, &c->activation))
        {
          dp_cli_usage (COMMAND, "--activation: '%s' is not one of sigmoid, tanh, relu",
                        o->activation);
          return FALSE;
        }
      any = TRUE;
    }
  if (o->loss != NULL)
    {
      if (!dp_loss_from_string (o->loss, &c->loss))
        {
          dp_cli_usage (COMMAND, "--loss: '%s' is not one of softmax-ce, sigmoid-ce, mse",
                        o->loss);
          return FALSE;
        }
      any = TRUE;
    }
  if (o->init != NULL)
    {
      if (!dp_init_from_string (o->init, &c->init))
        {
          dp_cli_usage (COMMAND, "--init: '%s' is not one of he, xavier, uniform", o->init);
          return FALSE;
        }
      any = TRUE;
    }
  if (o->optimizer != NULL)
    {
      if (!dp_optimizer_from_string (o->optimizer, &c->optimizer))
        {
          dp_cli_usage (COMMAND, "--optimizer: '%s' is not one of sgd, momentum, adam, lbfgs",
                        o->optimizer);
          return FALSE;
        }
      any = TRUE;
    }
  if (o->schedule != NULL)
    {
      if (!dp_schedule_from_string (o->schedule, &c->schedule))
        {
          dp_cli_usage (COMMAND, "--schedule: '%s' is not one of constant, step, cosine",
                        o->schedule);
          return FALSE;
        }
      any = TRUE;
    }

  struct { const char *name, *text; double *value; } doubles[] = {
    { "--lr", o->lr, &c->lr },
    { "--momentum", o->momentum, &c->momentum },
    { "--l2", o->l2, &c->l2 },
    { "--dropout", o->dropout, &c->dropout },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (doubles); i++)
    if (doubles[i].text != NULL)
      {
        if (!parse_double (doubles[i].name, doubles[i].text, doubles[i].value))
          return FALSE;
        any = TRUE;
      }

  struct { const char *name, *text; int *value; gboolean recipe; } ints[] = {
    { "--batch", o->batch, &c->batch, TRUE },
    { "--epochs", o->epochs, &c->epochs, TRUE },
    { "--limit", o->limit, &c->limit, TRUE },
    { "--holdout", o->holdout, &c->holdout, TRUE },
    { "--threads", o->threads, &c->threads, FALSE }, /* changes the speed, not the model */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (ints); i++)
    if (ints[i].text != NULL)
      {
        if (!parse_int (ints[i].name, ints[i].text, ints[i].value))
          return FALSE;
        any |= ints[i].recipe;
      }

  if (o->train_data != NULL)
    {
      if (!dp_train_set_from_string (o->train_data, &c->data))
        {
          dp_cli_usage (COMMAND, "--train-data: '%s' is not one of mnist, mix", o->train_data);
          return FALSE;
        }
      any = TRUE;
    }
  if (o->seed != NULL)
    {
      guint64 seed;
      if (!g_ascii_string_to_unsigned (o->seed, 10, 0, G_MAXUINT64, &seed, NULL))
        {
          dp_cli_usage (COMMAND, "--seed: '%s' is not a non-negative integer", o->seed);
          return FALSE;
        }
      c->seed = seed;
      any = TRUE;
    }
  if (o->nesterov)
    {
      c->nesterov = TRUE;
      any = TRUE;
    }
  if (o->augment && o->no_augment)
    {
      dp_cli_usage (COMMAND, "--augment and --no-augment contradict each other");
      return FALSE;
    }
  if (o->augment || o->no_augment)
    {
      c->augment = o->augment;
      any = TRUE;
    }

  /* an option the chosen optimizer does not use is refused, never silently dropped (as the
   * engine refuses dropout and augmentation with L-BFGS) */
  const char *opt = dp_optimizer_to_string (c->optimizer);
  if ((o->momentum != NULL || o->nesterov) && c->optimizer != DP_OPTIMIZER_MOMENTUM)
    {
      dp_cli_usage (COMMAND, "%s: the %s optimizer has no momentum; it is for --optimizer momentum",
                    o->momentum != NULL ? "--momentum" : "--nesterov", opt);
      return FALSE;
    }
  if (c->optimizer == DP_OPTIMIZER_LBFGS)
    {
      const char *given = o->lr != NULL ? "--lr" : o->batch != NULL ? "--batch"
                          : o->schedule != NULL ? "--schedule" : NULL;
      if (given != NULL)
        {
          dp_cli_usage (COMMAND, "%s: L-BFGS%s trains on the full batch and finds its own step "
                        "size, so it takes no %s; choose --optimizer sgd, momentum or adam to "
                        "set it", given, o->optimizer == NULL ? " (the preset's optimizer)" : "",
                        given);
          return FALSE;
        }
    }

  *overridden = any;
  return TRUE;
}

static char *
format_duration (double s)
{
  if (!isfinite (s) || s < 0)
    return g_strdup ("--:--");
  long t = lround (s);
  if (t >= 3600)
    return g_strdup_printf ("%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  return g_strdup_printf ("%ld:%02ld", t / 60, t % 60);
}

static void
on_progress (const DpTrainProgress *p, gpointer user_data)
{
  TrainJob *job = user_data;
  if (!job->tty)
    return;
  /* the trainer may report every batch: a terminal needs ~10 refreshes a second */
  gint64 now = g_get_monotonic_time ();
  if (now - job->last_print_us < 100000 && p->batch != p->n_batches)
    return;
  job->last_print_us = now;
  g_autofree char *eta = format_duration (p->eta_s);
  double percent = p->n_batches > 0 ? 100.0 * p->batch / p->n_batches : 0;
  fprintf (stderr, "\r\033[Kepoch %d/%d  %3.0f %%  loss %.4f  %.0f samples/s  ETA %s",
           p->epoch, p->n_epochs, percent, p->loss, p->samples_per_s, eta);
  fflush (stderr);
  job->line_open = TRUE;
}

static void
on_epoch_done (const DpEpochResult *r, gpointer user_data)
{
  TrainJob *job = user_data;
  g_autofree char *test = r->test_accuracy >= 0
                              ? g_strdup_printf ("%.2f %%", 100 * r->test_accuracy)
                              : g_strdup ("-");
  fprintf (stderr, "%sepoch %d/%d  loss %.4f  train %.2f %%  test %s  %.2f s\n",
           job->line_open ? "\r\033[K" : "", r->epoch, r->n_epochs, r->train_loss,
           100 * r->train_accuracy, test, r->seconds);
  fflush (stderr);
  job->line_open = FALSE;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  TrainJob *job = user_data;
  g_main_loop_quit (job->loop);
  return G_SOURCE_REMOVE;
}

static void
on_synth_progress (int done, int total, gpointer user_data)
{
  TrainJob *job = user_data;
  if (!job->tty)
    return;
  fprintf (stderr, "\r\033[Kgenerating the mix: %d / %d", done, total);
  fflush (stderr);
  job->line_open = TRUE;
}

/* MNIST + the generated examples (engine/synth.h), from the cache when it is there; then
 * `limit` applies to the mix. */
static gboolean
build_mix (TrainJob *job)
{
  DpSynthReport report = { 0 };
  job->mix = dp_synth_build_mix (job->train, NULL, job->config->seed, NULL, on_synth_progress,
                                 job, job->cancellable, &report, &job->error);
  if (job->line_open)
    fputs ("\r\033[K", stderr);
  job->line_open = FALSE;
  if (job->mix == NULL)
    return FALSE;
  if (report.from_cache)
    fprintf (stderr, "the mix: %d images, the generated ones from %s\n", job->mix->n,
             report.cache_path);
  else
    fprintf (stderr, "the mix: %d images, %d of them generated in %.1f s on %d threads%s%s\n",
             job->mix->n, job->mix->n - job->train->n, report.seconds, report.threads,
             report.cache_path ? ", cached in " : "", report.cache_path ? report.cache_path : "");
  dp_synth_report_clear (&report);
  if (job->config->limit > 0 && job->config->limit < job->mix->n)
    {
      DpDataset *head = dp_dataset_head (job->mix, job->config->limit);
      dp_dataset_free (job->mix);
      job->mix = head;
    }
  job->train = job->mix;
  return TRUE;
}

static gpointer
train_thread (gpointer user_data)
{
  TrainJob *job = user_data;
  DpTrainCallbacks callbacks = { on_progress, on_epoch_done, job };
  if (job->config->data != DP_TRAIN_SET_MIX || build_mix (job))
    job->net = dp_train_run (job->config, job->train, job->test, &callbacks, job->cancellable,
                             &job->error);
  if (job->tty && job->line_open)
    {
      fputs ("\r\033[K", stderr);
      fflush (stderr);
    }
  g_idle_add (quit_loop_cb, job);
  return NULL;
}

static gboolean
on_signal_cb (gpointer user_data, int signum)
{
  TrainJob *job = user_data;
  if (job->signal_received == 0)
    {
      job->signal_received = signum;
      /* the trainer stops within a batch; a second Ctrl+C quits at once (this watch is gone,
       * so the default action is back) */
      fprintf (stderr, "%s%s: stopping… (press Ctrl+C again to quit at once)\n",
               job->tty ? "\r\033[K" : "", DP_CLI_NAME);
      fflush (stderr);
      g_cancellable_cancel (job->cancellable);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_sigint_cb (gpointer user_data)
{
  return on_signal_cb (user_data, SIGINT);
}

static gboolean
on_sigterm_cb (gpointer user_data)
{
  return on_signal_cb (user_data, SIGTERM);
}

/* Fails early, before minutes of training, when the model could not be saved anyway: the
 * same checks dp_model_save makes (a FIFO, a device, a directory, a write-protected file, "",
 * a missing or read-only folder). */
static gboolean
check_out_path (const char *out)
{
  g_autoptr (GError) error = NULL;
  if (!dp_file_check_output (out, "the model", NULL, &error))
    {
      dp_cli_file_error (out, error);
      return FALSE;
    }
  return TRUE;
}

static int
train_and_save (const TrainOptions *o, DpTrainConfig *config)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  TrainJob job = { .config = config, .cancellable = cancellable, .loop = loop,
                   .tty = isatty (STDERR_FILENO) };

  /* installed before the data loads, so an early Ctrl+C is not lost either: the loop sees
   * it as soon as it runs, and the trainer stops at its first batch */
  guint sigint_id = g_unix_signal_add (SIGINT, on_sigint_cb, &job);
  guint sigterm_id = g_unix_signal_add (SIGTERM, on_sigterm_cb, &job);

  g_autoptr (DpDataset) train = dp_dataset_load_mnist (o->data, TRUE, &error);
  g_autoptr (DpDataset) test = NULL;
  if (train != NULL)
    test = dp_dataset_load_mnist (o->data, FALSE, &error);
  if (test == NULL)
    {
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      dp_cli_file_error (o->data, error);
      return DP_CLI_EXIT_FAILED;
    }
  if (config->data != DP_TRAIN_SET_MIX && config->limit > 0 && config->limit < train->n)
    {
      /* keep only what is trained on: the rest is 180 MB of floats */
      DpDataset *head = dp_dataset_head (train, config->limit);
      dp_dataset_free (g_steal_pointer (&train));
      train = head;
    }
  job.train = train;
  job.test = test;

  g_autofree char *recipe = dp_train_config_describe (config);
  if (config->data == DP_TRAIN_SET_MIX)
    fprintf (stderr, "training: %s\non MNIST's %d images + the generated ones, testing on %d "
             "(%s)\n", recipe, train->n, test->n, o->data);
  else
    fprintf (stderr, "training: %s\non %d images, testing on %d (%s)\n", recipe, train->n,
             test->n, o->data);
  fflush (stderr);

  GThread *thread = g_thread_new ("digitpad-train", train_thread, &job);
  g_main_loop_run (loop);
  g_thread_join (thread);
  g_clear_pointer (&job.mix, dp_dataset_free);

  /* a watch that fired removed itself */
  if (job.signal_received != SIGINT)
    g_source_remove (sigint_id);
  if (job.signal_received != SIGTERM)
    g_source_remove (sigterm_id);

  g_autoptr (DpNetwork) net = g_steal_pointer (&job.net);
  g_autoptr (GError) train_error = g_steal_pointer (&job.error);

  if (job.signal_received != 0)
    {
      /* even a run that finished as the signal came is dropped: the user asked to stop */
      if (g_file_test (o->out, G_FILE_TEST_EXISTS))
        dp_cli_error ("training cancelled; nothing saved, %s left as it was", o->out);
      else
        dp_cli_error ("training cancelled; nothing saved");
      return DP_CLI_EXIT_CANCELLED;
    }
  if (net == NULL)
    {
      /* the settings were validated before the run: whatever fails now (divergence, L-BFGS,
       * memory) is a failed training, not a usage error. The engine's messages say what failed. */
      dp_cli_error ("%s", train_error != NULL ? train_error->message
                                              : "training failed: no network returned");
      return DP_CLI_EXIT_FAILED;
    }

  /* dp_train_run set the recipe and the test accuracy */
  dp_network_set_meta (net, DP_CLI_META_COMMAND, dp_cli_command_line ());

  if (!dp_model_save (net, o->out, &error))
    {
      dp_cli_file_error (o->out, error);
      return DP_CLI_EXIT_FAILED;
    }
  g_autofree char *sizes = dp_network_describe_sizes (net);
  /* the figure users compare: dp_train_run measured it on the whole test set (never empty: the
   * loader refuses a file of 0 images), the same computation as `eval` */
  const char *accuracy = dp_network_get_meta (net, DP_META_TEST_ACCURACY);
  printf ("test accuracy: %.2f %%\n", 100 * g_ascii_strtod (accuracy, NULL));
  const char *temperature = dp_network_get_meta (net, DP_META_TEMPERATURE);
  if (temperature != NULL)
    printf ("calibration: temperature %s fitted on %s held-out images, their calibration error "
            "(ECE) %s before, %s after\n", temperature,
            dp_network_get_meta (net, DP_META_CALIBRATION_HOLDOUT),
            dp_network_get_meta (net, DP_META_CALIBRATION_ECE_BEFORE),
            dp_network_get_meta (net, DP_META_CALIBRATION_ECE));
  const char *threshold = dp_network_get_meta (net, DP_META_REFUSE_THRESHOLD);
  if (threshold != NULL)
    printf ("refusal: \"not a digit\" from p = %s on, which refuses %.2f %% of the held-out "
            "digits and %.2f %% of the held-out negatives\n", threshold,
            100 * g_ascii_strtod (dp_network_get_meta (net, DP_META_REFUSE_HOLDOUT_DIGITS), NULL),
            100 * g_ascii_strtod (dp_network_get_meta (net, DP_META_REFUSE_HOLDOUT_NEGATIVES),
                                  NULL));
  printf ("saved %s (%s, %" G_GSIZE_FORMAT " parameters)\n", o->out, sizes, net->n_params);
  return DP_CLI_EXIT_OK;
}

int
dp_cli_train (int argc, char **argv)
{
  TrainOptions o = { 0 };
  const GOptionEntry entries[] = {
    { "preset", 'p', 0, G_OPTION_ARG_STRING, &o.preset,
      "Start from a recipe: classic, tiny, deep, quick (default), best", "NAME" },
    { "hidden", 0, 0, G_OPTION_ARG_STRING, &o.hidden,
      "Hidden layer sizes, e.g. 256,128 (none: no hidden layer)", "N,N…" },
    { "activation", 0, 0, G_OPTION_ARG_STRING, &o.activation,
      "Hidden activation: sigmoid, tanh, relu", "NAME" },
    { "loss", 0, 0, G_OPTION_ARG_STRING, &o.loss,
      "Output and loss: softmax-ce, sigmoid-ce, mse", "NAME" },
    { "init", 0, 0, G_OPTION_ARG_STRING, &o.init, "Weight initialisation: he, xavier, uniform",
      "NAME" },
    { "optimizer", 0, 0, G_OPTION_ARG_STRING, &o.optimizer,
      "Optimizer: sgd, momentum, adam, lbfgs (full batch)", "NAME" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &o.lr, "Learning rate", "X" },
    { "momentum", 0, 0, G_OPTION_ARG_STRING, &o.momentum, "Momentum coefficient", "X" },
    { "nesterov", 0, 0, G_OPTION_ARG_NONE, &o.nesterov, "Nesterov momentum", NULL },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &o.schedule,
      "Learning-rate schedule: constant, step, cosine", "NAME" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &o.batch, "Mini-batch size", "N" },
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &o.epochs, "Epochs (L-BFGS: iterations)", "N" },
    { "l2", 0, 0, G_OPTION_ARG_STRING, &o.l2, "L2 weight decay λ", "X" },
    { "dropout", 0, 0, G_OPTION_ARG_STRING, &o.dropout,
      "Drop probability of hidden units (0 = off)", "X" },
    { "augment", 0, 0, G_OPTION_ARG_NONE, &o.augment,
      "Random affine and elastic distortions each epoch", NULL },
    { "no-augment", 0, 0, G_OPTION_ARG_NONE, &o.no_augment, "No augmentation", NULL },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o.seed, "Random seed: the same seed, the same model",
      "N" },
    { "limit", 0, 0, G_OPTION_ARG_STRING, &o.limit,
      "Train on the first N training images only (0 = all)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_STRING, &o.threads, "Compute threads (0 = all cores)", "N" },
    { "holdout", 0, 0, G_OPTION_ARG_STRING, &o.holdout,
      "Keep N training images (a seeded random choice) out of training and fit the calibration "
      "temperature on them (0 = none)", "N" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &o.data,
      "Directory holding the MNIST files (required)", "DIR" },
    { "train-data", 0, 0, G_OPTION_ARG_STRING, &o.train_data,
      "What to train on: mnist (default; 10 outputs) or mix (MNIST + digits from fonts and "
      "strokes + \"not a digit\" examples, generated and cached; 11 outputs)", "SET" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out,
      "Model file to write (required); replaced atomically at the end", "FILE" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.rest, NULL, NULL },
    { NULL }
  };

  g_autoptr (GOptionContext) context = dp_cli_context_new (
      COMMAND, "--data DIR --out FILE",
      "Train a network on MNIST and save it. The options override the preset's values.\n"
      "Progress goes to stderr; Ctrl+C stops cleanly and saves nothing.",
      entries);
  g_autofree char *presets = g_strjoinv (", ", (char **) dp_train_preset_names ());
  g_autofree char *description = g_strdup_printf (
      "Presets: %s.\n"
      "Example:\n  %s train --preset quick --data ../shared/mnist --out quick.safetensors",
      presets, DP_CLI_NAME);
  g_option_context_set_description (context, description);

  int status = DP_CLI_EXIT_USAGE;
  DpTrainConfig config;
  gboolean overridden = FALSE;
  g_autoptr (GError) error = NULL;

  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    goto out;
  if (o.rest != NULL && o.rest[0] != NULL)
    {
      dp_cli_usage (COMMAND, "unexpected argument '%s'", o.rest[0]);
      goto out;
    }
  if (o.data == NULL)
    {
      dp_cli_usage (COMMAND, "missing --data DIR (the directory with the MNIST files)");
      goto out;
    }
  if (o.out == NULL)
    {
      dp_cli_usage (COMMAND, "missing --out FILE (where to save the model)");
      goto out;
    }
  if (!dp_train_preset (o.preset != NULL ? o.preset : "quick", &config, &error))
    {
      dp_cli_usage (COMMAND, "--preset: %s", error->message);
      goto out;
    }
  if (!apply_options (&o, &config, &overridden))
    goto out;
  if (overridden)
    config.preset[0] = '\0'; /* the recipe is no longer the preset's */
  if (!dp_train_config_validate (&config, &error))
    {
      dp_cli_usage (COMMAND, "%s", error->message);
      goto out;
    }
  if (!check_out_path (o.out))
    {
      status = DP_CLI_EXIT_FAILED;
      goto out;
    }
  status = train_and_save (&o, &config);

out:
  train_options_clear (&o);
  return status;
}
