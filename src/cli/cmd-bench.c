/* cmd-bench.c: `digitpad-cli bench`: how fast the engine trains, personalizes and recognises.
 *
 * Training: one full epoch of dp_train_run (shuffle, gather, forward, backward, and a plain SGD
 * or an Adam update) for 784-100-10 and 784-800-10 ReLU/softmax at batch 128; samples/s and the GFLOP/s that implies,
 * beside the GFLOP/s of plain cblas_sgemm calls of the same shapes measured in the same run (the
 * ceiling BLAS gives this machine), and their ratio. Inference: rendering a synthetic drawing
 * (dp_preprocess_strokes) plus one forward pass, median of many, in µs. Each figure is repeated
 * and printed as best and median, since other work may share the cores.
 *
 * Epoch times over a run: the recipes a user runs (Quick with Adam, the same with SGD, the first
 * epochs of Best and of Handwriting, the built-in model's recipe) with each epoch's time from
 * dp_train_run's own report, the test set's accuracy included as the CLI and the app measure it,
 * first against last, so that a run that slows down as it trains (arithmetic on subnormal
 * floats, see fp-mode.h) shows in one run of the benchmark, and the whole run's time at the
 * median epoch. Personalization: one dp_personalize_run with 30 and with 300
 * drawings, against one forward pass of the images it reads. The CPU model heads the output: the figures belong to it. */
#include "cli.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND "bench"
#define BATCH 128

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* sorts v in place */
static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / (double) G_USEC_PER_SEC;
}

/* multiply-adds of one training sample of 784-h-10: the forward GEMMs, dW of both layers, and dA
 * of the second layer only (the input needs no gradient) */
static double
train_flops_per_sample (int h)
{
  double fwd = 784.0 * h + h * 10.0;
  double dw = fwd;
  double da = h * 10.0;
  return 2.0 * (fwd + dw + da);
}

/* The same GEMMs as one training step of 784-h-10 at batch B, nothing else; GFLOP/s. */
static double
sgemm_rate (int h, int steps)
{
  const int B = BATCH, in = DP_INPUT_SIZE, K = DP_N_CLASSES;
  g_autofree float *X = g_new (float, (gsize) B * in);   /* (B, 784) */
  g_autofree float *W1 = g_new (float, (gsize) h * in);  /* (h, 784) */
  g_autofree float *W2 = g_new (float, (gsize) K * h);   /* (10, h) */
  g_autofree float *A1 = g_new (float, (gsize) B * h);   /* (B, h) */
  g_autofree float *Z2 = g_new (float, (gsize) B * K);   /* (B, 10) */
  g_autofree float *dW1 = g_new (float, (gsize) h * in); /* (h, 784) */
  g_autofree float *dW2 = g_new (float, (gsize) K * h);  /* (10, h) */
  g_autofree float *dA1 = g_new (float, (gsize) B * h);  /* (B, h) */
  DpRng rng;
  dp_rng_init (&rng, 1);
  for (gsize i = 0; i < (gsize) B * in; i++)
    X[i] = dp_rng_uniform (&rng);
  for (gsize i = 0; i < (gsize) h * in; i++)
    W1[i] = dp_rng_range (&rng, -0.05f, 0.05f);
  for (gsize i = 0; i < (gsize) K * h; i++)
    W2[i] = dp_rng_range (&rng, -0.05f, 0.05f);
  memset (Z2, 0, (gsize) B * K * sizeof (float));

  double t0 = now_s ();
  for (int s = 0; s < steps; s++)
    {
      /* A1 = X·W1ᵀ   X (B, 784), W1 (h, 784), A1 (B, h) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, h, in, 1.f, X, in, W1, in, 0.f, A1, h);
      /* Z2 = A1·W2ᵀ   A1 (B, h), W2 (10, h), Z2 (B, 10) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, K, h, 1.f, A1, h, W2, h, 0.f, Z2, K);
      /* dW2 = dZ2ᵀ·A1   (10, h) */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, h, B, 1.f, Z2, K, A1, h, 0.f, dW2, h);
      /* dA1 = dZ2·W2   (B, h) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, B, h, K, 1.f, Z2, K, W2, h, 0.f, dA1, h);
      /* dW1 = dZ1ᵀ·X   (h, 784) */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, h, in, B, 1.f, dA1, h, X, in, 0.f, dW1, in);
    }
  double t = now_s () - t0;
  return steps * B * train_flops_per_sample (h) / t / 1e9;
}

/* one epoch of real training; seconds */
static double
epoch_time (int h, DpOptimizerKind optimizer, const DpDataset *train, int threads,
            GError **error)
{
  DpTrainConfig c;
  dp_train_preset ("quick", &c, NULL);
  c.preset[0] = '\0';
  c.optimizer = optimizer;
  c.n_hidden = 1;
  c.hidden[0] = h;
  c.batch = BATCH;
  c.epochs = 1;
  c.schedule = DP_SCHEDULE_CONSTANT;
  c.lr = 1e-3;
  c.threads = threads;
  double t0 = now_s ();
  g_autoptr (DpNetwork) net = dp_train_run (&c, train, NULL, NULL, NULL, error);
  if (net == NULL)
    return -1;
  return now_s () - t0;
}

/* "model name" from /proc/cpuinfo (Linux), or a placeholder saying it is unknown */
static char *
cpu_model (void)
{
  g_autofree char *info = NULL;
  if (g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    {
      g_auto (GStrv) lines = g_strsplit (info, "\n", -1);
      for (char **l = lines; *l; l++)
        if (g_str_has_prefix (*l, "model name") && strchr (*l, ':'))
          return g_strstrip (g_strdup (strchr (*l, ':') + 1));
    }
  return g_strdup ("(CPU model unknown)");
}

/* ---------- the cost of a subnormal float ---------- */

static volatile float one = 1.0f, eps = 1e-8f;

/* seconds for 256 passes of Adam's arithmetic on its second moment, y = x·c / (sqrt(x)·c + ε),
 * over n floats x all equal to value */
static double
adam_op_time (float value)
{
  enum { N = 4096, PASSES = 256 };
  static float x[N], y[N];
  float c = one, e = eps;
  for (int i = 0; i < N; i++)
    x[i] = value;
  double t0 = now_s ();
  for (int p = 0; p < PASSES; p++)
    for (int i = 0; i < N; i++)
      y[i] = x[i] * c / (sqrtf (x[i]) * c + e);
  double t = now_s () - t0;
  volatile float sink = y[N / 2];
  (void) sink;
  return t;
}

/* that arithmetic on subnormal operands against normal ones, best of 4·reps, on this thread with
 * the mode the program runs with (flushed: fp-mode.h) and with IEEE gradual underflow; prints
 * both, so that what subnormal floats cost on this CPU is on record beside its timings */
static void
print_subnormal_cost (int reps)
{
  double ratio[2];
  for (int mode = 0; mode < 2; mode++)
    {
      if (mode == 1)
        dp_fp_mode_clear_thread ();
      double normal = G_MAXDOUBLE, sub = G_MAXDOUBLE;
      for (int r = 0; r < 4 * reps; r++)
        {
          normal = MIN (normal, adam_op_time (1.0f));
          sub = MIN (sub, adam_op_time (1e-39f));
        }
      ratio[mode] = sub / normal;
    }
  dp_fp_mode_set_thread ();
  printf ("subnormal floats: Adam's arithmetic on them takes %.1f× its time on normal floats as "
          "this program runs (flushed to zero), %.1f× under IEEE gradual underflow\n",
          ratio[0], ratio[1]);
}

/* ---------- epoch times over one run ---------- */

typedef struct
{
  double *seconds; /* (max_epochs) each epoch's time, the least over the runs so far */
  int n, max_epochs;
  GCancellable *stop; /* cancelled after max_epochs */
} EpochLog;

static void
log_epoch (const DpEpochResult *r, gpointer user_data)
{
  EpochLog *log = user_data;
  if (log->n < log->max_epochs)
    {
      log->seconds[log->n] = MIN (log->seconds[log->n], r->seconds);
      log->n++;
    }
  if (log->n == log->max_epochs)
    g_cancellable_cancel (log->stop);
}

/* trains c for its first max_epochs epochs (the schedule is the whole run's; test, if not NULL,
 * measured after each epoch as a user's run does), runs times, each run the same (same seed: same
 * work), and prints one row of each epoch's least time: first, median, last and last / first,
 * and the whole run's epochs at the median; FALSE with error if a run failed */
static gboolean
epoch_row (const char *name, const DpTrainConfig *c, int max_epochs, int runs,
           const DpDataset *train, const DpDataset *test, int threads, GError **error)
{
  DpTrainConfig run = *c;
  run.threads = threads;
  max_epochs = MIN (max_epochs, run.epochs);
  g_autofree double *seconds = g_new (double, max_epochs);
  for (int e = 0; e < max_epochs; e++)
    seconds[e] = G_MAXDOUBLE;
  int n = 0;
  for (int k = 0; k < runs; k++)
    {
      g_autoptr (GCancellable) stop = g_cancellable_new ();
      EpochLog log = { seconds, 0, max_epochs, stop };
      DpTrainCallbacks cb = { NULL, log_epoch, &log };
      g_autoptr (GError) local = NULL;
      g_autoptr (DpNetwork) net = dp_train_run (&run, train, test, &cb, stop, &local);
      if (net == NULL && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      n = log.n;
    }
  double first = seconds[0], last = seconds[n - 1];
  g_autofree double *sorted = g_memdup2 (seconds, n * sizeof (double));
  double ratio = last / first;
  g_autofree char *epochs = g_strdup_printf ("%d/%d", n, run.epochs);
  double med = median (sorted, n);
  printf ("%-28s %-5s %7s %8.2fs %8.2fs %8.2fs %9.2f× %7.1f min  %s\n", name,
          dp_optimizer_to_string (run.optimizer), epochs, first, med, last, ratio,
          med * run.epochs / 60.0, ratio <= 1.1 ? "flat" : "SLOWER (goal ≤ 1.10×)");
  fflush (stdout);
  return TRUE;
}

/* 60 000 images of noise: the speed of training does not depend on the pixels */
static DpDataset *
synthetic_mnist (void)
{
  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->n = 60000;
  ds->images = g_new (float, (gsize) ds->n * DP_INPUT_SIZE);
  ds->labels = g_new (guint8, ds->n);
  DpRng rng;
  dp_rng_init (&rng, 3);
  for (gsize i = 0; i < (gsize) ds->n * DP_INPUT_SIZE; i++)
    ds->images[i] = dp_rng_uniform (&rng) < 0.2f ? dp_rng_uniform (&rng) : 0.0f;
  for (int i = 0; i < ds->n; i++)
    ds->labels[i] = dp_rng_below (&rng, 10);
  return ds;
}

/* a "2" drawn in three strokes' worth of points, as a pointer would give them */
static DpStrokes *
synthetic_drawing (void)
{
  DpStrokes *s = dp_strokes_new ();
  dp_strokes_begin (s);
  for (int i = 0; i <= 40; i++)
    {
      double t = G_PI * (1.1 - 1.3 * i / 40.0);
      DpPoint p = { 0.5f + 0.18f * cos (t), 0.32f - 0.14f * sin (t), 1.0f, i * 8 };
      dp_strokes_add_point (s, &p);
    }
  for (int i = 1; i <= 30; i++)
    {
      DpPoint p = { 0.66f - 0.36f * i / 30.0f, 0.40f + 0.35f * i / 30.0f, 1.0f, 330 + i * 8 };
      dp_strokes_add_point (s, &p);
    }
  for (int i = 1; i <= 20; i++)
    {
      DpPoint p = { 0.30f + 0.42f * i / 20.0f, 0.75f + 0.01f * sin (i * 0.5), 1.0f, 570 + i * 8 };
      dp_strokes_add_point (s, &p);
    }
  return s;
}

/* count drawings of the synthetic "2", each moved a little, labelled 0 … 9 in turn: the cost of
 * a personalization depends on how many drawings there are, not on what they show */
static GPtrArray *
synthetic_samples (int count)
{
  g_autoptr (DpStrokes) base = synthetic_drawing ();
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  DpRng rng;
  dp_rng_init (&rng, 11);
  for (int i = 0; i < count; i++)
    {
      g_autoptr (DpStrokes) s = dp_strokes_new ();
      float dx = dp_rng_range (&rng, -0.05f, 0.05f), dy = dp_rng_range (&rng, -0.05f, 0.05f);
      for (guint k = 0; k < dp_strokes_get_n_strokes (base); k++)
        {
          guint np;
          const DpPoint *p = dp_strokes_get_stroke (base, k, &np);
          dp_strokes_begin (s);
          for (guint j = 0; j < np; j++)
            {
              DpPoint q = p[j];
              q.x += dx + 0.004f * dp_rng_normal (&rng);
              q.y += dy + 0.004f * dp_rng_normal (&rng);
              dp_strokes_add_point (s, &q);
            }
        }
      g_ptr_array_add (records, dp_strokes_record_new (s, i % 10, NULL, 0));
    }
  return records;
}

/* One personalization of net with count drawings against train and test, best and median of
 * reps, beside the same run's time for reading the images it reads (the drawings and their
 * distorted copies, the anchor part, the test set) through net with dp_network_classify, one
 * forward pass each: the floor of its work. The checks' limits are lifted so that every run
 * trains once, as an accepted one does (the drawings' labels are arbitrary). FALSE with error
 * if a run failed. */
static gboolean
personalize_row (const DpNetwork *net, int count, const DpDataset *train, const DpDataset *test,
                 int reps, GError **error)
{
  g_autoptr (GPtrArray) samples = synthetic_samples (count);
  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  config.max_anchor_drop = 100;
  config.max_refused_drop = 100;
  config.check_heldout = FALSE;
  double t[8], t_fwd[8];
  DpPersonalizeReport r;
  for (int k = 0; k < reps; k++)
    {
      double t0 = now_s ();
      g_autoptr (DpNetwork) p = dp_personalize_run (net, samples, train, test, &config, NULL,
                                                    NULL, NULL, &r, error);
      if (p == NULL)
        return FALSE;
      t[k] = now_s () - t0;
      int n = MIN (r.n_read, train->n);
      t0 = now_s ();
      dp_network_classify (net, train->images, n, NULL, NULL);
      t_fwd[k] = (now_s () - t0) * r.n_read / n;
    }
  double best = t[0], fwd = t_fwd[0];
  for (int k = 1; k < reps; k++)
    {
      best = MIN (best, t[k]);
      fwd = MIN (fwd, t_fwd[k]);
    }
  g_autofree char *name = g_strdup_printf ("%d samples", count);
  printf ("%-12s %8.2fs %8.2fs %7d %6d %9.2fs %7.1f×  %s\n", name, best, median (t, reps),
          r.n_read, r.steps, fwd, best / fwd, best <= 3.0 ? "ok" : "SLOWER (goal ≤ 3 s)");
  fflush (stdout);
  return TRUE;
}

int
dp_cli_bench (int argc, char **argv)
{
  g_autofree char *data = NULL;
  g_autofree char *model = NULL;
  gboolean quick = FALSE;
  int threads = 0;
  const GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data, "MNIST directory (noise is used without it)", "DIR" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "model for the inference timing (default: a random 784-800-800-10)", "FILE" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads, "BLAS threads for training (0 = all cores)", "N" },
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "fewer repetitions", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = dp_cli_context_new (COMMAND, NULL,
      "Measures training throughput (784-100-10 and 784-800-10, batch 128) against plain sgemm "
      "of the same shapes, each epoch's time over runs of the Quick, Best and Handwriting recipes "
      "(first against last, and the whole run's time), the time of one personalization with 30 and 300 drawings, and the latency of "
      "recognising one drawing.", entries);
  if (!dp_cli_parse (context, COMMAND, &argc, &argv))
    return DP_CLI_EXIT_USAGE;
  if (argc > 1)
    return dp_cli_usage (COMMAND, "unexpected argument '%s'", argv[1]);
  if (threads < 0)
    return dp_cli_usage (COMMAND, "--threads: %d is negative", threads);

  g_autoptr (GError) error = NULL;
  /* the test set: what a run measures after each epoch, and personalization reads */
  g_autoptr (DpDataset) train = NULL, test = NULL;
  if (data)
    {
      train = dp_dataset_load_mnist (data, TRUE, &error);
      if (train != NULL)
        test = dp_dataset_load_mnist (data, FALSE, &error);
      if (test == NULL)
        {
          dp_cli_error ("%s", error->message);
          return DP_CLI_EXIT_FAILED;
        }
    }
  else
    {
      train = synthetic_mnist ();
      test = dp_dataset_head (train, 10000);
    }

  int reps = quick ? 2 : 5;
  /* the count training really uses: dp_train_run clamps --threads to the cores */
  int n_cores = MAX (1, (int) g_get_num_processors ());
  int n_threads = threads > 0 ? MIN (threads, n_cores) : n_cores;
  g_autofree char *cpu = cpu_model ();
  printf ("digitpad bench on %s, %d core%s\n", cpu, n_cores, n_cores == 1 ? "" : "s");
  printf ("%s, OpenBLAS %s (%s), %d BLAS thread%s, batch %d, %d repetitions\n",
          data ? "MNIST train (60000)" : "60000 noise images", openblas_get_config (),
          openblas_get_corename (), n_threads, n_threads == 1 ? "" : "s", BATCH, reps);
  print_subnormal_cost (reps);
  printf ("\ntraining: one epoch of dp_train_run (shuffle, gather, forward, backward, update)\n");
  printf ("%-12s %-5s %10s %10s %12s %9s %11s %6s\n", "network", "opt", "epoch best", "median",
          "samples/s", "GFLOP/s", "sgemm GF/s", "ratio");
  const int hs[] = { 100, 100, 800, 800 };
  const DpOptimizerKind opts[] = { DP_OPTIMIZER_SGD, DP_OPTIMIZER_ADAM, DP_OPTIMIZER_SGD,
                                   DP_OPTIMIZER_ADAM };
  for (guint k = 0; k < G_N_ELEMENTS (hs); k++)
    {
      int h = hs[k];
      double ep[8], gemm[8];
      for (int r = 0; r < reps; r++)
        {
          ep[r] = epoch_time (h, opts[k], train, threads, &error);
          if (ep[r] < 0)
            {
              dp_cli_error ("%s", error->message);
              return DP_CLI_EXIT_FAILED;
            }
          openblas_set_num_threads (n_threads);
          gemm[r] = sgemm_rate (h, (train->n + BATCH - 1) / BATCH);
        }
      double best = ep[0], gbest = gemm[0];
      for (int r = 1; r < reps; r++)
        {
          best = MIN (best, ep[r]);
          gbest = MAX (gbest, gemm[r]);
        }
      double med = median (ep, reps);
      double gf = train->n * train_flops_per_sample (h) / best / 1e9;
      g_autofree char *name = g_strdup_printf ("784-%d-10", h);
      printf ("%-12s %-5s %9.3fs %9.3fs %12.0f %9.1f %11.1f %5.0f%%\n", name,
              dp_optimizer_to_string (opts[k]), best, med, train->n / best, gf, gbest,
              100.0 * gf / gbest);
      fflush (stdout);
    }

  /* the recipes a user runs, epoch by epoch, as the CLI and the app run them (the test set
   * measured after each epoch): a run must not slow down as it trains */
  int runs = quick ? 1 : 3;
  printf ("\nepoch times over a run (each epoch as dp_train_run reports it, the test set's "
          "accuracy included, least of %d run%s; goal: last ≤ 1.10× first; the whole run: its "
          "epochs at the median)\n", runs, runs == 1 ? "" : "s");
  printf ("%-28s %-5s %7s %9s %9s %9s %10s %11s\n", "run", "opt", "epochs", "first", "median",
          "last", "last/first", "whole run");
  DpTrainConfig quick_c, sgd_c, best_c, hand_c;
  dp_train_preset ("quick", &quick_c, NULL);
  sgd_c = quick_c;
  sgd_c.optimizer = DP_OPTIMIZER_SGD;
  sgd_c.lr = 0.1;
  sgd_c.preset[0] = '\0';
  dp_train_preset ("best", &best_c, NULL);
  dp_train_preset ("handwriting", &hand_c, NULL);
  if (!epoch_row ("quick (784-256-10)", &quick_c, quick_c.epochs, runs, train, test, threads,
                  &error)
      || !epoch_row ("quick, sgd lr 0.1", &sgd_c, sgd_c.epochs, runs, train, test, threads,
                     &error)
      || !epoch_row ("best (784-800-800-10)", &best_c, quick ? 2 : 3, runs, train, test, threads,
                     &error))
    {
      dp_cli_error ("%s", error->message);
      return DP_CLI_EXIT_FAILED;
    }
  /* the built-in model's recipe: Best's network on the mix (MNIST + the generated examples,
   * from the cache when it is there) */
  if (data)
    {
      g_autoptr (GError) mix_error = NULL;
      g_autoptr (DpDataset) mix = dp_synth_build_mix (train, NULL, hand_c.seed, NULL, NULL, NULL,
                                                      NULL, NULL, &mix_error);
      if (mix == NULL)
        printf ("handwriting: not measured (%s)\n", mix_error->message);
      else if (!epoch_row ("handwriting (the mix)", &hand_c, 2, runs, mix, test, threads,
                           &error))
        {
          dp_cli_error ("%s", error->message);
          return DP_CLI_EXIT_FAILED;
        }
    }

  /* inference: the drawing → 28×28 → probabilities, on the UI thread in the app */
  g_autoptr (DpNetwork) net = NULL;
  if (model)
    {
      net = dp_cli_load_model (model);
      if (net == NULL)
        return DP_CLI_EXIT_FAILED;
    }
  else
    {
      const int sizes[] = { DP_INPUT_SIZE, 800, 800, DP_N_CLASSES };
      net = dp_network_new (sizes, 3, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
      DpRng rng;
      dp_rng_init (&rng, 5);
      dp_network_init (net, DP_INIT_HE, &rng);
    }
  g_autofree char *sizes = dp_network_describe_sizes (net);

  /* personalization: seconds, against reading the same images through the network */
  openblas_set_num_threads (n_threads);
  int p_reps = quick ? 2 : 3;
  printf ("\npersonalization of %s (dp_personalize_run, %d BLAS thread%s, best of %d; goal ≤ 3 s)"
          "\nagainst one forward pass of the images it reads (dp_network_classify)\n",
          sizes, n_threads, n_threads == 1 ? "" : "s", p_reps);
  printf ("%-12s %9s %9s %7s %6s %10s %8s\n", "drawings", "best", "median", "images", "steps",
          "forward", "ratio");
  if (!personalize_row (net, 30, train, test, p_reps, &error)
      || !personalize_row (net, 300, train, test, p_reps, &error))
    {
      dp_cli_error ("%s", error->message);
      return DP_CLI_EXIT_FAILED;
    }

  g_autoptr (DpStrokes) strokes = synthetic_drawing ();
  int n = quick ? 200 : 1000;
  g_autofree double *t_pre = g_new (double, n);
  g_autofree double *t_fwd = g_new (double, n);
  g_autofree double *t_all = g_new (double, n);
  float x[DP_INPUT_SIZE], probs[DP_MAX_CLASSES];
  int digit = -1;
  openblas_set_num_threads (1); /* the app recognises on its UI thread, alone */
  for (int i = 0; i < n; i++)
    {
      double t0 = now_s ();
      if (!dp_preprocess_strokes (strokes, x, &error))
        {
          dp_cli_error ("%s", error->message);
          return DP_CLI_EXIT_FAILED;
        }
      double t1 = now_s ();
      digit = dp_network_predict (net, x, probs);
      double t2 = now_s ();
      t_pre[i] = (t1 - t0) * 1e6;
      t_fwd[i] = (t2 - t1) * 1e6;
      t_all[i] = (t2 - t0) * 1e6;
    }
  double med_all = median (t_all, n);
  double best_all = t_all[0]; /* median sorted t_all */
  printf ("\ninference of one drawing (%s, %d runs, 1 thread): preprocess %.0f µs + forward "
          "%.0f µs = %.0f µs median (best %.0f µs); recognised %d\n",
          sizes, n, median (t_pre, n), median (t_fwd, n), med_all, best_all, digit);
  return DP_CLI_EXIT_OK;
}
