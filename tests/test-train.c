/* test-train.c: training runs. Presets are valid and described; every bad setting is refused
 * with a message that names it; two runs with the same seed give bit-identical weights and
 * losses; cancelling returns G_IO_ERROR_CANCELLED, and no batch is trained after the cancelling
 * one; progress is throttled; L-BFGS lowers the loss, and its objective and gradient match a
 * double-precision computation of the Classic cost; the schedule reaches the updates; and a
 * short run on a MNIST subset reaches a stated accuracy. */
#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/model-file.h"
#include "engine/optimizer.h"
#include "engine/train.h"
#include "test-util.h"

/* Every call the engine makes to openblas_set_num_threads lands here first (the executable's
 * definition interposes on libopenblas's), is counted, and goes on to OpenBLAS. */
static int n_blas_resizes;

void
openblas_set_num_threads (int n)
{
  static void (*real) (int) = NULL;
  if (real == NULL)
    real = (void (*) (int)) dlsym (RTLD_NEXT, "openblas_set_num_threads");
  g_assert_nonnull (real);
  n_blas_resizes++;
  real (n);
}

/* n images of 10 separable classes: class c lights a 4×4 block at its own place, plus noise */
static DpDataset *
synthetic (int n, guint64 seed)
{
  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->n = n;
  ds->images = g_new0 (float, (gsize) n * DP_INPUT_SIZE);
  ds->labels = g_new0 (guint8, n);
  DpRng rng;
  dp_rng_init (&rng, seed);
  for (int i = 0; i < n; i++)
    {
      int c = i % 10;
      float *x = ds->images + (gsize) i * DP_INPUT_SIZE;
      for (int p = 0; p < DP_INPUT_SIZE; p++)
        x[p] = 0.3f * dp_rng_uniform (&rng);
      int r0 = 2 + (c / 5) * 12, c0 = 2 + (c % 5) * 5;
      for (int r = r0; r < r0 + 4; r++)
        for (int cc = c0; cc < c0 + 4; cc++)
          x[r * 28 + cc] = 0.7f + 0.3f * dp_rng_uniform (&rng);
      ds->labels[i] = c;
    }
  return ds;
}

typedef struct
{
  GArray *losses;          /* double: every epoch's train loss */
  int n_progress;
  int cancel_after;        /* cancel at this progress call (0 = never) */
  GCancellable *cancellable;
  double last_test_acc;    /* the last epoch's test accuracy */
} Recorder;

static void
on_progress (const DpTrainProgress *p, gpointer user_data)
{
  Recorder *rec = user_data;
  g_assert_cmpint (p->batch, >=, 1);
  g_assert_cmpint (p->batch, <=, p->n_batches);
  g_assert_true (isfinite (p->loss));
  rec->n_progress++;
  if (rec->cancel_after && rec->n_progress == rec->cancel_after)
    g_cancellable_cancel (rec->cancellable);
}

static void
on_epoch (const DpEpochResult *r, gpointer user_data)
{
  Recorder *rec = user_data;
  g_array_append_val (rec->losses, r->train_loss);
  rec->last_test_acc = r->test_accuracy;
  g_assert_cmpfloat (r->train_accuracy, >=, 0.0);
  g_assert_cmpfloat (r->train_accuracy, <=, 1.0);
}

static void
test_presets (void)
{
  const char *const *names = dp_train_preset_names ();
  int n = 0;
  for (; names[n]; n++)
    {
      DpTrainConfig c;
      g_autoptr (GError) error = NULL;
      g_assert_true (dp_train_preset (names[n], &c, &error));
      g_assert_no_error (error);
      g_assert_true (dp_train_config_validate (&c, &error));
      g_assert_cmpstr (c.preset, ==, names[n]);
      g_autofree char *d = dp_train_config_describe (&c);
      g_assert_true (g_str_has_prefix (d, "preset "));
      g_assert_nonnull (strstr (d, "784-"));
      g_assert_null (strchr (d, '\n'));
    }
  /* every row of the table, and (issue 9) a new preset is one row there, not an edit here */
  guint n_table;
  dp_train_presets (&n_table);
  g_assert_cmpint (n, ==, n_table);
  const char *five[] = { "classic", "tiny", "deep", "quick", "best" };
  for (guint i = 0; i < G_N_ELEMENTS (five); i++)
    g_assert_nonnull (dp_train_preset_find (five[i]));

  DpTrainConfig c;
  g_autoptr (GError) error = NULL;
  g_assert_false (dp_train_preset ("huge", &c, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "huge"));

  g_assert_true (dp_train_preset ("classic", &c, NULL));
  g_autofree char *d = dp_train_config_describe (&c);
  g_assert_cmpstr (d, ==, "preset classic: 784-100-10 sigmoid, sigmoid-ce, init uniform, "
                          "L-BFGS 100 iterations full batch, L2 λ 0.1, seed 1");
  DpOptimizerKind o;
  g_assert_true (dp_optimizer_from_string ("adam", &o));
  g_assert_cmpint (o, ==, DP_OPTIMIZER_ADAM);
  g_assert_true (dp_optimizer_from_string (dp_optimizer_to_string (DP_OPTIMIZER_LBFGS), &o));
  g_assert_cmpint (o, ==, DP_OPTIMIZER_LBFGS);
  g_assert_false (dp_optimizer_from_string ("rmsprop", &o));
  for (DpSchedule k = DP_SCHEDULE_CONSTANT; k <= DP_SCHEDULE_COSINE; k++)
    {
      DpSchedule back = -1;
      g_assert_true (dp_schedule_from_string (dp_schedule_to_string (k), &back));
      g_assert_cmpint (back, ==, k);
    }
  DpSchedule sch;
  g_assert_true (dp_schedule_from_string ("Cosine", &sch));
  g_assert_cmpint (sch, ==, DP_SCHEDULE_COSINE);
  g_assert_false (dp_schedule_from_string ("linear", &sch));
  g_assert_false (dp_schedule_from_string (NULL, &sch));
  g_assert_cmpstr (dp_schedule_to_string (7), ==, "unknown");
}

/* spoils one field of c (case i) and returns the field's name, or NULL after the last case */
static const char *
spoil (DpTrainConfig *c, int i)
{
  switch (i)
    {
    case 0: c->n_hidden = DP_MAX_LAYERS; return "hidden";
    case 1: c->hidden[0] = 0; return "hidden";
    case 2: c->activation = 7; return "activation";
    case 3: c->loss = -1; return "loss";
    case 4: c->init = 9; return "init";
    case 5: c->optimizer = 12; return "optimizer";
    case 6: c->schedule = 5; return "schedule";
    case 7: c->lr = 0; return "lr";
    case 8: c->lr = NAN; return "lr";
    case 9: c->batch = 0; return "batch";
    case 10: c->optimizer = DP_OPTIMIZER_MOMENTUM; c->momentum = 1.0; return "momentum";
    case 11: c->epochs = 0; return "epochs";
    case 12: c->l2 = -0.1; return "l2";
    case 13: c->dropout = 0.95; return "dropout";
    case 14: c->optimizer = DP_OPTIMIZER_LBFGS; c->dropout = 0.2; return "dropout";
    case 15: c->optimizer = DP_OPTIMIZER_LBFGS; c->augment = TRUE; return "augment";
    case 16: c->limit = -1; return "limit";
    case 17: c->threads = -2; return "threads";
    /* within every per-field range, but the model would not load back (336 MiB > 256 MiB) */
    case 18: c->n_hidden = 2; c->hidden[0] = c->hidden[1] = 9000; return "hidden";
    /* 65536 rows × 8202 units: 6.6 GB of activations */
    case 19: c->n_hidden = 2; c->hidden[0] = c->hidden[1] = 4096; c->batch = 65536;
      return "batch";
    /* a 77 MiB model, but L-BFGS keeps 46 doubles per parameter: 7 GB */
    case 20: c->optimizer = DP_OPTIMIZER_LBFGS; c->n_hidden = 2;
      c->hidden[0] = c->hidden[1] = 4000; return "hidden";
    case 21: c->data = 5; return "data";
    case 22: c->holdout = -1; return "holdout";
    case 23: c->limit = 100; c->holdout = 100; return "holdout";
    default: return NULL;
    }
}

static void
test_validate (void)
{
  g_autoptr (DpDataset) ds = synthetic (20, 1);
  int n = 0;
  for (;; n++)
    {
      DpTrainConfig c;
      g_assert_true (dp_train_preset ("quick", &c, NULL));
      const char *field = spoil (&c, n);
      if (field == NULL)
        break;
      g_autoptr (GError) error = NULL;
      g_assert_false (dp_train_config_validate (&c, &error));
      g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
      g_autofree char *quoted = g_strdup_printf ("'%s'", field);
      if (strstr (error->message, quoted) == NULL)
        g_error ("case %d: '%s' does not name %s", n, error->message, quoted);

      /* dp_train_run refuses it the same way, before any work */
      g_autoptr (GError) error2 = NULL;
      g_assert_null (dp_train_run (&c, ds, NULL, NULL, NULL, &error2));
      g_assert_error (error2, DP_ERROR, DP_ERROR_INVALID);
    }
  g_assert_cmpint (n, ==, 24);

  /* the size message says what it makes and what is allowed */
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  spoil (&c, 18);
  g_autoptr (GError) error = NULL;
  g_assert_false (dp_train_config_validate (&c, &error));
  dp_test_assert_message (error, "'hidden'", "9000,9000 makes a 336 MiB model; at most 256 MiB",
                          NULL);
}

static DpNetwork *
run_recorded (const DpTrainConfig *c, const DpDataset *train, const DpDataset *test,
              Recorder *rec, GError **error)
{
  DpTrainCallbacks cb = { on_progress, on_epoch, rec };
  return dp_train_run (c, train, test, &cb, rec->cancellable, error);
}

/* augmenting is split between the run's threads, each slice drawing the stream a single thread
 * would: one thread and two give the same weights. The net is so small that OpenBLAS runs every
 * GEMM on one thread (m·n·k ≤ 262144) and the update is not split, whose results may depend on
 * the thread count: only the batches' gathering is shared. */
static void
test_augment_split (void)
{
  if (g_get_num_processors () < 2)
    {
      g_test_skip ("one core: a run uses one thread whatever it asks");
      return;
    }
  g_autoptr (DpDataset) train = synthetic (300, 4);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 5;
  c.epochs = 2;
  c.batch = 50;
  c.augment = TRUE;
  g_autoptr (GError) error = NULL;
  c.threads = 1;
  g_autoptr (DpNetwork) one = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  c.threads = 2;
  g_autoptr (DpNetwork) two = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (one->params, one->n_params * sizeof (float), two->params,
                   two->n_params * sizeof (float));
}

static void
test_determinism (void)
{
  g_autoptr (DpDataset) train = synthetic (600, 2);
  g_autoptr (DpDataset) test = synthetic (200, 3);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.n_hidden = 2;
  c.hidden[0] = 64;
  c.hidden[1] = 32;
  c.epochs = 3;
  c.batch = 32;
  c.dropout = 0.2;   /* exercises the dropout stream */
  c.augment = TRUE;  /* and the augmentation stream */
  c.l2 = 0.5;
  c.seed = 1234;

  for (int threads = 1; threads <= 2; threads++)
    {
      c.threads = threads;
      Recorder r1 = { g_array_new (FALSE, FALSE, sizeof (double)) };
      Recorder r2 = { g_array_new (FALSE, FALSE, sizeof (double)) };
      g_autoptr (GError) error = NULL;
      g_autoptr (DpNetwork) a = run_recorded (&c, train, test, &r1, &error);
      g_assert_no_error (error);
      g_autoptr (DpNetwork) b = run_recorded (&c, train, test, &r2, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (a->n_params, ==, b->n_params);
      g_assert_cmpint (memcmp (a->params, b->params, a->n_params * sizeof (float)), ==, 0);
      g_assert_cmpuint (r1.losses->len, ==, 3);
      g_assert_cmpint (memcmp (r1.losses->data, r2.losses->data, 3 * sizeof (double)), ==, 0);

      /* another seed gives other weights */
      DpTrainConfig c2 = c;
      c2.seed = 1235;
      Recorder r3 = { g_array_new (FALSE, FALSE, sizeof (double)) };
      g_autoptr (DpNetwork) d = run_recorded (&c2, train, test, &r3, &error);
      g_assert_no_error (error);
      g_assert_cmpint (memcmp (a->params, d->params, a->n_params * sizeof (float)), !=, 0);

      g_array_unref (r1.losses);
      g_array_unref (r2.losses);
      g_array_unref (r3.losses);
    }
}

static void
test_metadata_and_learning (void)
{
  g_autoptr (DpDataset) train = synthetic (1000, 4);
  g_autoptr (DpDataset) test = synthetic (300, 5);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 32;
  c.epochs = 3;
  c.batch = 32;
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)) };
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = run_recorded (&c, train, test, &rec, &error);
  g_assert_no_error (error);
  /* the classes are separable: the loss falls and the test set is nearly all right */
  double *l = (double *) rec.losses->data;
  g_assert_cmpfloat (l[2], <, l[0]);
  const char *acc = dp_network_get_meta (net, DP_META_TEST_ACCURACY);
  g_assert_nonnull (acc);
  g_assert_true (g_regex_match_simple ("^[01]\\.[0-9]{4}$", acc, 0, 0));
  g_assert_cmpfloat (g_ascii_strtod (acc, NULL), >=, 0.95);
  /* the stored figure is the last epoch's (measured once, on the final weights) */
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (acc, NULL), rec.last_test_acc, 1e-4);
  g_autofree char *d = dp_train_config_describe (&c);
  g_assert_cmpstr (dp_network_get_meta (net, DP_META_RECIPE), ==, d);
  g_autofree char *sizes = dp_network_describe_sizes (net);
  g_assert_cmpstr (sizes, ==, "784-32-10");
  g_array_unref (rec.losses);
}

static void
test_cancel (void)
{
  g_autoptr (DpDataset) train = synthetic (6000, 6);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.epochs = 1000; /* minutes if the cancellation were ignored */
  c.batch = 16;

  /* cancelled from inside the run (as the GUI's Stop does from another thread) */
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)), 0, 1, cancellable };
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  DpNetwork *net = run_recorded (&c, train, NULL, &rec, &error);
  double s = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_null (net);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat (s, <, 2.0);
  g_assert_cmpuint (rec.losses->len, ==, 0);

  /* already cancelled: nothing runs */
  g_clear_error (&error);
  g_assert_null (dp_train_run (&c, train, NULL, NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* L-BFGS too */
  g_clear_error (&error);
  g_autoptr (GCancellable) c2 = g_cancellable_new ();
  Recorder rec2 = { g_array_new (FALSE, FALSE, sizeof (double)), 0, 2, c2 };
  DpTrainConfig lc;
  g_assert_true (dp_train_preset ("classic", &lc, NULL));
  lc.epochs = 100000;
  t0 = g_get_monotonic_time ();
  g_assert_null (run_recorded (&lc, train, NULL, &rec2, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpfloat ((g_get_monotonic_time () - t0) / 1e6, <, 5.0);
  g_array_unref (rec.losses);
  g_array_unref (rec2.losses);
}

/* at most 20 progress calls a second, however small the batches */
static void
test_progress_throttle (void)
{
  g_autoptr (DpDataset) train = synthetic (3000, 7);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 16;
  c.batch = 1; /* 3000 batches an epoch */
  c.epochs = 2;
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)) };
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = run_recorded (&c, train, NULL, &rec, &error);
  g_assert_no_error (error);
  double s = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_cmpint (rec.n_progress, >=, 1);
  g_assert_cmpint (rec.n_progress, <=, 20 * s + 2);
  g_assert_cmpint (rec.n_progress, <, 6000);
  g_assert_null (dp_network_get_meta (net, DP_META_TEST_ACCURACY)); /* no test set */
  g_array_unref (rec.losses);
}

static void
test_lbfgs (void)
{
  g_autoptr (DpDataset) train = synthetic (500, 8);
  g_autoptr (DpDataset) test = synthetic (200, 9);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("classic", &c, NULL));
  c.hidden[0] = 20;
  c.epochs = 30;
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)) };
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = run_recorded (&c, train, test, &rec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rec.losses->len, >=, 5);
  double *l = (double *) rec.losses->data;
  g_assert_cmpfloat (l[rec.losses->len - 1], <, 0.5 * l[0]);
  double acc = g_ascii_strtod (dp_network_get_meta (net, DP_META_TEST_ACCURACY), NULL);
  g_assert_cmpfloat (acc, >=, 0.95);
  g_assert_cmpfloat_with_epsilon (acc, rec.last_test_acc, 1e-4);
  g_array_unref (rec.losses);
}

/* OpenBLAS's thread count is process-wide and unsafe to resize while another thread is inside a
 * BLAS call: a run whose count is already set leaves the pool alone; another count is set for
 * the run and put back after. */
static void
test_blas_threads (void)
{
  g_autoptr (DpDataset) train = synthetic (200, 11);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 16;
  c.epochs = 1;
  c.threads = 1;

  openblas_set_num_threads (1);
  n_blas_resizes = 0;
  g_autoptr (DpNetwork) a = dp_train_run (&c, train, NULL, NULL, NULL, NULL);
  g_assert_nonnull (a);
  g_assert_cmpint (n_blas_resizes, ==, 0);
  g_assert_cmpint (openblas_get_num_threads (), ==, 1);

  if (g_get_num_processors () < 2)
    return; /* a second count needs a second core (the run clamps to the cores) */
  openblas_set_num_threads (2);
  n_blas_resizes = 0;
  g_autoptr (DpNetwork) b = dp_train_run (&c, train, NULL, NULL, NULL, NULL);
  g_assert_nonnull (b);
  g_assert_cmpint (n_blas_resizes, ==, 2); /* to 1 for the run, back to 2 */
  g_assert_cmpint (openblas_get_num_threads (), ==, 2);
}

/* liblbfgs failing to start (here: out of memory for its 2·m correction vectors) is an error,
 * not a finished training that returns the untrained network. Runs in a subprocess under an
 * address-space limit that leaves room for our own buffers but not for liblbfgs's. */
static void
test_lbfgs_out_of_memory (void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  g_test_skip ("an address-space limit does not mix with sanitizer shadow memory");
  return;
#else
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stdout ("*L-BFGS failed before training: out of memory*");
      return;
    }
  g_autoptr (DpDataset) train = synthetic (500, 8);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("classic", &c, NULL));
  c.threads = 1;
  c.epochs = 3;
  /* warm up OpenBLAS's buffers with a small SGD run, so the limit only bites liblbfgs */
  DpTrainConfig w;
  g_assert_true (dp_train_preset ("tiny", &w, NULL));
  w.threads = 1;
  w.epochs = 1;
  w.limit = 100;
  g_autoptr (DpNetwork) warm = dp_train_run (&w, train, NULL, NULL, NULL, NULL);
  g_assert_nonnull (warm);

  /* 784-100-10: 79510 parameters; our run needs about 2 MB more, liblbfgs 44 × 636 KB = 28 MB */
  g_autofree char *statm = NULL;
  g_assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  guint64 vm = g_ascii_strtoull (statm, NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
  struct rlimit lim = { vm + (12 << 20), vm + (12 << 20) };
  g_assert_cmpint (setrlimit (RLIMIT_AS, &lim), ==, 0);

  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_null (net);
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  printf ("%s\n", error->message);
#endif
}

/* A learning rate far too big makes the outputs NaN within the first epoch: the run stops there
 * with DP_ERROR_INVALID naming the epoch and batch, instead of carrying on with a finite-looking
 * loss and NaN weights. */
static void
test_diverge (void)
{
  g_autoptr (DpDataset) train = synthetic (2000, 10);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.optimizer = DP_OPTIMIZER_SGD;
  c.schedule = DP_SCHEDULE_CONSTANT;
  c.lr = 100.0;
  c.init = DP_INIT_UNIFORM;
  c.n_hidden = 3;
  c.hidden[0] = c.hidden[1] = c.hidden[2] = 64;
  c.epochs = 3;
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)) };
  g_autoptr (GError) error = NULL;
  g_assert_null (run_recorded (&c, train, NULL, &rec, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "Training diverged at epoch 1, batch ", "the loss is not finite",
                          "try a smaller learning rate", NULL);
  g_assert_cmpuint (rec.losses->len, ==, 0); /* no epoch was reported finished */
  g_array_unref (rec.losses);
}

/* Quick's recipe on the first 5000 training images (6 epochs of batches of 32), scored on the
 * first 1000 test images. */
static void
test_mnist_subset (void)
{
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    {
      g_test_skip ("MNIST not found (set DIGITPAD_MNIST_DIR)");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (DpDataset) train = dp_dataset_load_mnist (dir, TRUE, &error);
  g_assert_no_error (error);
  g_autoptr (DpDataset) test_all = dp_dataset_load_mnist (dir, FALSE, &error);
  g_assert_no_error (error);
  g_autoptr (DpDataset) test = dp_dataset_head (test_all, 1000);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.limit = 5000;
  c.epochs = 6;
  c.batch = 32;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (DpNetwork) net = dp_train_run (&c, train, test, NULL, NULL, &error);
  g_assert_no_error (error);
  double acc = g_ascii_strtod (dp_network_get_meta (net, DP_META_TEST_ACCURACY), NULL);
  g_test_message ("MNIST 5000/1000: test accuracy %.4f in %.2f s", acc,
                  (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpfloat (acc, >=, 0.91); /* measured 0.927 */
}

/* issue 9: the preset table is the one home of the presets; the field out-parameter says which
 * field is wrong without reading the message */
static void
test_preset_table (void)
{
  guint n = 0;
  const DpTrainPreset *p = dp_train_presets (&n);
  const char *const *names = dp_train_preset_names ();
  g_assert_cmpuint (n, ==, g_strv_length ((char **) names));
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpstr (names[i], ==, p[i].id);
      g_assert_cmpstr (p[i].config.preset, ==, p[i].id);
      g_assert_true (*p[i].title != '\0' && *p[i].summary != '\0');
      g_assert_null (strchr (p[i].summary, '\n'));
      g_assert_true (dp_train_preset_find (p[i].id) == &p[i]);
      DpTrainConfig c;
      g_assert_true (dp_train_preset (p[i].id, &c, NULL));
      g_assert_cmpmem (&c, sizeof c, &p[i].config, sizeof c);
      DpTrainField field = DP_TRAIN_FIELD_LR;
      g_assert_true (dp_train_config_check (&c, &field, NULL));
      g_assert_cmpint (field, ==, DP_TRAIN_FIELD_NONE);
    }
  g_assert_nonnull (dp_train_preset_find (DP_TRAIN_DEFAULT_PRESET));
  g_assert_null (dp_train_preset_find ("huge"));
  g_assert_null (dp_train_preset_find (NULL));

  /* the name tables: entry i is enum value i, and to_string is the table's id */
  guint k;
  const DpName *t = dp_optimizer_names (&k);
  g_assert_cmpuint (k, ==, DP_OPTIMIZER_LBFGS + 1);
  for (guint i = 0; i < k; i++)
    g_assert_cmpstr (t[i].id, ==, dp_optimizer_to_string (i));
  t = dp_schedule_names (&k);
  g_assert_cmpuint (k, ==, DP_SCHEDULE_COSINE + 1);
  for (guint i = 0; i < k; i++)
    g_assert_cmpstr (t[i].id, ==, dp_schedule_to_string (i));
  t = dp_activation_names (&k);
  g_assert_cmpuint (k, ==, DP_ACTIVATION_RELU + 1);
  for (guint i = 0; i < k; i++)
    g_assert_cmpstr (t[i].id, ==, dp_activation_to_string (i));
  t = dp_loss_names (&k);
  g_assert_cmpuint (k, ==, DP_LOSS_MSE + 1);
  for (guint i = 0; i < k; i++)
    g_assert_cmpstr (t[i].id, ==, dp_loss_to_string (i));
}

static void
test_validate_field (void)
{
  for (int n = 0;; n++)
    {
      DpTrainConfig c;
      g_assert_true (dp_train_preset ("quick", &c, NULL));
      const char *expected = spoil (&c, n);
      if (expected == NULL)
        break;
      DpTrainField field = DP_TRAIN_FIELD_NONE;
      g_autoptr (GError) error = NULL;
      g_assert_false (dp_train_config_check (&c, &field, &error));
      g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
      if (g_strcmp0 (dp_train_field_name (field), expected) != 0)
        g_error ("case %d: field %d (%s), expected %s", n, field, dp_train_field_name (field),
                 expected);
    }
  g_assert_cmpstr (dp_train_field_name (DP_TRAIN_FIELD_NONE), ==, "");
  g_assert_cmpstr (dp_train_field_name (99), ==, "");
}

/* ---- independent checks: the L-BFGS objective in double, cancellation per batch ---- */

/* J(θ) = (1/N)·Σ_n Σ_k CE(σ(z_k), [k = y_n]) + coeff/2·Σw² for a sigmoid net with sigmoid
 * cross-entropy outputs (the Classic preset), and ∇J into grad (n_params), all in double,
 * written out from the definitions: it shares no code with the engine's forward and backward. */
static double
classic_objective (const DpNetwork *net, const DpDataset *ds, double coeff, double *grad)
{
  const int L = net->n_layers;
  gsize n_params = net->n_params;
  memset (grad, 0, n_params * sizeof (double));
  g_autofree double **a = g_new0 (double *, L + 1);
  g_autofree double **d = g_new0 (double *, L + 1);
  for (int l = 0; l <= L; l++)
    {
      a[l] = g_new0 (double, net->sizes[l]);
      d[l] = g_new0 (double, net->sizes[l]);
    }
  double loss = 0.0;
  for (int n = 0; n < ds->n; n++)
    {
      for (int i = 0; i < DP_INPUT_SIZE; i++)
        a[0][i] = ds->images[(gsize) n * DP_INPUT_SIZE + i];
      for (int l = 0; l < L; l++)
        {
          const float *W = dp_network_weights (net, l), *b = dp_network_bias (net, l);
          int in = net->sizes[l], out = net->sizes[l + 1];
          for (int j = 0; j < out; j++)
            {
              double z = b[j];
              for (int i = 0; i < in; i++)
                z += (double) W[(gsize) j * in + i] * a[l][i];
              a[l + 1][j] = 1.0 / (1.0 + exp (-z));
            }
        }
      const int K = net->sizes[L];
      for (int k = 0; k < K; k++)
        {
          double h = a[L][k], t = k == ds->labels[n] ? 1.0 : 0.0;
          loss -= t * log (h) + (1.0 - t) * log (1.0 - h);
          d[L][k] = (h - t) / ds->n; /* ∂(loss/N)/∂z for sigmoid + cross-entropy */
        }
      for (int l = L - 1; l >= 0; l--)
        {
          const float *W = dp_network_weights (net, l);
          int in = net->sizes[l], out = net->sizes[l + 1];
          gsize off = dp_network_layer_offset (net, l), nw = (gsize) in * out;
          for (int j = 0; j < out; j++)
            {
              for (int i = 0; i < in; i++)
                grad[off + (gsize) j * in + i] += d[l + 1][j] * a[l][i];
              grad[off + nw + j] += d[l + 1][j];
            }
          if (l > 0)
            for (int i = 0; i < in; i++)
              {
                double s = 0.0;
                for (int j = 0; j < out; j++)
                  s += (double) W[(gsize) j * in + i] * d[l + 1][j];
                d[l][i] = s * a[l][i] * (1.0 - a[l][i]);
              }
        }
    }
  double sq = 0.0;
  for (int l = 0; l < L; l++)
    {
      const float *W = dp_network_weights (net, l);
      gsize off = dp_network_layer_offset (net, l), nw = (gsize) net->sizes[l] * net->sizes[l + 1];
      for (gsize i = 0; i < nw; i++)
        {
          sq += (double) W[i] * W[i];
          grad[off + i] += coeff * W[i];
        }
    }
  for (int l = 0; l <= L; l++)
    {
      g_free (a[l]);
      g_free (d[l]);
    }
  return loss / ds->n + 0.5 * coeff * sq;
}

static double
norm2 (const double *v, gsize n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}

/* The Classic preset's objective, cost and gradient. A strong λ makes the L2 term a large part
 * of J, so a wrong coefficient shows in the loss L-BFGS reports for its last accepted point
 * (which is the network it returns), and a gradient without the L2 term sends L-BFGS somewhere
 * other than a stationary point of J: the independent gradient must have all but vanished. */
static void
test_lbfgs_objective (void)
{
  g_autoptr (DpDataset) train = synthetic (60, 21);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("classic", &c, NULL));
  c.hidden[0] = 6;
  c.epochs = 80;
  c.l2 = 1.5; /* coeff = λ/N = 0.025: the L2 term is about a third of the final J */
  c.threads = 1;
  double coeff = c.l2 / train->n;
  Recorder rec = { g_array_new (FALSE, FALSE, sizeof (double)) };
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = run_recorded (&c, train, NULL, &rec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rec.losses->len, >=, 3);

  /* the starting point: the same seed draws the same weights */
  g_autoptr (DpNetwork) start = dp_network_new (net->sizes, net->n_layers, DP_ACTIVATION_SIGMOID,
                                                DP_LOSS_SIGMOID_CE);
  DpRng rng;
  dp_rng_init (&rng, c.seed);
  dp_network_init (start, c.init, &rng);
  g_autofree double *g0 = g_new (double, net->n_params);
  g_autofree double *g1 = g_new (double, net->n_params);
  double j0 = classic_objective (start, train, coeff, g0);
  double j1 = classic_objective (net, train, coeff, g1);
  double reported = g_array_index (rec.losses, double, rec.losses->len - 1);
  double l2_part = 0.5 * coeff * dp_network_weight_sq_sum (net);
  g_test_message ("J: %.6f → %.6f (reported %.6f, L2 part %.6f); |∇J|: %.3g → %.3g", j0, j1,
                  reported, l2_part, norm2 (g0, net->n_params), norm2 (g1, net->n_params));
  g_assert_cmpfloat (fabs (reported - j1), <, 1e-4 * j1);
  g_assert_cmpfloat (l2_part, >, 0.1 * j1); /* the L2 term weighs in J */
  g_assert_cmpfloat (j1, <, j0);
  g_assert_cmpfloat (norm2 (g1, net->n_params), <, 0.01 * norm2 (g0, net->n_params));
  g_array_unref (rec.losses);
}

/* Cancellation is polled before every batch. A progress callback that takes longer than the
 * 1/20 s throttle makes every batch report (whatever the machine's speed), so the calls count
 * the batches: cancelled in the third call, the run trains no fourth batch and finishes no
 * epoch. 60 images in batches of 8: 8 batches an epoch, the last one of 4 images. */
typedef struct
{
  int n_calls, epoch[16], batch[16], n_batches[16];
  GCancellable *cancellable;
  int n_epochs_done;
} BatchLog;

static void
on_progress_slow (const DpTrainProgress *p, gpointer user_data)
{
  BatchLog *log = user_data;
  g_assert_cmpint (log->n_calls, <, 16);
  log->epoch[log->n_calls] = p->epoch;
  log->batch[log->n_calls] = p->batch;
  log->n_batches[log->n_calls] = p->n_batches;
  log->n_calls++;
  if (log->n_calls == 3)
    g_cancellable_cancel (log->cancellable);
  g_usleep (G_USEC_PER_SEC / 20 + 10000); /* past the throttle: the next batch reports too */
}

static void
on_epoch_count (const DpEpochResult *r, gpointer user_data)
{
  ((BatchLog *) user_data)->n_epochs_done++;
}

static void
test_cancel_every_batch (void)
{
  g_autoptr (DpDataset) train = synthetic (60, 22);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 8;
  c.batch = 8;
  c.epochs = 3;
  c.threads = 1;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  BatchLog log = { 0 };
  log.cancellable = cancellable;
  DpTrainCallbacks cb = { on_progress_slow, on_epoch_count, &log };
  g_autoptr (GError) error = NULL;
  g_assert_null (dp_train_run (&c, train, NULL, &cb, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  for (int i = 0; i < log.n_calls; i++)
    g_test_message ("progress call %d: epoch %d batch %d", i + 1, log.epoch[i], log.batch[i]);
  /* every batch reported (the premise), and none came after the cancelling one */
  g_assert_cmpint (log.n_calls, ==, 3);
  for (int i = 0; i < 3; i++)
    {
      g_assert_cmpint (log.epoch[i], ==, 1);
      g_assert_cmpint (log.batch[i], ==, i + 1);
      g_assert_cmpint (log.n_batches[i], ==, 8); /* the partial batch counts */
    }
  g_assert_cmpint (log.n_epochs_done, ==, 0);
}

/* The learning-rate schedule reaches the updates: full-batch SGD for 2 epochs with the step
 * schedule takes one step at lr and one at lr/10 (progress 0.5). Replayed here step by step from
 * the same initial weights; the run shuffles its rows, so the sums differ in rounding only. */
static void
sgd_replay (const DpTrainConfig *c, const DpDataset *train, DpSchedule schedule, DpNetwork *net)
{
  DpRng rng;
  dp_rng_init (&rng, c->seed);
  dp_network_init (net, c->init, &rng);
  g_autoptr (DpWorkspace) ws = dp_workspace_new (net, train->n, FALSE);
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_SGD, net, 0, FALSE, 0);
  for (int e = 0; e < c->epochs; e++)
    {
      dp_network_forward (net, ws, train->images, train->n, 0.0f, NULL);
      dp_network_backward (net, ws, train->labels, train->n, 1.0f / train->n, FALSE);
      dp_optimizer_step (opt, net, ws->grads,
                         dp_schedule_lr (schedule, c->lr, (double) e / c->epochs));
    }
}

static double
max_abs_diff (const DpNetwork *a, const DpNetwork *b)
{
  double d = 0.0;
  for (gsize i = 0; i < a->n_params; i++)
    d = MAX (d, fabs ((double) a->params[i] - b->params[i]));
  return d;
}

static void
test_schedule_applied (void)
{
  g_autoptr (DpDataset) train = synthetic (40, 23);
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.hidden[0] = 8;
  c.optimizer = DP_OPTIMIZER_SGD;
  c.lr = 0.5;
  c.schedule = DP_SCHEDULE_STEP;
  c.batch = 40; /* one batch an epoch */
  c.epochs = 2;
  c.threads = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) run = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (DpNetwork) step = dp_network_new (run->sizes, run->n_layers, c.activation, c.loss);
  g_autoptr (DpNetwork) constant = dp_network_new (run->sizes, run->n_layers, c.activation, c.loss);
  sgd_replay (&c, train, DP_SCHEDULE_STEP, step);
  sgd_replay (&c, train, DP_SCHEDULE_CONSTANT, constant);
  double d_step = max_abs_diff (run, step), d_const = max_abs_diff (run, constant);
  g_test_message ("largest weight difference from the replay: step %.3g, constant %.3g", d_step,
                  d_const);
  g_assert_cmpfloat (d_step, <, 1e-5);
  g_assert_cmpfloat (max_abs_diff (step, constant), >, 1e-3); /* the schedule shows */
}

/* ---- "not a digit": an 11-output model, its hold-out and temperature ---- */

/* synthetic () with one image in 11 (from every class alike) replaced by "not a digit":
 * the same noise, and a 4×4 block in the bottom-right corner, a place no digit class lights */
static DpDataset *
synthetic_with_negatives (int n, guint64 seed)
{
  DpDataset *ds = synthetic (n, seed);
  DpRng rng;
  dp_rng_init (&rng, seed + 1000);
  for (int i = 0; i < n; i++)
    if (i % 11 == 10)
      {
        float *x = ds->images + (gsize) i * DP_INPUT_SIZE;
        for (int p = 0; p < DP_INPUT_SIZE; p++)
          x[p] = 0.3f * dp_rng_uniform (&rng);
        for (int r = 22; r < 26; r++)
          for (int c = 22; c < 26; c++)
            x[r * 28 + c] = 0.9f;
        ds->labels[i] = DP_CLASS_NOT_A_DIGIT;
      }
  return ds;
}

static DpTrainConfig
refuse_config (void)
{
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  c.n_hidden = 1;
  c.hidden[0] = 16;
  c.epochs = 4;
  c.batch = 32;
  c.threads = 1;
  c.data = DP_TRAIN_SET_MIX;
  c.holdout = 200;
  return c;
}

static void
test_refuse_trains (void)
{
  g_autoptr (DpDataset) train = synthetic_with_negatives (1500, 21);
  g_autoptr (DpDataset) test = synthetic_with_negatives (300, 22);
  DpTrainConfig c = refuse_config ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = dp_train_run (&c, train, test, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dp_network_n_outputs (net), ==, 11);
  g_assert_true (dp_network_can_refuse (net));
  /* every test image: negatives refused, digits read, the closest digit always a digit */
  int refused_right = 0, negatives = 0, digits_right = 0;
  for (int i = 0; i < test->n; i++)
    {
      DpRecognition r;
      dp_network_recognise (net, test->images + (gsize) i * DP_INPUT_SIZE, &r);
      g_assert_cmpint (r.n_outputs, ==, 11);
      g_assert_cmpint (r.closest_digit, >=, 0);
      g_assert_cmpint (r.closest_digit, <, 10);
      g_assert_cmpfloat (r.confidence, ==, r.probs[r.answer]);
      if (test->labels[i] == DP_CLASS_NOT_A_DIGIT)
        {
          negatives++;
          refused_right += r.answer == DP_CLASS_NOT_A_DIGIT;
        }
      else
        {
          digits_right += r.answer == test->labels[i];
          if (r.answer != test->labels[i])
            g_test_message ("image %d: %d read as %d (%.3f)", i, test->labels[i], r.answer,
                            r.confidence);
        }
    }
  g_test_message ("refused %d of %d negatives, read %d of %d digits", refused_right, negatives,
                  digits_right, test->n - negatives);
  g_assert_cmpint (negatives, ==, 27);
  g_assert_cmpint (refused_right, ==, negatives);
  g_assert_cmpint (digits_right, ==, test->n - negatives);

  /* the recipe says what it trained on; the hold-out gave a temperature and its figures */
  const char *recipe = dp_network_get_meta (net, DP_META_RECIPE);
  g_assert_nonnull (strstr (recipe, "784-16-11 "));
  g_assert_nonnull (strstr (recipe, "data mix (MNIST + fonts + not a digit)"));
  g_assert_nonnull (strstr (recipe, "200 held out for calibration"));
  float t = 0;
  g_assert_true (dp_temperature_parse (dp_network_get_meta (net, DP_META_TEMPERATURE), &t));
  g_assert_cmpfloat (dp_network_temperature (net), ==, t);
  g_assert_cmpstr (dp_network_get_meta (net, DP_META_CALIBRATION_HOLDOUT), ==, "200");
  double before = g_ascii_strtod (dp_network_get_meta (net, DP_META_CALIBRATION_ECE_BEFORE), NULL);
  double after = g_ascii_strtod (dp_network_get_meta (net, DP_META_CALIBRATION_ECE), NULL);
  g_test_message ("temperature %g, hold-out ECE %.4f → %.4f", t, before, after);
  g_assert_cmpfloat (after, >=, 0.0);
  g_assert_cmpfloat (before, >=, 0.0);

  /* the refusal threshold: from 0.5 up, refusing at most DP_REFUSE_DIGIT_SHARE of the held-out
   * digits, checked here against the hold-out's own images (the same seeded choice) */
  float threshold = dp_network_refuse_threshold (net);
  g_assert_cmpfloat (threshold, >=, 0.5f);
  g_assert_cmpfloat (threshold, <=, 1.0f);
  double digits_share = g_ascii_strtod (dp_network_get_meta (net, DP_META_REFUSE_HOLDOUT_DIGITS),
                                        NULL);
  double negatives_share = g_ascii_strtod (
      dp_network_get_meta (net, DP_META_REFUSE_HOLDOUT_NEGATIVES), NULL);
  g_test_message ("refusal threshold %g: %.4f of the held-out digits, %.4f of the negatives",
                  threshold, digits_share, negatives_share);
  g_assert_cmpfloat (digits_share, <=, DP_REFUSE_DIGIT_SHARE);
  g_assert_cmpfloat (negatives_share, >, 0.9);

  /* the same seed, the same model, temperature included; and it saves and loads as it is */
  g_autoptr (DpNetwork) again = dp_train_run (&c, train, test, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (net->params, net->n_params * 4, again->params, again->n_params * 4);
  g_assert_cmpstr (dp_network_get_meta (again, DP_META_TEMPERATURE), ==,
                   dp_network_get_meta (net, DP_META_TEMPERATURE));
}

/* The threshold is a ceiling on refused digits: a run whose negatives look exactly like one
 * digit class (so the two cannot be told apart) must still refuse at most
 * DP_REFUSE_DIGIT_SHARE of its held-out digits, and the answers follow the threshold. */
static void
test_refuse_threshold_caps_digits (void)
{
  g_autoptr (DpDataset) train = synthetic (1500, 31);
  g_autoptr (DpDataset) test = synthetic (400, 32);
  /* two in three pictures of class 3 are relabelled "not a digit": the most probable class of
   * a 3 is then "not a digit" (p ≈ 2/3) */
  int k = 0;
  for (int i = 0; i < train->n; i++)
    if (train->labels[i] == 3 && k++ % 3 != 0)
      train->labels[i] = DP_CLASS_NOT_A_DIGIT;
  DpTrainConfig c = refuse_config ();
  c.holdout = 600;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) net = dp_train_run (&c, train, test, NULL, NULL, &error);
  g_assert_no_error (error);
  float threshold = dp_network_refuse_threshold (net);
  double digits_share = g_ascii_strtod (dp_network_get_meta (net, DP_META_REFUSE_HOLDOUT_DIGITS),
                                        NULL);
  g_test_message ("threshold %g, held-out digits refused %.4f", threshold, digits_share);
  g_assert_cmpfloat (digits_share, <=, DP_REFUSE_DIGIT_SHARE);
  /* the rule, on every test image: refused exactly when p(not a digit) reaches the threshold */
  int refused = 0;
  for (int i = 0; i < test->n; i++)
    {
      DpRecognition r;
      dp_network_recognise (net, test->images + (gsize) i * DP_INPUT_SIZE, &r);
      gboolean want = r.probs[DP_CLASS_NOT_A_DIGIT] >= threshold;
      g_assert_cmpint (r.answer == DP_CLASS_NOT_A_DIGIT, ==, want);
      refused += want;
    }
  /* without the threshold the most probable class answers, and the 3s are refused */
  g_autoptr (DpNetwork) plain = dp_network_copy (net);
  dp_network_set_meta (plain, DP_META_REFUSE_THRESHOLD, NULL);
  int refused_plain = 0;
  for (int i = 0; i < test->n; i++)
    {
      DpRecognition r;
      dp_network_recognise (plain, test->images + (gsize) i * DP_INPUT_SIZE, &r);
      refused_plain += r.answer == DP_CLASS_NOT_A_DIGIT;
    }
  g_test_message ("test digits refused: %d with the threshold, %d without", refused,
                  refused_plain);
  g_assert_cmpint (refused, <, refused_plain);
}

/* the hold-out is kept out of training: a run whose hold-out holds every image of one class never
 * learns that class, and the hold-out is a seeded choice */
static void
test_holdout_kept_out (void)
{
  g_autoptr (DpDataset) train = synthetic (600, 31);
  DpTrainConfig c = refuse_config ();
  c.data = DP_TRAIN_SET_MNIST;
  c.holdout = 100;
  c.epochs = 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) a = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dp_network_n_outputs (a), ==, 10);
  /* changing a held-out image changes nothing in the weights; changing every image does */
  g_autoptr (DpNetwork) b = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_cmpmem (a->params, a->n_params * 4, b->params, b->n_params * 4);
  int changed_weights = 0, n_changed = 0;
  for (int i = 0; i < train->n; i++)
    {
      g_autoptr (DpDataset) edited = dp_dataset_head (train, 0);
      edited->images[(gsize) i * DP_INPUT_SIZE + 400] += 0.5f;
      c.holdout = 100;
      g_autoptr (DpNetwork) e = dp_train_run (&c, edited, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      gboolean same = memcmp (a->params, e->params, a->n_params * 4) == 0;
      changed_weights += !same;
      n_changed++;
      if (n_changed == 40)
        break;
    }
  /* of 40 images, about 1 in 6 is held out: those leave the weights as they were */
  g_test_message ("%d of %d edited images changed the weights", changed_weights, n_changed);
  g_assert_cmpint (changed_weights, <, n_changed);
  g_assert_cmpint (changed_weights, >, n_changed / 2);
  /* the temperature was fitted even for a 10-output model */
  g_assert_nonnull (dp_network_get_meta (a, DP_META_TEMPERATURE));
  /* and with L-BFGS, which gathers its chunks from the rows trained on */
  c.optimizer = DP_OPTIMIZER_LBFGS;
  c.epochs = 3;
  g_autoptr (DpNetwork) l = dp_train_run (&c, train, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (dp_network_get_meta (l, DP_META_TEMPERATURE));
}

static void
test_refuse_labels_checked (void)
{
  g_autoptr (DpDataset) train = synthetic_with_negatives (300, 41);
  DpTrainConfig c = refuse_config ();
  c.data = DP_TRAIN_SET_MNIST;
  c.holdout = 0;
  g_autoptr (GError) error = NULL;
  g_assert_null (dp_train_run (&c, train, NULL, NULL, NULL, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "Training image 11 is labelled \"not a digit\"", "'mix'", NULL);
  g_clear_error (&error);
  /* a hold-out as large as the data leaves nothing to train */
  c.data = DP_TRAIN_SET_MIX;
  c.holdout = 300;
  g_assert_null (dp_train_run (&c, train, NULL, NULL, NULL, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "'holdout'", "300 held out of 300", NULL);
  g_clear_error (&error);
  /* a label beyond "not a digit" is refused whatever the data */
  train->labels[7] = 11;
  c.holdout = 0;
  g_assert_null (dp_train_run (&c, train, NULL, NULL, NULL, &error));
  dp_test_assert_message (error, "Training image 8 has label 11", NULL);
}

static void
test_train_set_names (void)
{
  guint n = 0;
  const DpName *names = dp_train_set_names (&n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (names[DP_TRAIN_SET_MNIST].id, ==, "mnist");
  g_assert_cmpstr (names[DP_TRAIN_SET_MIX].id, ==, "mix");
  g_assert_cmpstr (names[DP_TRAIN_SET_MNIST].title, ==, "MNIST");
  g_assert_cmpstr (names[DP_TRAIN_SET_MIX].title, ==, "MNIST + fonts + not a digit");
  DpTrainSet s = DP_TRAIN_SET_MNIST;
  g_assert_true (dp_train_set_from_string ("MIX", &s));
  g_assert_cmpint (s, ==, DP_TRAIN_SET_MIX);
  g_assert_false (dp_train_set_from_string ("fonts", &s));
  g_assert_cmpstr (dp_train_set_to_string (DP_TRAIN_SET_MNIST), ==, "mnist");
  g_assert_cmpstr (dp_train_set_to_string (7), ==, "unknown");
  /* an MNIST recipe reads as it always did */
  DpTrainConfig c;
  g_assert_true (dp_train_preset ("quick", &c, NULL));
  g_autofree char *d = dp_train_config_describe (&c);
  g_assert_null (strstr (d, "data"));
  g_assert_nonnull (strstr (d, "-10 relu"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/train/presets", test_presets);
  g_test_add_func ("/engine/train/validate", test_validate);
  g_test_add_func ("/engine/train/preset-table", test_preset_table);
  g_test_add_func ("/engine/train/validate-field", test_validate_field);
  g_test_add_func ("/engine/train/determinism", test_determinism);
  g_test_add_func ("/engine/train/augment-split", test_augment_split);
  g_test_add_func ("/engine/train/metadata-and-learning", test_metadata_and_learning);
  g_test_add_func ("/engine/train/cancel", test_cancel);
  g_test_add_func ("/engine/train/progress-throttle", test_progress_throttle);
  g_test_add_func ("/engine/train/lbfgs", test_lbfgs);
  g_test_add_func ("/engine/train/blas-threads", test_blas_threads);
  g_test_add_func ("/engine/train/lbfgs-out-of-memory", test_lbfgs_out_of_memory);
  g_test_add_func ("/engine/train/diverge", test_diverge);
  g_test_add_func ("/engine/train/mnist-subset", test_mnist_subset);
  g_test_add_func ("/engine/train/lbfgs-objective", test_lbfgs_objective);
  g_test_add_func ("/engine/train/cancel-every-batch", test_cancel_every_batch);
  g_test_add_func ("/engine/train/schedule-applied", test_schedule_applied);
  g_test_add_func ("/engine/train/refuse-trains", test_refuse_trains);
  g_test_add_func ("/engine/train/holdout-kept-out", test_holdout_kept_out);
  g_test_add_func ("/engine/train/refuse-threshold-caps-digits",
                   test_refuse_threshold_caps_digits);
  g_test_add_func ("/engine/train/refuse-labels-checked", test_refuse_labels_checked);
  g_test_add_func ("/engine/train/train-set-names", test_train_set_names);
  return g_test_run ();
}
