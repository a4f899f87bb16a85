/* train.c: training runs. Owns the presets, configuration checks and the one-line recipe; the
 * mini-batch loop (seeded shuffling, optional augmentation, dropout, SGD/momentum/Adam with a
 * learning-rate schedule, throttled progress callbacks, cancellation every batch) and full-batch
 * L-BFGS through liblbfgs. Everything a run needs is allocated before its first batch.
 *
 * Threads: the only compute threads are OpenBLAS's, set from config->threads for the run
 * (0 = every core). The loop runs on the calling thread, and the work between two GEMMs that is
 * worth sharing runs on the same BLAS threads (blas-threads.h): a batch's gathering and
 * augmentation (here), the elementwise passes and the dropout masks (network.c) and the
 * optimizer's update (optimizer.c), so BLAS threads and our own work never compete for the same
 * cores. Subnormal floats are flushed on all of them (fp-mode.h: the program sets it in main and
 * on each worker thread it starts). The step clears the gradients it has read, and the next
 * backward pass accumulates into them, sparing OpenBLAS a pass zeroing them.
 *
 * Determinism: one DpRng seeded from config->seed draws the initial weights, then separate
 * streams (derived from the same seed) shuffle, augment and drop units; a thread working on a
 * slice of a stream skips to where a single thread would be (dp_rng_skip), so the draws do not
 * depend on the split. With the same seed, config, data and thread count the weights and losses
 * repeat bit for bit. */
#include "engine/train.h"

#include <cblas.h>
#include <lbfgs.h>
#include <math.h>
#include <string.h>

#include "engine/augment.h"
#include "engine/blas-threads.h"
#include "engine/calibrate.h"
#include "engine/error.h"
#include "engine/model-file.h"
#include "engine/names-private.h"
#include "engine/optimizer.h"

/* at most this many progress callbacks per second (the GUI redraws a chart from them) */
#define PROGRESS_MIN_INTERVAL_US (G_USEC_PER_SEC / 20)
/* rows per GEMM for full-batch L-BFGS evaluations */
#define LBFGS_CHUNK 2048
/* L-BFGS correction pairs (liblbfgs's default is 6): more progress per iteration for the same
 * budget (Classic: 97.36 % → 97.52 % test with 1 thread, 97.42 % → 97.50 % with 2) */
#define LBFGS_M 20
/* the most memory a run may plan for (weights, gradients, optimizer state, batch buffers) */
#define MAX_TRAIN_BYTES ((guint64) 4 << 30)

/* ---------- presets ---------- */

/* every preset: the seed 1, momentum 0.9 (used only by the momentum optimizer), a constant
 * learning rate unless it says otherwise, all cores */
#define PRESET(ID, TITLE, SUMMARY, ...) \
  { ID, TITLE, SUMMARY, { .preset = ID, .seed = 1, .momentum = 0.9, __VA_ARGS__ } }

/* Adding a preset is adding a row here: the CLI, the app's preset row and the tests read this. */
static const DpTrainPreset presets[] = {
  /* the classic tutorial: 784-100-10 sigmoid, one-vs-all sigmoid cross-entropy, λ = 0.1,
   * weights from U(±0.15), full-batch L-BFGS for 100 iterations */
  PRESET ("classic", "Classic",
          "784-100-10 sigmoid, regularised cross-entropy, L-BFGS on the full batch: the classic "
          "tutorial (97.4 % test).",
          .n_hidden = 1, .hidden = { 100 }, .activation = DP_ACTIVATION_SIGMOID,
          .loss = DP_LOSS_SIGMOID_CE, .init = DP_INIT_UNIFORM, .optimizer = DP_OPTIMIZER_LBFGS,
          .lr = 1.0, .batch = 60000, .epochs = 100, .l2 = 0.1),
  /* 784-16-16-10 sigmoid, mean squared error, plain SGD lr 1.0, batch 50, 5 epochs */
  PRESET ("tiny", "Tiny",
          "784-16-16-10 sigmoid with squared error and plain SGD: small enough to follow by hand.",
          .n_hidden = 2, .hidden = { 16, 16 }, .activation = DP_ACTIVATION_SIGMOID,
          .loss = DP_LOSS_MSE, .init = DP_INIT_XAVIER, .optimizer = DP_OPTIMIZER_SGD, .lr = 1.0,
          .batch = 50, .epochs = 5),
  /* 784-120-90-80-50-30-10 ReLU, softmax, L2, Adam 1e-3 */
  PRESET ("deep", "Deep", "Five ReLU layers, softmax, Adam and L2.",
          .n_hidden = 5, .hidden = { 120, 90, 80, 50, 30 }, .activation = DP_ACTIVATION_RELU,
          .loss = DP_LOSS_SOFTMAX_CE, .init = DP_INIT_HE, .optimizer = DP_OPTIMIZER_ADAM,
          .lr = 1e-3, .batch = 128, .epochs = 10, .l2 = 0.01),
  /* the GUI's default: a small ReLU net that passes 98 % in seconds (98.27 % measured, seed 1) */
  PRESET ("quick", "Quick", "One wide ReLU layer and Adam: 98 % in well under a minute.",
          .n_hidden = 1, .hidden = { 256 }, .activation = DP_ACTIVATION_RELU,
          .loss = DP_LOSS_SOFTMAX_CE, .init = DP_INIT_HE, .optimizer = DP_OPTIMIZER_ADAM,
          .lr = 2e-3, .schedule = DP_SCHEDULE_COSINE, .batch = 64, .epochs = 10),
  /* a wide ReLU net with dropout, trained on affine + elastic distortions */
  PRESET ("best", "Best",
          "Two 800-unit ReLU layers, dropout and distorted images: above 99.3 %, slowly.",
          .n_hidden = 2, .hidden = { 800, 800 }, .activation = DP_ACTIVATION_RELU,
          .loss = DP_LOSS_SOFTMAX_CE, .init = DP_INIT_HE, .optimizer = DP_OPTIMIZER_ADAM,
          .lr = 1e-3, .schedule = DP_SCHEDULE_COSINE, .batch = 128, .epochs = 100,
          .dropout = 0.2, .augment = TRUE),
  /* the built-in model's recipe: Best's network with an eleventh output, on the mix (MNIST +
   * generated digits + "not a digit"), 5 000 images held out for the temperature and the
   * refusal threshold */
  PRESET ("handwriting", "Handwriting",
          "Best's network on MNIST + fonts + not-a-digit examples, calibrated: the built-in "
          "model, which also says \"not a digit\".",
          .n_hidden = 2, .hidden = { 800, 800 }, .activation = DP_ACTIVATION_RELU,
          .loss = DP_LOSS_SOFTMAX_CE, .init = DP_INIT_HE, .optimizer = DP_OPTIMIZER_ADAM,
          .lr = 1e-3, .schedule = DP_SCHEDULE_COSINE, .batch = 128, .epochs = 80,
          .dropout = 0.2, .augment = TRUE, .data = DP_TRAIN_SET_MIX, .holdout = 5000),
};
#undef PRESET

const DpTrainPreset *
dp_train_presets (guint *n_out)
{
  if (n_out != NULL)
    *n_out = G_N_ELEMENTS (presets);
  return presets;
}

const char *const *
dp_train_preset_names (void)
{
  static const char *names[G_N_ELEMENTS (presets) + 1];
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
        names[i] = presets[i].id;
      g_once_init_leave (&done, 1);
    }
  return names;
}

const DpTrainPreset *
dp_train_preset_find (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (presets[i].id, name))
      return &presets[i];
  return NULL;
}

gboolean
dp_train_preset (const char *name, DpTrainConfig *out, GError **error)
{
  g_return_val_if_fail (out != NULL, FALSE);
  const DpTrainPreset *p = dp_train_preset_find (name);
  if (p == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) dp_train_preset_names ());
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Unknown preset '%s' (expected one of %s)",
                   name ? name : "(null)", known);
      return FALSE;
    }
  *out = p->config;
  return TRUE;
}

/* ---------- names, checks, recipe ---------- */

static const DpName optimizer_names[] = {
  { "sgd", "SGD" },
  { "momentum", "Momentum" },
  { "adam", "Adam" },
  { "lbfgs", "L-BFGS" },
};
static const DpName schedule_names[] = {
  { "constant", "Constant" },
  { "step", "Step decay" },
  { "cosine", "Cosine decay" },
};
static const DpName train_set_names[] = {
  { "mnist", "MNIST" },
  { "mix", "MNIST + fonts + not a digit" },
};

DP_NAME_TABLE_FUNCS (dp_train_set, DpTrainSet, train_set_names)

int
dp_train_config_n_outputs (const DpTrainConfig *config)
{
  return config->data == DP_TRAIN_SET_MIX ? DP_CLASS_NOT_A_DIGIT + 1 : DP_N_CLASSES;
}

DP_NAMES_FUNC (dp_optimizer, optimizer_names)
DP_NAME_TO_STRING_FUNC (dp_optimizer, DpOptimizerKind, optimizer_names)
DP_NAME_TABLE_FUNCS (dp_schedule, DpSchedule, schedule_names)

gboolean
dp_optimizer_from_string (const char *s, DpOptimizerKind *out)
{
  int i;
  if (dp_names_lookup (optimizer_names, G_N_ELEMENTS (optimizer_names), s, &i))
    {
      *out = (DpOptimizerKind) i;
      return TRUE;
    }
  if (s != NULL && g_ascii_strcasecmp (s, "l-bfgs") == 0)
    {
      *out = DP_OPTIMIZER_LBFGS;
      return TRUE;
    }
  return FALSE;
}

static const char *const field_names[] = {
  [DP_TRAIN_FIELD_NONE] = "",           [DP_TRAIN_FIELD_HIDDEN] = "hidden",
  [DP_TRAIN_FIELD_ACTIVATION] = "activation", [DP_TRAIN_FIELD_LOSS] = "loss",
  [DP_TRAIN_FIELD_INIT] = "init",       [DP_TRAIN_FIELD_OPTIMIZER] = "optimizer",
  [DP_TRAIN_FIELD_SCHEDULE] = "schedule", [DP_TRAIN_FIELD_LR] = "lr",
  [DP_TRAIN_FIELD_BATCH] = "batch",     [DP_TRAIN_FIELD_MOMENTUM] = "momentum",
  [DP_TRAIN_FIELD_EPOCHS] = "epochs",   [DP_TRAIN_FIELD_L2] = "l2",
  [DP_TRAIN_FIELD_DROPOUT] = "dropout", [DP_TRAIN_FIELD_AUGMENT] = "augment",
  [DP_TRAIN_FIELD_LIMIT] = "limit",     [DP_TRAIN_FIELD_THREADS] = "threads",
  [DP_TRAIN_FIELD_DATA] = "data",       [DP_TRAIN_FIELD_HOLDOUT] = "holdout",
};

const char *
dp_train_field_name (DpTrainField field)
{
  return (unsigned) field < G_N_ELEMENTS (field_names) ? field_names[field] : "";
}

static gboolean
invalid (GError **error, DpTrainField *out, DpTrainField field, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError **error, DpTrainField *out, DpTrainField field, const char *format, ...)
{
  va_list ap;
  if (out != NULL)
    *out = field;
  va_start (ap, format);
  g_autofree char *what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Invalid training setting '%s': %s",
               dp_train_field_name (field),
               what);
  return FALSE;
}

/* Size limits, checked after every field is known to be in range. The model must fit a file
 * that dp_model_load reads (DP_MODEL_MAX_PARAM_BYTES), and the run's memory must stay within
 * MAX_TRAIN_BYTES: without these a valid-looking config (15 layers of 65536 units) trains for
 * hours and cannot be loaded, or dies allocating tens of GB. */
static gboolean
check_sizes (const DpTrainConfig *c, DpTrainField *field, GError **error)
{
  guint64 n_params = 0, units = 0;
  int prev = DP_INPUT_SIZE;
  for (int i = 0; i <= c->n_hidden; i++)
    {
      int w = i < c->n_hidden ? c->hidden[i] : dp_train_config_n_outputs (c);
      n_params += (guint64) w * prev + w;
      units += w;
      prev = w;
    }
  g_autoptr (GString) hidden = g_string_new (NULL);
  for (int i = 0; i < c->n_hidden; i++)
    g_string_append_printf (hidden, i ? ",%d" : "%d", c->hidden[i]);
  if (c->n_hidden == 0)
    g_string_append (hidden, "(none)");

  guint64 param_bytes = n_params * sizeof (float);
  if (param_bytes > DP_MODEL_MAX_PARAM_BYTES)
    return invalid (error, field, DP_TRAIN_FIELD_HIDDEN,
                    "%s makes a %" G_GUINT64_FORMAT " MiB model; at most %"
                    G_GSIZE_FORMAT " MiB", hidden->str, param_bytes >> 20,
                    DP_MODEL_MAX_BYTES >> 20);

  /* per parameter: the weights and their gradient (floats), plus the optimizer's state: SGD none,
   * momentum one float, Adam two; L-BFGS our double copy plus liblbfgs's 5 doubles and its
   * 2·m correction doubles (m = LBFGS_M) */
  guint64 per_param;
  switch (c->optimizer)
    {
    case DP_OPTIMIZER_MOMENTUM: per_param = 3 * sizeof (float); break;
    case DP_OPTIMIZER_ADAM: per_param = 4 * sizeof (float); break;
    case DP_OPTIMIZER_LBFGS:
      per_param = 2 * sizeof (float) + (6 + 2 * LBFGS_M) * sizeof (double);
      break;
    case DP_OPTIMIZER_SGD:
    default: per_param = 2 * sizeof (float); break;
    }
  /* per row of a batch: the input copy, then each layer's activations, deltas and dropout mask */
  int rows = c->optimizer == DP_OPTIMIZER_LBFGS ? LBFGS_CHUNK : c->batch;
  if (c->limit > 0)
    rows = MIN (rows, c->limit);
  guint64 ws_bytes = (guint64) rows * (DP_INPUT_SIZE + 3 * units) * sizeof (float);
  guint64 total = n_params * per_param + ws_bytes;
  if (total > MAX_TRAIN_BYTES)
    {
      /* name what to lower: the batch when the rows alone are over a quarter of the bound */
      if (c->optimizer != DP_OPTIMIZER_LBFGS && ws_bytes > MAX_TRAIN_BYTES / 4)
        return invalid (error, field, DP_TRAIN_FIELD_BATCH,
                        "%d rows through hidden layers %s need %" G_GUINT64_FORMAT
                        " MiB of training memory; at most %" G_GUINT64_FORMAT " MiB",
                        c->batch, hidden->str, total >> 20, (guint64) MAX_TRAIN_BYTES >> 20);
      return invalid (error, field, DP_TRAIN_FIELD_HIDDEN,
                      "%s needs %" G_GUINT64_FORMAT " MiB of training memory "
                      "with %s; at most %" G_GUINT64_FORMAT " MiB", hidden->str, total >> 20,
                      dp_optimizer_to_string (c->optimizer), (guint64) MAX_TRAIN_BYTES >> 20);
    }
  return TRUE;
}

gboolean
dp_train_config_validate (const DpTrainConfig *c, GError **error)
{
  return dp_train_config_check (c, NULL, error);
}

gboolean
dp_train_config_check (const DpTrainConfig *c, DpTrainField *field, GError **error)
{
  g_return_val_if_fail (c != NULL, FALSE);
  if (field != NULL)
    *field = DP_TRAIN_FIELD_NONE;
  if (c->n_hidden < 0 || c->n_hidden > DP_MAX_LAYERS - 1)
    return invalid (error, field, DP_TRAIN_FIELD_HIDDEN,
                    "%d hidden layers (0 to %d allowed)", c->n_hidden,
                    DP_MAX_LAYERS - 1);
  for (int i = 0; i < c->n_hidden; i++)
    if (c->hidden[i] < 1 || c->hidden[i] > 65536)
      return invalid (error, field, DP_TRAIN_FIELD_HIDDEN,
                      "layer %d has %d units (1 to 65536 allowed)", i + 1,
                      c->hidden[i]);
  if ((unsigned) c->activation > DP_ACTIVATION_RELU)
    return invalid (error, field, DP_TRAIN_FIELD_ACTIVATION,
                    "unknown activation %d", c->activation);
  if ((unsigned) c->loss > DP_LOSS_MSE)
    return invalid (error, field, DP_TRAIN_FIELD_LOSS, "unknown loss %d", c->loss);
  if ((unsigned) c->init > DP_INIT_UNIFORM)
    return invalid (error, field, DP_TRAIN_FIELD_INIT, "unknown initialisation %d", c->init);
  if ((unsigned) c->optimizer > DP_OPTIMIZER_LBFGS)
    return invalid (error, field, DP_TRAIN_FIELD_OPTIMIZER, "unknown optimizer %d", c->optimizer);
  if ((unsigned) c->schedule > DP_SCHEDULE_COSINE)
    return invalid (error, field, DP_TRAIN_FIELD_SCHEDULE, "unknown schedule %d", c->schedule);
  if (c->optimizer != DP_OPTIMIZER_LBFGS)
    {
      if (!isfinite (c->lr) || c->lr <= 0.0 || c->lr > 100.0)
        return invalid (error, field, DP_TRAIN_FIELD_LR,
                        "%g is not a learning rate in (0, 100]", c->lr);
      if (c->batch < 1 || c->batch > 65536)
        return invalid (error, field, DP_TRAIN_FIELD_BATCH,
                        "%d is not a batch size from 1 to 65536", c->batch);
    }
  if (c->optimizer == DP_OPTIMIZER_MOMENTUM && (!isfinite (c->momentum) || c->momentum < 0.0
                                                || c->momentum >= 1.0))
    return invalid (error, field, DP_TRAIN_FIELD_MOMENTUM, "%g is not in [0, 1)", c->momentum);
  if (c->epochs < 1 || c->epochs > 100000)
    return invalid (error, field, DP_TRAIN_FIELD_EPOCHS, "%d is not from 1 to 100000", c->epochs);
  if (!isfinite (c->l2) || c->l2 < 0.0)
    return invalid (error, field, DP_TRAIN_FIELD_L2, "%g is not a non-negative number", c->l2);
  if (!isfinite (c->dropout) || c->dropout < 0.0 || c->dropout > 0.9)
    return invalid (error, field, DP_TRAIN_FIELD_DROPOUT,
                    "%g is not a probability from 0 to 0.9", c->dropout);
  if (c->dropout > 0.0 && c->optimizer == DP_OPTIMIZER_LBFGS)
    return invalid (error, field, DP_TRAIN_FIELD_DROPOUT,
                    "L-BFGS needs a deterministic loss: use dropout 0");
  if (c->augment && c->optimizer == DP_OPTIMIZER_LBFGS)
    return invalid (error, field, DP_TRAIN_FIELD_AUGMENT,
                    "L-BFGS trains on fixed data: augmentation is off");
  if (c->limit < 0)
    return invalid (error, field, DP_TRAIN_FIELD_LIMIT, "%d is negative", c->limit);
  if (c->threads < 0 || c->threads > 256)
    return invalid (error, field, DP_TRAIN_FIELD_THREADS,
                    "%d is not from 0 (all cores) to 256", c->threads);
  if ((unsigned) c->data > DP_TRAIN_SET_MIX)
    return invalid (error, field, DP_TRAIN_FIELD_DATA, "unknown training data %d", c->data);
  if (c->holdout < 0)
    return invalid (error, field, DP_TRAIN_FIELD_HOLDOUT, "%d is negative", c->holdout);
  if (c->limit > 0 && c->holdout >= c->limit)
    return invalid (error, field, DP_TRAIN_FIELD_HOLDOUT,
                    "%d held out of the first %d images leaves none to train on", c->holdout,
                    c->limit);
  return check_sizes (c, field, error);
}

char *
dp_train_config_describe (const DpTrainConfig *c)
{
  GString *s = g_string_new (NULL);
  if (c->preset[0])
    g_string_append_printf (s, "preset %s: ", c->preset);
  g_string_append_printf (s, "%d", DP_INPUT_SIZE);
  for (int i = 0; i < c->n_hidden; i++)
    g_string_append_printf (s, "-%d", c->hidden[i]);
  g_string_append_printf (s, "-%d %s, %s, init %s, ", dp_train_config_n_outputs (c),
                          dp_activation_to_string (c->activation), dp_loss_to_string (c->loss),
                          dp_init_to_string (c->init));
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  if (c->optimizer == DP_OPTIMIZER_LBFGS)
    g_string_append_printf (s, "L-BFGS %d iterations full batch", c->epochs);
  else
    {
      g_string_append_printf (s, "%s%s lr %s", dp_optimizer_to_string (c->optimizer),
                              c->optimizer == DP_OPTIMIZER_MOMENTUM && c->nesterov ? " (nesterov)"
                                                                                   : "",
                              g_ascii_formatd (num, sizeof num, "%g", c->lr));
      if (c->optimizer == DP_OPTIMIZER_MOMENTUM)
        g_string_append_printf (s, " momentum %s",
                                g_ascii_formatd (num, sizeof num, "%g", c->momentum));
      if (c->schedule != DP_SCHEDULE_CONSTANT)
        g_string_append_printf (s, " %s", dp_schedule_to_string (c->schedule));
      g_string_append_printf (s, ", batch %d, %d epochs", c->batch, c->epochs);
    }
  if (c->l2 > 0.0)
    g_string_append_printf (s, ", L2 λ %s", g_ascii_formatd (num, sizeof num, "%g", c->l2));
  if (c->dropout > 0.0)
    g_string_append_printf (s, ", dropout %s",
                            g_ascii_formatd (num, sizeof num, "%g", c->dropout));
  if (c->augment)
    g_string_append (s, ", augmented (affine + elastic)");
  if (c->limit > 0)
    g_string_append_printf (s, ", first %d images", c->limit);
  /* MNIST alone, the data every recipe had before there was a choice, goes unsaid */
  if (c->data == DP_TRAIN_SET_MIX)
    g_string_append_printf (s, ", data %s (%s)", dp_train_set_to_string (c->data),
                            train_set_names[c->data].title);
  if (c->holdout > 0)
    g_string_append_printf (s, ", %d held out for calibration", c->holdout);
  g_string_append_printf (s, ", seed %" G_GUINT64_FORMAT, c->seed);
  return g_string_free (s, FALSE);
}

/* ---------- shared run state ---------- */

typedef struct
{
  const DpTrainConfig *config;
  const DpDataset *train, *test;
  int n_train;
  const guint32 *rows;  /* (n_train) the rows of train trained on; NULL: 0 … n_train-1 */
  float *chunk_X;       /* L-BFGS with rows: (LBFGS_CHUNK, 784) a chunk gathered from them */
  guint8 *chunk_y;      /* (LBFGS_CHUNK) */
  const DpTrainCallbacks *cb;
  GCancellable *cancellable;
  DpNetwork *net;
  DpWorkspace *ws;
  gint64 t_start, t_epoch, last_progress;
  double l2_coeff; /* λ / N_train */
  gboolean cancelled;
  double test_acc;           /* the test accuracy at the last epoch report */
  gboolean test_acc_current; /* and the weights have not changed since */
  /* L-BFGS */
  int iteration;        /* accepted steps so far */
  double accepted_loss; /* the loss at the last accepted step */
  int last_correct; /* training images classified right at the last evaluation */
} Run;

static double
seconds_since (gint64 t)
{
  return (g_get_monotonic_time () - t) / (double) G_USEC_PER_SEC;
}

static double
test_accuracy (const DpNetwork *net, const DpDataset *test)
{
  if (test == NULL || test->n == 0)
    return -1.0;
  g_autofree guint8 *pred = g_new (guint8, test->n);
  dp_network_classify (net, test->images, test->n, pred, NULL);
  int ok = 0;
  for (int i = 0; i < test->n; i++)
    ok += pred[i] == test->labels[i];
  return (double) ok / test->n;
}

/* calls the progress callback unless one ran less than PROGRESS_MIN_INTERVAL_US ago (force:
 * call it anyway); TRUE when it was called */
static gboolean
report_progress (Run *run, int epoch, int batch, int n_batches, double loss, double samples,
                 gboolean force)
{
  if (run->cb == NULL || run->cb->progress == NULL)
    return FALSE;
  gint64 now = g_get_monotonic_time ();
  if (!force && now - run->last_progress < PROGRESS_MIN_INTERVAL_US)
    return FALSE;
  run->last_progress = now;
  DpTrainProgress p = { 0 };
  p.epoch = epoch;
  p.n_epochs = run->config->epochs;
  p.batch = batch;
  p.n_batches = n_batches;
  p.loss = loss;
  p.elapsed_s = seconds_since (run->t_start);
  p.samples_per_s = p.elapsed_s > 0 ? samples / p.elapsed_s : 0;
  double done = (epoch - 1 + (double) batch / n_batches) / run->config->epochs;
  p.eta_s = done > 0 ? p.elapsed_s * (1.0 - done) / done : 0;
  run->cb->progress (&p, run->cb->user_data);
  return TRUE;
}

static void
report_epoch (Run *run, int epoch, double loss, double train_acc)
{
  if (run->cb == NULL || run->cb->epoch_done == NULL)
    return;
  DpEpochResult r = { 0 };
  r.epoch = epoch;
  r.n_epochs = run->config->epochs;
  r.train_loss = loss;
  r.train_accuracy = train_acc;
  r.test_accuracy = test_accuracy (run->net, run->test);
  /* kept for the model's metadata while the weights stay as they are (the last epoch's) */
  run->test_acc = r.test_accuracy;
  run->test_acc_current = TRUE;
  r.seconds = seconds_since (run->t_epoch);
  run->cb->epoch_done (&r, run->cb->user_data);
}

/* rows of out (B, K) whose argmax is the label */
static int
count_correct (const float *out, const guint8 *y, int B, int K)
{
  int correct = 0;
  for (int r = 0; r < B; r++)
    correct += dp_argmax (out + (gsize) r * K, K) == y[r];
  return correct;
}

/* ---------- mini-batch training ---------- */

/* at most this many threads share the gathering of a batch */
#define MAX_GATHER_THREADS 64

/* rows [r0, r1) of a batch, gathered in the shuffled order and distorted when augmenting. The
 * augmentation stream is the one a single thread would draw: this slice starts from the stream
 * at the batch's first row and skips the draws of the r0 rows before its own (dp_rng_skip). */
typedef struct
{
  const DpDataset *data;
  const guint32 *order; /* (batch rows) the batch's entries of the shuffled order */
  float *Xb;            /* (B, 784) */
  guint8 *yb;           /* (B) */
  DpAugmenter *aug;     /* this slice's own (it holds scratch buffers), or NULL */
  DpRng rng;            /* in: the stream at row 0; out: the stream after row r1 */
  guint draws;          /* per image */
  int r0, r1;
} Gather;

static void
free_augmenters (DpAugmenter *(*augs)[MAX_GATHER_THREADS])
{
  for (int k = 0; k < MAX_GATHER_THREADS; k++)
    dp_augmenter_free ((*augs)[k]);
}

static void
gather_rows (void *item)
{
  Gather *g = item;
  if (g->aug)
    dp_rng_skip (&g->rng, (guint64) g->r0 * g->draws);
  for (int r = g->r0; r < g->r1; r++)
    {
      guint32 k = g->order[r];
      const float *src = g->data->images + (gsize) k * DP_INPUT_SIZE;
      float *dst = g->Xb + (gsize) r * DP_INPUT_SIZE;
      /* the rows are scattered over the data set (188 MB for MNIST, far beyond the caches): ask
       * for the next row's lines while this one is copied, so that their misses overlap */
      if (r + 1 < g->r1)
        {
          const char *next = (const char *) (g->data->images
                                             + (gsize) g->order[r + 1] * DP_INPUT_SIZE);
          for (gsize b = 0; b < DP_INPUT_SIZE * sizeof (float); b += 64)
            __builtin_prefetch (next + b);
        }
      if (g->aug)
        dp_augmenter_apply (g->aug, src, dst, &g->rng);
      else
        memcpy (dst, src, DP_INPUT_SIZE * sizeof (float));
      g->yb[r] = g->data->labels[k];
    }
}

static gboolean
train_minibatch (Run *run, GError **error)
{
  const DpTrainConfig *c = run->config;
  DpNetwork *net = run->net;
  int N = run->n_train;
  int B = MIN (c->batch, N);
  int n_batches = (N + B - 1) / B;
  float dropout = (float) c->dropout;

  /* independent streams, so that turning augmentation on does not change the shuffles */
  DpRng shuffle_rng, aug_rng, drop_rng;
  dp_rng_init (&shuffle_rng, c->seed ^ 0x5348554646ULL);
  dp_rng_init (&aug_rng, c->seed ^ 0x4155474dULL);
  dp_rng_init (&drop_rng, c->seed ^ 0x44524f50ULL);

  run->ws = dp_workspace_new (net, B, dropout > 0.0f);
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (c->optimizer, net, c->momentum, c->nesterov,
                                                  run->l2_coeff);
  g_autofree guint32 *order = g_new (guint32, N);  /* (N) */
  g_autofree float *Xb = g_new (float, (gsize) B * DP_INPUT_SIZE); /* (B, 784) the batch */
  g_autofree guint8 *yb = g_new (guint8, B);                       /* (B) */
  /* a batch's gathering is split between the run's threads: each slice distorts its rows with an
   * augmenter of its own, or copies them (a batch of 128 rows is 400 KB read from all over the
   * data set, a few percent of an epoch of 784-800-10 on one thread) */
  __attribute__ ((cleanup (free_augmenters))) DpAugmenter *augs[MAX_GATHER_THREADS] = { NULL };
  int n_slices = MIN (dp_blas_threads_available (), MAX_GATHER_THREADS);
  int n_augs = c->augment ? n_slices : 0;
  for (int k = 0; k < n_augs; k++)
    {
      DpAugmentParams ap;
      dp_augment_params_default (&ap);
      augs[k] = dp_augmenter_new (&ap);
    }
  guint draws = n_augs ? dp_augmenter_draws_per_image (augs[0]) : 0;
  Gather gather[MAX_GATHER_THREADS];
  for (int i = 0; i < N; i++)
    order[i] = run->rows ? run->rows[i] : (guint32) i;

  const int K = net->sizes[net->n_layers];
  double samples = 0;
  for (int epoch = 1; epoch <= c->epochs; epoch++)
    {
      run->t_epoch = g_get_monotonic_time ();
      dp_rng_shuffle (&shuffle_rng, order, N);
      double loss_sum = 0.0, recent_loss = 0.0;
      int recent_n = 0, correct = 0;
      for (int bi = 0; bi < n_batches; bi++)
        {
          if (g_cancellable_is_cancelled (run->cancellable))
            {
              run->cancelled = TRUE;
              break;
            }
          int r0 = bi * B;
          int nb = MIN (B, N - r0);
          /* gather (and distort) the batch's rows */
          int n_gather = MAX (1, MIN (n_slices, nb));
          int per = (nb + n_gather - 1) / n_gather;
          for (int k = 0; k < n_gather; k++)
            gather[k] = (Gather) { run->train, order + r0, Xb, yb, augs[k], aug_rng, draws,
                                   MIN (k * per, nb), MIN ((k + 1) * per, nb) };
          dp_blas_threads_run (n_gather, gather_rows, gather, sizeof (Gather));
          aug_rng = gather[n_gather - 1].rng; /* the last slice ends at row nb */
          const float *out = dp_network_forward (net, run->ws, Xb, nb, dropout, &drop_rng);
          double loss = dp_network_loss (net, run->ws, yb, nb);
          /* stop at the first bad batch, before its NaNs reach the weights of later batches */
          if (!isfinite (loss))
            {
              g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                           "Training diverged at epoch %d, batch %d: the loss is not finite; "
                           "try a smaller learning rate", epoch, bi + 1);
              return FALSE;
            }
          correct += count_correct (out, yb, nb, K);
          /* the gradients are 0 here (new, or cleared by the last step): accumulating into
           * them spares the GEMMs their pass zeroing C */
          dp_network_backward (net, run->ws, yb, nb, 1.0f / nb, TRUE);
          double progress = (epoch - 1 + (double) bi / n_batches) / c->epochs;
          dp_optimizer_step_and_clear (opt, net, run->ws->grads,
                                       dp_schedule_lr (c->schedule, c->lr, progress));
          run->test_acc_current = FALSE;

          loss_sum += loss;
          recent_loss += loss;
          recent_n += nb;
          samples += nb;
          if (report_progress (run, epoch, bi + 1, n_batches, recent_loss / recent_n, samples,
                               FALSE))
            {
              recent_loss = 0.0;
              recent_n = 0;
            }
        }
      if (run->cancelled)
        break;
      double l2_term = run->l2_coeff > 0 ? 0.5 * run->l2_coeff * dp_network_weight_sq_sum (net)
                                         : 0.0;
      report_epoch (run, epoch, loss_sum / N + l2_term, (double) correct / N);
    }
  return TRUE;
}

/* ---------- full-batch L-BFGS ---------- */

/* J(θ) = (1/N)·Σ loss + λ/(2N)·Σw², and its gradient, over the whole training set in chunks */
static lbfgsfloatval_t
lbfgs_evaluate (void *instance, const lbfgsfloatval_t *x, lbfgsfloatval_t *g, const int n,
                const lbfgsfloatval_t step)
{
  Run *run = instance;
  DpNetwork *net = run->net;
  for (int i = 0; i < n; i++)
    net->params[i] = (float) x[i];
  run->test_acc_current = FALSE; /* a trial point; lbfgs_progress reports accepted ones */
  int N = run->n_train;
  const int K = net->sizes[net->n_layers];
  double loss = 0.0;
  int correct = 0;
  for (int r0 = 0; r0 < N; r0 += LBFGS_CHUNK)
    {
      if (g_cancellable_is_cancelled (run->cancellable))
        {
          /* the progress callback stops the run after this evaluation */
          run->cancelled = TRUE;
          break;
        }
      int nb = MIN (LBFGS_CHUNK, N - r0);
      const float *X = run->train->images + (gsize) r0 * DP_INPUT_SIZE;
      const guint8 *y = run->train->labels + r0;
      if (run->rows != NULL)
        {
          /* the training rows are not contiguous when some are held out: gather the chunk */
          for (int r = 0; r < nb; r++)
            {
              guint32 k = run->rows[r0 + r];
              memcpy (run->chunk_X + (gsize) r * DP_INPUT_SIZE,
                      run->train->images + (gsize) k * DP_INPUT_SIZE,
                      DP_INPUT_SIZE * sizeof (float));
              run->chunk_y[r] = run->train->labels[k];
            }
          X = run->chunk_X;
          y = run->chunk_y;
        }
      const float *out = dp_network_forward (net, run->ws, X, nb, 0.0f, NULL);
      loss += dp_network_loss (net, run->ws, y, nb);
      correct += count_correct (out, y, nb, K);
      dp_network_backward (net, run->ws, y, nb, 1.0f / N, r0 > 0);
    }
  float *grads = run->ws->grads;
  dp_network_add_l2_grad (net, grads, run->l2_coeff);
  for (int i = 0; i < n; i++)
    g[i] = grads[i];
  double fx = loss / N + 0.5 * run->l2_coeff * dp_network_weight_sq_sum (net);
  run->last_correct = correct;
  return fx;
}

static int
lbfgs_progress (void *instance, const lbfgsfloatval_t *x, const lbfgsfloatval_t *g,
                const lbfgsfloatval_t fx, const lbfgsfloatval_t xnorm,
                const lbfgsfloatval_t gnorm, const lbfgsfloatval_t step, int n, int k, int ls)
{
  Run *run = instance;
  if (run->cancelled || g_cancellable_is_cancelled (run->cancellable))
    {
      run->cancelled = TRUE;
      return 1;
    }
  run->iteration = k;
  run->accepted_loss = fx;
  /* x is the accepted point: make the network hold it for the test accuracy */
  for (int i = 0; i < n; i++)
    run->net->params[i] = (float) x[i];
  report_progress (run, k, 1, 1, fx, (double) k * run->n_train, TRUE);
  /* the line search's last evaluation was at x: its count is x's training accuracy */
  report_epoch (run, k, fx, (double) run->last_correct / run->n_train);
  run->t_epoch = g_get_monotonic_time ();
  return 0;
}

static gboolean
train_lbfgs (Run *run, GError **error)
{
  DpNetwork *net = run->net;
  int n = (int) net->n_params;
  run->ws = dp_workspace_new (net, MIN (LBFGS_CHUNK, run->n_train), FALSE);
  g_autofree float *chunk_X = NULL;
  g_autofree guint8 *chunk_y = NULL;
  if (run->rows != NULL)
    {
      chunk_X = g_new (float, (gsize) MIN (LBFGS_CHUNK, run->n_train) * DP_INPUT_SIZE);
      chunk_y = g_new (guint8, MIN (LBFGS_CHUNK, run->n_train));
      run->chunk_X = chunk_X;
      run->chunk_y = chunk_y;
    }
  lbfgsfloatval_t *x = lbfgs_malloc (n);
  if (x == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Out of memory for L-BFGS (%d parameters)",
                   n);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    x[i] = net->params[i];
  lbfgs_parameter_t param;
  lbfgs_parameter_init (&param);
  param.max_iterations = run->config->epochs;
  param.m = LBFGS_M;
  param.epsilon = 1e-6;
  lbfgsfloatval_t fx = 0;
  run->t_epoch = g_get_monotonic_time ();
  int ret = lbfgs (n, x, &fx, lbfgs_evaluate, lbfgs_progress, run, &param);
  /* x is the last accepted point (or the start, if liblbfgs refused to begin) */
  for (int i = 0; i < n; i++)
    net->params[i] = (float) x[i];
  lbfgs_free (x);
  if (ret == LBFGSERR_CANCELED || run->cancelled)
    {
      run->cancelled = TRUE;
      return TRUE;
    }
  /* lbfgs.h orders its statuses: the setup errors (unknown, logic, out of memory, every
   * LBFGSERR_INVALID_*) come first and leave x untouched; from LBFGSERR_OUTOFINTERVAL on they are
   * line-search ends and the iteration limit, which leave x at the last accepted point */
  if (ret < LBFGSERR_OUTOFINTERVAL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "L-BFGS failed before training: %s "
                   "(liblbfgs status %d)",
                   ret == LBFGSERR_OUTOFMEMORY ? "out of memory"
                   : ret >= LBFGSERR_INVALID_N ? "a parameter was refused"
                                               : "internal error", ret);
      return FALSE;
    }
  /* a line search that cannot improve further ends a training where it stands, but only once a
   * step was taken from a point with a finite loss; otherwise the net is the untrained start */
  if (ret < 0 && ret != LBFGSERR_MAXIMUMITERATION
      && (run->iteration == 0 || !isfinite (run->accepted_loss)))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "L-BFGS could not take a first step (liblbfgs status %d, loss %g); is the "
                   "data finite?", ret, fx);
      return FALSE;
    }
  return TRUE;
}

/* ---------- the run ---------- */

static int
n_cores (void)
{
  return MAX (1, (int) g_get_num_processors ());
}

/* Splits the first pool images into holdout of them, a random choice drawn from seed, and the
 * rest: *held (holdout) and *rows (pool − holdout), each in increasing order. */
static void
choose_holdout (int pool, int holdout, guint64 seed, guint32 **held, guint32 **rows)
{
  g_autofree guint32 *idx = g_new (guint32, pool); /* (pool) */
  g_autofree gboolean *out = g_new0 (gboolean, pool); /* (pool) */
  for (int i = 0; i < pool; i++)
    idx[i] = i;
  DpRng rng;
  dp_rng_init (&rng, seed ^ 0x484f4c444f5554ULL); /* "HOLDOUT": a stream of its own */
  /* the first holdout steps of a Fisher–Yates shuffle: a uniform choice */
  for (int i = 0; i < holdout; i++)
    {
      guint32 j = i + dp_rng_below (&rng, pool - i);
      guint32 t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      out[idx[i]] = TRUE;
    }
  *held = g_new (guint32, MAX (holdout, 1));
  *rows = g_new (guint32, MAX (pool - holdout, 1));
  int nh = 0, nr = 0;
  for (int i = 0; i < pool; i++)
    {
      if (out[i])
        (*held)[nh++] = i;
      else
        (*rows)[nr++] = i;
    }
}

static void
set_meta_number (DpNetwork *net, const char *key, const char *format, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  dp_network_set_meta (net, key, g_ascii_formatd (buf, sizeof buf, format, value));
}

static int
compare_float_desc (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x < y) - (x > y);
}

/* The refusal threshold of an 11-output net from its hold-out's raw logits (n, 11) and labels y:
 * the lowest p("not a digit") from 0.5 up that refuses at most DP_REFUSE_DIGIT_SHARE of the
 * held-out digits (train.h); stored with the shares of digits and negatives it refuses. */
static void
choose_refuse_threshold (DpNetwork *net, const float *logits, const guint8 *y, int n)
{
  const int K = DP_CLASS_NOT_A_DIGIT + 1;
  g_autofree float *probs = g_memdup2 (logits, (gsize) n * K * sizeof (float)); /* (n, 11) */
  dp_network_logits_to_probs (net->loss, probs, n, K, dp_network_temperature (net));
  g_autofree float *digit_p = g_new (float, MAX (n, 1)); /* p(not a digit) of the digits */
  int n_digits = 0;
  for (int i = 0; i < n; i++)
    if (y[i] < DP_N_CLASSES)
      digit_p[n_digits++] = probs[(gsize) i * K + DP_CLASS_NOT_A_DIGIT];
  qsort (digit_p, n_digits, sizeof (float), compare_float_desc);
  /* refusing p >= t refuses the digits above t: allow the `allowed` highest */
  int allowed = (int) floor (DP_REFUSE_DIGIT_SHARE * n_digits);
  double t = 0.5;
  if (allowed < n_digits)
    t = MAX (t, nextafterf (digit_p[allowed], 2.0f));
  /* written with 6 decimals, rounded up (a float that rounds from it is still above the digit
   * it must not refuse), and read back, so that the figures below are the model's own */
  t = MIN (ceil (t * 1e6) / 1e6, 1.0);
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (text, sizeof text, "%.6f", t);
  float stored = 1.0f;
  dp_refuse_threshold_parse (text, &stored);
  dp_network_set_meta (net, DP_META_REFUSE_THRESHOLD, text);
  int digits_refused = 0, negatives = 0, negatives_refused = 0;
  for (int i = 0; i < n; i++)
    {
      int refused = dp_network_answer (probs + (gsize) i * K, K, stored) == DP_CLASS_NOT_A_DIGIT;
      if (y[i] < DP_N_CLASSES)
        digits_refused += refused;
      else
        {
          negatives++;
          negatives_refused += refused;
        }
    }
  set_meta_number (net, DP_META_REFUSE_HOLDOUT_DIGITS, "%.4f",
                   n_digits ? (double) digits_refused / n_digits : 0.0);
  set_meta_number (net, DP_META_REFUSE_HOLDOUT_NEGATIVES, "%.4f",
                   negatives ? (double) negatives_refused / negatives : 0.0);
}

/* Temperature scaling on the held-out rows of data: fits T and stores it and the calibration
 * error before and after in net's metadata. */
static void
calibrate (DpNetwork *net, const DpDataset *data, const guint32 *held, int n)
{
  int K = dp_network_n_outputs (net);
  g_autofree float *X = g_new (float, (gsize) n * DP_INPUT_SIZE); /* (n, 784) */
  g_autofree guint8 *y = g_new (guint8, n);                       /* (n) */
  g_autofree float *logits = g_new (float, (gsize) n * K);         /* (n, K) */
  for (int i = 0; i < n; i++)
    {
      memcpy (X + (gsize) i * DP_INPUT_SIZE, data->images + (gsize) held[i] * DP_INPUT_SIZE,
              DP_INPUT_SIZE * sizeof (float));
      y[i] = data->labels[held[i]];
    }
  /* the network has no temperature yet: these are the raw logits */
  dp_network_set_meta (net, DP_META_TEMPERATURE, NULL);
  dp_network_classify_logits (net, X, n, NULL, NULL, logits);
  double t = dp_calibration_fit_temperature (logits, K, y, n, net->loss);
  /* stored as written, so that the model answers with exactly the T its figures were taken at */
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (text, sizeof text, "%.4f", t);
  float stored = 1.0f;
  dp_temperature_parse (text, &stored);
  double before = dp_calibration_ece_logits (logits, K, y, n, net->loss, 1.0);
  double after = dp_calibration_ece_logits (logits, K, y, n, net->loss, stored);
  dp_network_set_meta (net, DP_META_TEMPERATURE, text);
  set_meta_number (net, DP_META_CALIBRATION_ECE_BEFORE, "%.4f", before);
  set_meta_number (net, DP_META_CALIBRATION_ECE, "%.4f", after);
  set_meta_number (net, DP_META_CALIBRATION_HOLDOUT, "%.0f", n);
  if (dp_network_can_refuse (net))
    choose_refuse_threshold (net, logits, y, n);
}

DpNetwork *
dp_train_run (const DpTrainConfig *config, const DpDataset *train, const DpDataset *test,
              const DpTrainCallbacks *callbacks, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (config != NULL && train != NULL, NULL);
  if (!dp_train_config_validate (config, error))
    return NULL;
  if (train->n < 1)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "The training set is empty");
      return NULL;
    }

  int sizes[DP_MAX_LAYERS + 1];
  sizes[0] = DP_INPUT_SIZE;
  for (int i = 0; i < config->n_hidden; i++)
    sizes[i + 1] = config->hidden[i];
  int n_outputs = dp_train_config_n_outputs (config);
  sizes[config->n_hidden + 1] = n_outputs;
  int pool = config->limit > 0 ? MIN (config->limit, train->n) : train->n;
  for (int i = 0; i < pool; i++)
    if (train->labels[i] >= n_outputs)
      {
        if (train->labels[i] == DP_CLASS_NOT_A_DIGIT)
          g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Training image %d is labelled \"not "
                       "a digit\": only a run on data '%s' trains that output", i + 1,
                       dp_train_set_to_string (DP_TRAIN_SET_MIX));
        else
          g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Training image %d has label %d; a "
                       "%d-output model takes labels 0 to %d", i + 1, train->labels[i],
                       n_outputs, n_outputs - 1);
        return NULL;
      }
  if (config->holdout >= pool)
    {
      invalid (error, NULL, DP_TRAIN_FIELD_HOLDOUT, "%d held out of %d training images leaves "
               "none to train on", config->holdout, pool);
      return NULL;
    }
  g_autofree guint32 *held = NULL, *rows = NULL;
  if (config->holdout > 0)
    choose_holdout (pool, config->holdout, config->seed, &held, &rows);
  g_autoptr (DpNetwork) net = dp_network_new (sizes, config->n_hidden + 1, config->activation,
                                              config->loss);
  DpRng init_rng;
  dp_rng_init (&init_rng, config->seed);
  dp_network_init (net, config->init, &init_rng);

  /* BLAS threads are the run's only compute threads. The setting is process-wide, and resizing
   * OpenBLAS's pool while another thread is inside a BLAS call (the GUI predicting as the user
   * draws) is unsafe: it is changed only when it differs, and put back only if it was changed.
   * The GUI sets its training count at startup, so its runs never resize the pool. */
  int threads_before = openblas_get_num_threads ();
  int threads = config->threads > 0 ? MIN (config->threads, n_cores ()) : n_cores ();
  gboolean resize = threads != threads_before;
  if (resize)
    openblas_set_num_threads (threads);

  Run run = { 0 };
  run.config = config;
  run.train = train;
  run.test = test;
  run.n_train = pool - config->holdout;
  run.rows = rows;
  run.cb = callbacks;
  run.cancellable = cancellable;
  run.net = net;
  run.t_start = g_get_monotonic_time ();
  run.last_progress = 0;
  run.l2_coeff = config->l2 / run.n_train;

  gboolean ok = config->optimizer == DP_OPTIMIZER_LBFGS ? train_lbfgs (&run, error)
                                                        : train_minibatch (&run, error);
  g_clear_pointer (&run.ws, dp_workspace_free);
  if (resize)
    openblas_set_num_threads (threads_before);
  if (!ok)
    return NULL;
  if (run.cancelled)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Training cancelled");
      return NULL;
    }

  g_autofree char *recipe = dp_train_config_describe (config);
  dp_network_set_meta (net, DP_META_RECIPE, recipe);
  if (config->holdout > 0)
    {
      calibrate (net, train, held, config->holdout);
      /* a refusal threshold changes the answers the last epoch's report measured */
      if (dp_network_refuse_threshold (net) > 0.0f)
        run.test_acc_current = FALSE;
    }
  /* the last epoch's report already measured these weights (with an epoch callback) */
  double acc = run.test_acc_current ? run.test_acc : test_accuracy (net, test);
  if (acc >= 0.0)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      dp_network_set_meta (net, DP_META_TEST_ACCURACY, g_ascii_formatd (buf, sizeof buf, "%.4f", acc));
    }
  return g_steal_pointer (&net);
}
