/* personalize.c: a personal model from a base model and a person's samples (see the header).
 *
 * The run, in order:
 *   1. the samples: each usable record rendered through dp_preprocess_strokes, plus `copies`
 *      mildly distorted versions (more for few samples, fewer for many);
 *   2. the last hidden layer's activations ("features") of every personal image, of a seeded
 *      random part of anchor_train, and of anchor_test, through the base's hidden layers once;
 *   3. the output layer alone, as a one-layer network ("head") on those features: mini-batch
 *      Adam, each batch a share of personal rows and the rest anchor rows, with an L2 pull of
 *      the head toward the base's;
 *   4. the check on anchor_test: when it drops by more than allowed, the head is trained again
 *      with half the personal share and four times the pull, up to MAX_ATTEMPTS times, then
 *      refused;
 *   5. the leave-some-out before → after with the settings that were kept.
 * Every random choice comes from its own stream derived from config->seed. */
#include "engine/personalize.h"

#include <math.h>
#include <string.h>

#include "engine/augment.h"
#include "engine/error.h"
#include "engine/model-file.h"
#include "engine/optimizer.h"
#include "engine/preprocess.h"
#include "engine/synth.h"

#define BATCH 128
/* rows per forward pass when computing features */
#define CHUNK 512
/* rows per forward or backward pass of the output layer alone: OpenBLAS keeps a product of
 * m·n·k < 262 144 (its SMP threshold × GEMM_MULTITHREAD_THRESHOLD) on the calling thread, and
 * 16 × 11 × 800 stays under it; shared between threads, such small products cost several
 * times more than they compute (2.9 s instead of 0.4 s for the leave-some-out of 30 samples
 * at load 10, same result) */
#define HEAD_ROWS 16
/* anchor images whose features are computed for the mix (a seeded random part of the set) */
#define N_ANCHOR 6000
/* "not a digit" examples (engine/synth.h) added to the anchor of an 11-output model whose
 * anchor set has none, cached under the user's cache folder in a folder of their own (the
 * generator prunes other recipes' files from the folder it caches in) */
#define N_NEGATIVES 1500
/* the share of a batch they fill when there are any: the share of "not a digit" examples in the
 * mix the built-in model is trained on (20 000 of 100 000) */
#define NEGATIVE_SHARE 0.2
#define NEGATIVES_CACHE "personalize"
/* distorted copies of each sample: COPIES_BUDGET / samples, within [MIN_COPIES, MAX_COPIES] */
#define COPIES_BUDGET 600
#define MIN_COPIES 2
#define MAX_COPIES 16
/* steps = steps_scale · (BASE_STEPS + STEPS_PER_SAMPLE · samples), at most MAX_STEPS */
#define BASE_STEPS 100
#define STEPS_PER_SAMPLE 3
#define MAX_STEPS 600
#define LEARNING_RATE 1e-3
/* the pull's coefficient at config->pull = 1: grads += PULL_COEFF · pull · (θ − θ_base) */
#define PULL_COEFF 0.01
#define MAX_ATTEMPTS 3
/* samples the leave-some-out reads at least (whole folds; all of them when there are fewer) */
#define HELDOUT_ENOUGH 60
/* the share of a run's progress that preparing the anchor takes */
#define ANCHOR_FRACTION 0.4

/* ---- paths, identity, metadata ----------------------------------------------------------- */

static char *
personal_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "digitpad", name, NULL);
}

char *
dp_personal_samples_path (void)
{
  return personal_path (DP_PERSONAL_SAMPLES_NAME);
}

char *
dp_personal_model_path (void)
{
  return personal_path (DP_PERSONAL_MODEL_NAME);
}

char *
dp_personalize_model_id (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, NULL);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  for (int l = 0; l <= net->n_layers; l++)
    {
      guint32 size = GUINT32_TO_LE ((guint32) net->sizes[l]);
      g_checksum_update (sum, (const guchar *) &size, sizeof size);
    }
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  g_checksum_update (sum, (const guchar *) net->params, net->n_params * sizeof (float));
#else
  for (gsize i = 0; i < net->n_params; i++)
    {
      guint32 bits;
      memcpy (&bits, &net->params[i], sizeof bits);
      bits = GUINT32_TO_LE (bits);
      g_checksum_update (sum, (const guchar *) &bits, sizeof bits);
    }
#endif
  return g_strdup (g_checksum_get_string (sum));
}

gboolean
dp_personalize_is_personal (const DpNetwork *net)
{
  return net != NULL && dp_network_get_meta (net, DP_META_PERSONAL_BASE) != NULL;
}

int
dp_personalize_sample_count (const DpNetwork *net)
{
  const char *s = dp_personalize_is_personal (net)
                      ? dp_network_get_meta (net, DP_META_PERSONAL_SAMPLES) : NULL;
  if (s == NULL)
    return 0;
  gint64 v = g_ascii_strtoll (s, NULL, 10);
  return (int) CLAMP (v, 0, G_MAXINT);
}

void
dp_personalize_config_default (DpPersonalizeConfig *config)
{
  *config = (DpPersonalizeConfig){
    .seed = 1,
    .steps_scale = 1.0,
    .personal_share = 0.5,
    .pull = 1.0,
    .max_anchor_drop = 0.3,
    .max_refused_drop = 2.0,
    .folds = 5,
    .check_heldout = TRUE,
  };
}

static gboolean
config_check (const DpPersonalizeConfig *c, GError **error)
{
  const char *field = NULL;
  if (!(c->steps_scale > 0 && c->steps_scale <= 100))
    field = "steps scale (more than 0, at most 100)";
  else if (!(c->personal_share > 0 && c->personal_share < 1))
    field = "personal share (between 0 and 1)";
  else if (!(c->pull >= 0 && c->pull <= 1e6))
    field = "pull (0 or more)";
  else if (!(c->max_anchor_drop >= 0 && c->max_anchor_drop <= 100))
    field = "largest MNIST drop (0 to 100 points)";
  else if (!(c->max_refused_drop >= 0 && c->max_refused_drop <= 100))
    field = "largest drop of \"not a digit\" answers (0 to 100 points)";
  else if (c->folds < 0 || c->folds == 1 || c->folds > 100)
    field = "folds (0, or 2 to 100)";
  if (field == NULL)
    return TRUE;
  g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "Invalid personalization setting: %s", field);
  return FALSE;
}

/* ---- features: the base's last hidden layer --------------------------------------------- */

typedef struct
{
  int n, dim;
  float *x;      /* (n, dim) */
  guint8 *y;     /* (n) */
} Features;

static void
features_clear (Features *f)
{
  g_clear_pointer (&f->x, g_free);
  g_clear_pointer (&f->y, g_free);
  f->n = 0;
}

/* the activations of the base's last hidden layer (the input itself for a one-layer network)
 * for images X (n, 784) */
static gboolean
features_compute (const DpNetwork *base, DpWorkspace *ws, const float *X, const guint8 *labels,
                  int n, Features *out, GCancellable *cancellable, GError **error)
{
  int L = base->n_layers, dim = base->sizes[L - 1];
  out->n = n;
  out->dim = dim;
  out->x = g_new (float, (gsize) MAX (n, 1) * dim);
  out->y = g_memdup2 (labels, MAX (n, 1));
  for (int r0 = 0; r0 < n; r0 += CHUNK)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      int B = MIN (CHUNK, n - r0);
      const float *x = X + (gsize) r0 * DP_INPUT_SIZE;
      dp_network_forward (base, ws, x, B, 0.0f, NULL);
      memcpy (out->x + (gsize) r0 * dim, L > 1 ? ws->act[L - 1] : x,
              (gsize) B * dim * sizeof (float));
    }
  return TRUE;
}

/* ---- the head: the output layer as a network of its own --------------------------------- */

static DpNetwork *
head_of (const DpNetwork *base)
{
  int L = base->n_layers;
  int sizes[2] = { base->sizes[L - 1], base->sizes[L] };
  DpNetwork *head = dp_network_new (sizes, 1, base->activation, base->loss);
  memcpy (head->params, base->params + dp_network_layer_offset (base, L - 1),
          head->n_params * sizeof (float));
  /* how the base answers (its temperature and refusal threshold): the head answers alike */
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, base->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    dp_network_set_meta (head, key, value);
  return head;
}

/* out (B, K) output activations of head → in place the probabilities the front ends show
 * (its temperature), from the logits they imply */
static void
calibrate_outputs (const DpNetwork *head, float *out, int B)
{
  int K = head->sizes[1];
  for (int i = 0; i < B * K; i++)
    {
      float p = CLAMP (out[i], 1e-30f, 1.0f - 1e-7f);
      out[i] = head->loss == DP_LOSS_SOFTMAX_CE ? logf (p) : logf (p / (1.0f - p));
    }
  dp_network_logits_to_probs (head->loss, out, B, K, dp_network_temperature (head));
}

/* how many rows of f (all, or those in rows[0..n_rows) when rows is not NULL) head reads right:
 * its answer as the front ends give it (dp_network_answer: the temperature, the refusal
 * threshold) is the label; "not a digit" on a digit is wrong */
static int
head_correct (const DpNetwork *head, DpWorkspace *ws, const Features *f, const int *rows,
              int n_rows, float *scratch)
{
  int K = head->sizes[1], correct = 0;
  float threshold = dp_network_refuse_threshold (head);
  for (int r0 = 0; r0 < n_rows; r0 += HEAD_ROWS)
    {
      int B = MIN (HEAD_ROWS, n_rows - r0);
      const float *x = f->x + (gsize) r0 * f->dim;
      if (rows != NULL)
        {
          for (int r = 0; r < B; r++)
            memcpy (scratch + (gsize) r * f->dim, f->x + (gsize) rows[r0 + r] * f->dim,
                    f->dim * sizeof (float));
          x = scratch;
        }
      float out[HEAD_ROWS * DP_MAX_CLASSES];
      memcpy (out, dp_network_forward (head, ws, x, B, 0.0f, NULL), B * K * sizeof (float));
      calibrate_outputs (head, out, B);
      for (int r = 0; r < B; r++)
        {
          int row = rows != NULL ? rows[r0 + r] : r0 + r;
          correct += dp_network_answer (out + r * K, K, threshold) == f->y[row];
        }
    }
  return correct;
}

/* ---- the prepared anchor ------------------------------------------------------------------ */

struct _DpPersonalizeAnchor
{
  DpNetwork *base;       /* a copy */
  DpNetwork *base_head;  /* its output layer */
  int K, dim;
  Features anchor;       /* the part of anchor_train mixed in (and generated negatives) */
  int n_negatives;       /* of them, "not a digit" */
  int *negative_rows;    /* (n_negatives) their rows */
  int *digit_rows;       /* (anchor.n - n_negatives) the others' */
  Features test;         /* anchor_test */
  double test_before;    /* the base's accuracy on it */
  double refused_before; /* the share of the anchor's negatives the base refuses; -1 without */
};

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct
{
  const DpPersonalizeConfig *config;
  DpPersonalizeProgressFunc progress;
  gpointer progress_data;
  GCancellable *cancellable;
  gint64 t0;
  double frac0;         /* where this run's progress starts (the anchor's preparation before) */

  const DpPersonalizeAnchor *a;
  int K, dim;
  Features personal;   /* every personal image: sample s's rows are [s·per, (s+1)·per), the
                          first of them undistorted */
  int per;             /* rows per sample: 1 + copies */
  int n_samples;       /* used */
  int *fold;           /* (n_samples) */

  DpWorkspace *head_ws; /* max batch HEAD_ROWS */
  float *batch_x;       /* (BATCH, dim) */
  guint8 *batch_y;      /* (BATCH) */
  float *theta0;        /* the base head's params */
} Run;

static void
report_progress (Run *run, DpPersonalizeStage stage, const char *what, double fraction)
{
  if (run->progress == NULL)
    return;
  DpPersonalizeProgress p = {
    .stage = stage,
    .what = what,
    .fraction = CLAMP (run->frac0 + (1 - run->frac0) * fraction, 0.0, 1.0),
    .elapsed_s = (g_get_monotonic_time () - run->t0) / (double) G_USEC_PER_SEC,
  };
  run->progress (&p, run->progress_data);
}

static int
steps_for (const Run *run, int n_train_samples)
{
  double steps = BASE_STEPS + STEPS_PER_SAMPLE * (double) n_train_samples;
  steps = MIN (steps, MAX_STEPS) * run->config->steps_scale;
  return MAX (1, (int) lround (steps));
}

static double
share_for (const Run *run, int n_train_samples, double share_factor)
{
  double full = run->config->personal_share * share_factor;
  return full * MIN (1.0, n_train_samples / (double) DP_PERSONALIZE_FULL_SHARE_SAMPLES);
}

/* Trains a head from the base's on the personal samples whose fold is not skip_fold (all when
 * skip_fold < 0) and the anchor. NULL when cancelled. */
static DpNetwork *
train_head (Run *run, int skip_fold, double share, double pull, int steps, guint64 stream,
            DpPersonalizeStage stage, double frac0, double frac1, GError **error)
{
  g_autofree int *pool = g_new (int, MAX (1, run->personal.n));
  int n_pool = 0;
  for (int s = 0; s < run->n_samples; s++)
    if (skip_fold < 0 || run->fold[s] != skip_fold)
      for (int k = 0; k < run->per; k++)
        pool[n_pool++] = s * run->per + k;

  g_autoptr (DpNetwork) head = dp_network_copy (run->a->base_head);
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_ADAM, head, 0.0, FALSE, 0.0);
  DpRng rng;
  dp_rng_init (&rng, run->config->seed ^ (0x9e3779b97f4a7c15ull * (stream + 1)));
  int n_personal = n_pool > 0 ? (int) lround (share * BATCH) : 0;
  n_personal = CLAMP (n_personal, n_pool > 0 ? 1 : 0, BATCH - 1);
  /* "not a digit" examples keep their share of the batch whatever the personal share: the
   * samples take the place of anchor digits only */
  int n_negative = run->a->n_negatives > 0 ? (int) lround (NEGATIVE_SHARE * BATCH) : 0;
  if (run->a->n_negatives == run->a->anchor.n)
    n_negative = BATCH - n_personal;
  n_negative = MIN (n_negative, BATCH - n_personal);
  int dim = run->dim;
  float coeff = (float) (PULL_COEFF * pull);
  for (int step = 0; step < steps; step++)
    {
      if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
        return NULL;
      for (int r = 0; r < BATCH; r++)
        {
          const DpPersonalizeAnchor *a = run->a;
          const Features *f = r < n_personal ? &run->personal : &a->anchor;
          int row;
          if (r < n_personal)
            row = pool[dp_rng_below (&rng, n_pool)];
          else if (r < n_personal + n_negative)
            row = a->negative_rows[dp_rng_below (&rng, a->n_negatives)];
          else
            row = a->digit_rows[dp_rng_below (&rng, a->anchor.n - a->n_negatives)];
          memcpy (run->batch_x + (gsize) r * dim, f->x + (gsize) row * dim,
                  dim * sizeof (float));
          run->batch_y[r] = f->y[row];
        }
      for (int r0 = 0; r0 < BATCH; r0 += HEAD_ROWS)
        {
          dp_network_forward (head, run->head_ws, run->batch_x + (gsize) r0 * dim, HEAD_ROWS,
                              0.0f, NULL);
          dp_network_backward (head, run->head_ws, run->batch_y + r0, HEAD_ROWS, 1.0f / BATCH,
                               r0 > 0);
        }
      float *g = run->head_ws->grads;
      for (gsize i = 0; i < head->n_params; i++)
        g[i] += coeff * (head->params[i] - run->theta0[i]);
      dp_optimizer_step (opt, head, g, LEARNING_RATE);
      if (step % 32 == 31)
        report_progress (run, stage, NULL, frac0 + (frac1 - frac0) * (step + 1) / steps);
    }
  return g_steal_pointer (&head);
}

static double
test_accuracy (const DpPersonalizeAnchor *a, const DpNetwork *head, DpWorkspace *head_ws)
{
  return head_correct (head, head_ws, &a->test, NULL, a->test.n, NULL) / (double) a->test.n;
}

/* "No sample to learn from: …" with why the records were skipped (empty: those without ink) */
static void
set_no_sample_error (GPtrArray *samples, int K, int empty, GError **error)
{
  int unknown = 0, refusals = 0;
  for (guint i = 0; i < samples->len; i++)
    {
      const DpStrokesRecord *rec = g_ptr_array_index (samples, i);
      if (rec->label == DP_CLASS_NOT_A_DIGIT && K <= DP_CLASS_NOT_A_DIGIT)
        refusals++;
      else if (rec->label < 0 || rec->label >= K)
        unknown++;
    }
  g_autoptr (GString) why = g_string_new (NULL);
  if (samples->len == 0)
    g_string_append (why, "there are no samples");
  if (unknown > 0)
    g_string_append_printf (why, "%d without a digit label", unknown);
  if (refusals > 0)
    g_string_append_printf (why, "%s%d labelled \"not a digit\", which this model cannot "
                            "answer", why->len ? ", " : "", refusals);
  if (empty > 0)
    g_string_append_printf (why, "%s%d without ink", why->len ? ", " : "", empty);
  g_set_error (error, DP_ERROR, DP_ERROR_INVALID, "No sample to learn from: %s", why->str);
}

/* how many records have a label the model answers */
static int
count_labelled (GPtrArray *samples, int K)
{
  int n = 0;
  for (guint i = 0; i < samples->len; i++)
    {
      const DpStrokesRecord *rec = g_ptr_array_index (samples, i);
      n += rec->label >= 0 && rec->label < K;
    }
  return n;
}

/* renders the usable samples and their distorted copies: *images (rows, 784) and their labels,
 * sample s's rows at [s·per, (s+1)·per), the first undistorted; fills the report's counts */
static gboolean
render_samples (Run *run, GPtrArray *samples, float **images, guint8 **images_labels,
                DpPersonalizeReport *report, GError **error)
{
  int n = samples->len;
  g_autofree float *clean = g_new (float, (gsize) MAX (n, 1) * DP_INPUT_SIZE);
  g_autofree guint8 *labels = g_new (guint8, MAX (n, 1));
  int used = 0, empty = 0;
  for (int i = 0; i < n; i++)
    {
      const DpStrokesRecord *rec = g_ptr_array_index (samples, i);
      if (rec->label < 0 || rec->label >= run->K)
        continue;
      g_autoptr (GError) local = NULL;
      if (!dp_preprocess_strokes (rec->strokes, clean + (gsize) used * DP_INPUT_SIZE, &local))
        {
          empty++;
          continue;
        }
      labels[used++] = (guint8) rec->label;
    }
  report->n_samples = n;
  report->n_used = used;
  report->n_skipped = n - used;
  if (used == 0)
    {
      set_no_sample_error (samples, run->K, empty, error);
      return FALSE;
    }

  int copies = CLAMP (COPIES_BUDGET / used, MIN_COPIES, MAX_COPIES);
  run->per = 1 + copies;
  run->n_samples = used;
  /* milder than training's distortions: a person's samples already vary, and must stay theirs */
  DpAugmentParams mild;
  dp_augment_params_default (&mild);
  mild.rotate_deg *= 0.5f;
  mild.scale *= 0.5f;
  mild.shear *= 0.5f;
  mild.shift_px *= 0.67f;
  mild.elastic_alpha *= 0.6f;
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&mild);
  DpRng rng;
  dp_rng_init (&rng, run->config->seed ^ 0xa5a5a5a5deadbeefull);
  int rows = used * run->per;
  float *X = g_new (float, (gsize) rows * DP_INPUT_SIZE);
  guint8 *Y = g_new (guint8, rows);
  for (int s = 0; s < used; s++)
    {
      const float *src = clean + (gsize) s * DP_INPUT_SIZE;
      float *dst = X + (gsize) s * run->per * DP_INPUT_SIZE;
      memcpy (dst, src, DP_INPUT_SIZE * sizeof (float));
      for (int k = 1; k < run->per; k++)
        dp_augmenter_apply (aug, src, dst + (gsize) k * DP_INPUT_SIZE, &rng);
      memset (Y + s * run->per, labels[s], run->per);
    }
  *images = X;
  *images_labels = Y;
  return TRUE;
}

/* the rows of ds whose label the model has, or the first `limit` of a seeded random order of
 * them (limit > 0), as images and labels */
static int
pick_rows (const DpDataset *ds, int K, int limit, guint64 seed, float **images, guint8 **labels)
{
  g_autofree guint32 *idx = g_new (guint32, MAX (ds->n, 1));
  int n = 0;
  for (int i = 0; i < ds->n; i++)
    if (ds->labels[i] < K)
      idx[n++] = (guint32) i;
  if (limit > 0 && n > limit)
    {
      DpRng rng;
      dp_rng_init (&rng, seed);
      dp_rng_shuffle (&rng, idx, n);
      n = limit;
    }
  *images = g_new (float, (gsize) MAX (n, 1) * DP_INPUT_SIZE);
  *labels = g_new (guint8, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      memcpy (*images + (gsize) i * DP_INPUT_SIZE, ds->images + (gsize) idx[i] * DP_INPUT_SIZE,
              DP_INPUT_SIZE * sizeof (float));
      (*labels)[i] = ds->labels[idx[i]];
    }
  return n;
}

static void
run_clear (Run *run)
{
  features_clear (&run->personal);
  g_clear_pointer (&run->fold, g_free);
  g_clear_pointer (&run->head_ws, dp_workspace_free);
  g_clear_pointer (&run->batch_x, g_free);
  g_clear_pointer (&run->batch_y, g_free);
  g_clear_pointer (&run->theta0, g_free);
}

/* the personal images through the base's hidden layers */
static gboolean
prepare_samples (Run *run, GPtrArray *samples, DpPersonalizeReport *report, GError **error)
{
  report_progress (run, DP_PERSONALIZE_STAGE_SAMPLES, "Reading your samples", 0.0);
  g_autofree float *X = NULL;
  g_autofree guint8 *Y = NULL;
  if (!render_samples (run, samples, &X, &Y, report, error))
    return FALSE;
  g_autoptr (DpWorkspace) ws = dp_workspace_new (run->a->base, CHUNK, FALSE);
  report->n_read += run->n_samples * run->per;
  return features_compute (run->a->base, ws, X, Y, run->n_samples * run->per, &run->personal,
                           run->cancellable, error);
}

/* Appends N_NEGATIVES generated "not a digit" examples to the anchor rows (*X, *Y, *n). The
 * same recipe every time (the generator's default seed), so a run stays deterministic; cached
 * after the first run. */
static gboolean
add_negatives (const DpDataset *anchor_train, float **X, guint8 **Y, int *n,
               GCancellable *cancellable, GError **error)
{
  DpSynthRecipe recipe;
  dp_synth_recipe_default (&recipe);
  recipe.n_digits = 0;
  recipe.n_negatives = N_NEGATIVES;
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "digitpad",
                                             NEGATIVES_CACHE, NULL);
  g_autoptr (DpDataset) neg = dp_synth_load_or_generate (&recipe, anchor_train, cache, 0, NULL,
                                                         NULL, cancellable, NULL, error);
  if (neg == NULL)
    return FALSE;
  int total = *n + neg->n;
  *X = g_renew (float, *X, (gsize) total * DP_INPUT_SIZE);
  *Y = g_renew (guint8, *Y, total);
  memcpy (*X + (gsize) *n * DP_INPUT_SIZE, neg->images,
          (gsize) neg->n * DP_INPUT_SIZE * sizeof (float));
  memcpy (*Y + *n, neg->labels, neg->n);
  *n = total;
  return TRUE;
}

/* the share of the anchor's "not a digit" examples that head refuses; -1 when it has none */
static double
negatives_refused (const DpPersonalizeAnchor *a, const DpNetwork *head, DpWorkspace *head_ws)
{
  if (a->n_negatives == 0)
    return -1;
  g_autofree int *rows = g_new (int, a->n_negatives);
  int k = 0;
  for (int i = 0; i < a->anchor.n; i++)
    if (a->anchor.y[i] == DP_CLASS_NOT_A_DIGIT)
      rows[k++] = i;
  g_autofree float *scratch = g_new (float, (gsize) HEAD_ROWS * a->dim);
  return head_correct (head, head_ws, &a->anchor, rows, k, scratch) / (double) k;
}

void
dp_personalize_anchor_free (DpPersonalizeAnchor *a)
{
  if (a == NULL)
    return;
  g_clear_pointer (&a->base, dp_network_free);
  g_clear_pointer (&a->base_head, dp_network_free);
  features_clear (&a->anchor);
  features_clear (&a->test);
  g_free (a->negative_rows);
  g_free (a->digit_rows);
  g_free (a);
}

static gboolean
check_base (const DpNetwork *base, GError **error)
{
  int K = dp_network_n_outputs (base);
  if (base->sizes[0] == DP_INPUT_SIZE && (K == DP_N_CLASSES || K == DP_MAX_CLASSES))
    return TRUE;
  g_autofree char *sizes = dp_network_describe_sizes (base);
  g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
               "A %s network is not a digit model (784 inputs, 10 or 11 outputs)", sizes);
  return FALSE;
}

DpPersonalizeAnchor *
dp_personalize_anchor_new (const DpNetwork *base, const DpDataset *anchor_train,
                           const DpDataset *anchor_test, guint64 seed,
                           GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (base != NULL && anchor_train != NULL && anchor_test != NULL, NULL);
  if (!check_base (base, error))
    return NULL;
  g_autoptr (DpPersonalizeAnchor) a = g_new0 (DpPersonalizeAnchor, 1);
  a->base = dp_network_copy (base);
  a->base_head = head_of (base);
  a->K = dp_network_n_outputs (base);
  a->dim = base->sizes[base->n_layers - 1];
  g_autoptr (DpWorkspace) ws = dp_workspace_new (base, CHUNK, FALSE);
  g_autofree float *X = NULL;
  g_autofree guint8 *Y = NULL;
  int n = pick_rows (anchor_train, a->K, N_ANCHOR, seed ^ 0x5eed5eed5eedull, &X, &Y);
  if (n == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "The anchor set has no image with a label this model answers");
      return NULL;
    }
  if (a->K > DP_CLASS_NOT_A_DIGIT && memchr (Y, DP_CLASS_NOT_A_DIGIT, n) == NULL
      && !add_negatives (anchor_train, &X, &Y, &n, cancellable, error))
    return NULL;
  a->negative_rows = g_new (int, n);
  a->digit_rows = g_new (int, n);
  for (int i = 0, d = 0; i < n; i++)
    if (Y[i] == DP_CLASS_NOT_A_DIGIT)
      a->negative_rows[a->n_negatives++] = i;
    else
      a->digit_rows[d++] = i;
  if (!features_compute (base, ws, X, Y, n, &a->anchor, cancellable, error))
    return NULL;
  g_clear_pointer (&X, g_free);
  g_clear_pointer (&Y, g_free);
  n = pick_rows (anchor_test, a->K, 0, 0, &X, &Y);
  if (n == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "The test set has no image with a label this model answers");
      return NULL;
    }
  if (!features_compute (base, ws, X, Y, n, &a->test, cancellable, error))
    return NULL;
  g_autoptr (DpWorkspace) head_ws = dp_workspace_new (a->base_head, HEAD_ROWS, FALSE);
  a->test_before = test_accuracy (a, a->base_head, head_ws);
  a->refused_before = negatives_refused (a, a->base_head, head_ws);
  return g_steal_pointer (&a);
}

int
dp_personalize_anchor_n_read (const DpPersonalizeAnchor *a)
{
  return a->anchor.n + a->test.n;
}

/* the leave-some-out before → after, with the settings the personal model was trained with */
static gboolean
measure_heldout (Run *run, double share_factor, double pull, DpPersonalizeReport *report,
                 GError **error)
{
  int folds = MIN (run->config->folds, run->n_samples);
  if (folds < 2)
    return TRUE;
  run->fold = g_new (int, run->n_samples);
  g_autofree guint32 *order = g_new (guint32, run->n_samples);
  for (int s = 0; s < run->n_samples; s++)
    order[s] = (guint32) s;
  DpRng rng;
  dp_rng_init (&rng, run->config->seed ^ 0xf01df01df01dull);
  dp_rng_shuffle (&rng, order, run->n_samples);
  for (int i = 0; i < run->n_samples; i++)
    run->fold[order[i]] = i % folds;

  /* the folds held out in turn: enough of them to read HELDOUT_ENOUGH samples (all of them for
   * a few dozen samples, one fold of 300) */
  int per_fold = run->n_samples / folds;
  int measured = MIN (folds, (HELDOUT_ENOUGH + per_fold - 1) / MAX (per_fold, 1));
  g_autofree int *rows = g_new (int, run->n_samples);
  g_autofree float *scratch = g_new (float, (gsize) HEAD_ROWS * run->dim);
  int before = 0, after = 0, n_heldout = 0;
  for (int f = 0; f < measured; f++)
    {
      int n_in = 0, n_out = 0;
      for (int s = 0; s < run->n_samples; s++)
        if (run->fold[s] == f)
          rows[n_out++] = s * run->per; /* the undistorted image of each sample */
        else
          n_in++;
      double frac = 0.7 + 0.3 * f / measured;
      g_autoptr (DpNetwork) head = train_head (
          run, f, share_for (run, n_in, share_factor), pull, steps_for (run, n_in), 100 + f,
          DP_PERSONALIZE_STAGE_HELDOUT, frac, frac + 0.3 / measured, error);
      if (head == NULL)
        return FALSE;
      before += head_correct (run->a->base_head, run->head_ws, &run->personal, rows, n_out,
                              scratch);
      after += head_correct (head, run->head_ws, &run->personal, rows, n_out, scratch);
      n_heldout += n_out;
    }
  report->n_heldout = n_heldout;
  report->heldout_before = before / (double) n_heldout;
  report->heldout_after = after / (double) n_heldout;
  return TRUE;
}

static char *
format_pair (double a, double b)
{
  char x[G_ASCII_DTOSTR_BUF_SIZE], y[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (x, sizeof x, "%.4f", a);
  g_ascii_formatd (y, sizeof y, "%.4f", b);
  return g_strdup_printf ("%s %s", x, y);
}

static DpNetwork *
personal_model (const Run *run, const DpNetwork *head, const DpPersonalizeReport *report)
{
  DpNetwork *net = dp_network_copy (run->a->base);
  memcpy (net->params + dp_network_layer_offset (net, net->n_layers - 1), head->params,
          head->n_params * sizeof (float));
  g_autofree char *id = dp_personalize_model_id (run->a->base);
  g_autofree char *count = g_strdup_printf ("%d", report->n_used);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *anchor = format_pair (report->anchor_before, report->anchor_after);
  char accuracy[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (accuracy, sizeof accuracy, "%.4f", report->anchor_after);
  dp_network_set_meta (net, DP_META_PERSONAL_BASE, id);
  dp_network_set_meta (net, DP_META_PERSONAL_SAMPLES, count);
  dp_network_set_meta (net, DP_META_PERSONAL_CREATED, created);
  dp_network_set_meta (net, DP_META_PERSONAL_ANCHOR, anchor);
  dp_network_set_meta (net, DP_META_TEST_ACCURACY, accuracy);
  if (report->n_heldout > 0)
    {
      g_autofree char *heldout = format_pair (report->heldout_before, report->heldout_after);
      dp_network_set_meta (net, DP_META_PERSONAL_HELDOUT, heldout);
    }
  return net;
}

/* steps 3 to 5 of the run (the features are ready) */
static DpNetwork *
personalize (Run *run, DpPersonalizeReport *report, GError **error)
{
  const DpPersonalizeConfig *config = run->config;
  report->anchor_before = run->a->test_before;
  double share_factor = 1.0, pull = config->pull;
  double allowed = config->max_anchor_drop / 100.0;
  g_autoptr (DpNetwork) head = NULL;
  int steps = steps_for (run, run->n_samples);
  gboolean mnist_ok = FALSE, refusal_ok = FALSE;
  for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      if (attempt > 0)
        {
          /* MNIST dropped too much: less of the samples in each batch, a stronger pull */
          share_factor *= 0.5;
          pull = MAX (pull, 1.0) * 4.0;
        }
      report->personal_share = share_for (run, run->n_samples, share_factor);
      report->steps = steps;
      report->attempts = attempt + 1;
      g_clear_pointer (&head, dp_network_free);
      double frac = 0.1 + 0.6 * attempt / MAX_ATTEMPTS, frac1 = frac + 0.6 / MAX_ATTEMPTS;
      report_progress (run, DP_PERSONALIZE_STAGE_TRAIN, "Learning your handwriting", frac);
      head = train_head (run, -1, report->personal_share, pull, steps, attempt,
                         DP_PERSONALIZE_STAGE_TRAIN, frac, frac1, error);
      if (head == NULL)
        return NULL;
      report_progress (run, DP_PERSONALIZE_STAGE_CHECK, "Checking MNIST", frac1);
      report->anchor_after = test_accuracy (run->a, head, run->head_ws);
      report->refused_after = negatives_refused (run->a, head, run->head_ws);
      /* compared in whole test images, so that 0.3 points of 10 000 allows 30, not 29 */
      int n_test = run->a->test.n;
      double drop_images = (report->anchor_before - report->anchor_after) * n_test;
      mnist_ok = drop_images <= allowed * n_test + 1e-6;
      refusal_ok = report->refused_after
                   >= report->refused_before - config->max_refused_drop / 100.0 - 1e-9;
      if (mnist_ok && refusal_ok)
        {
          report->accepted = TRUE;
          break;
        }
    }

  report_progress (run, DP_PERSONALIZE_STAGE_HELDOUT, "Measuring on your samples", 0.7);
  if (!measure_heldout (run, share_factor, pull, report, error))
    return NULL;
  if (!mnist_ok)
    g_snprintf (report->reason, sizeof report->reason,
                "The personal model would read MNIST at %.2f %% instead of %.2f %% (a drop of "
                "more than %.2f points): kept the current model",
                100.0 * report->anchor_after, 100.0 * report->anchor_before,
                config->max_anchor_drop);
  else if (!refusal_ok)
    g_snprintf (report->reason, sizeof report->reason,
                "The personal model would answer \"not a digit\" to %.1f %% of the examples "
                "instead of %.1f %% (a drop of more than %.1f points): kept the current model",
                100.0 * report->refused_after, 100.0 * report->refused_before,
                config->max_refused_drop);
  else if (config->check_heldout && report->n_heldout > 0
           && report->heldout_after < report->heldout_before)
    {
      /* trained without them, it reads the person's own drawings worse than the base does */
      report->accepted = FALSE;
      g_snprintf (report->reason, sizeof report->reason,
                  "The personal model would read your own drawings worse (each held out in "
                  "turn: %.1f %% instead of %.1f %%): kept the current model",
                  100.0 * report->heldout_after, 100.0 * report->heldout_before);
    }
  if (!report->accepted)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_REFUSED, "%s", report->reason);
      return NULL;
    }
  report_progress (run, DP_PERSONALIZE_STAGE_HELDOUT, "Done", 1.0);
  return personal_model (run, head, report);
}

/* the run from a prepared anchor: t0 is when the call began; the progress fractions of this
 * part go from frac0 to 1 */
static DpNetwork *
run_with_anchor (const DpPersonalizeAnchor *anchor, GPtrArray *samples,
                 const DpPersonalizeConfig *config, DpPersonalizeProgressFunc progress,
                 gpointer progress_data, GCancellable *cancellable, DpPersonalizeReport *report,
                 gint64 t0, double frac0, GError **error)
{
  Run run = {
    .config = config,
    .progress = progress,
    .progress_data = progress_data,
    .cancellable = cancellable,
    .t0 = t0,
    .frac0 = frac0,
    .a = anchor,
    .K = anchor->K,
    .dim = anchor->dim,
  };
  report->n_anchor = anchor->anchor.n;
  report->n_negatives = anchor->n_negatives;
  report->anchor_before = anchor->test_before;
  report->refused_before = anchor->refused_before;
  run.head_ws = dp_workspace_new (anchor->base_head, HEAD_ROWS, FALSE);
  run.batch_x = g_new (float, (gsize) BATCH * run.dim);
  run.batch_y = g_new (guint8, BATCH);
  run.theta0 = g_memdup2 (anchor->base_head->params,
                          anchor->base_head->n_params * sizeof (float));
  DpNetwork *result = NULL;
  if (prepare_samples (&run, samples, report, error))
    result = personalize (&run, report, error);
  report->seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
  run_clear (&run);
  return result;
}

/* the report before a run: nothing measured yet */
static void
report_init (DpPersonalizeReport *report)
{
  *report = (DpPersonalizeReport){ .heldout_before = -1, .heldout_after = -1,
                                   .anchor_before = -1, .anchor_after = -1,
                                   .refused_before = -1, .refused_after = -1 };
}

DpNetwork *
dp_personalize_run_anchored (const DpPersonalizeAnchor *anchor, GPtrArray *samples,
                             const DpPersonalizeConfig *config,
                             DpPersonalizeProgressFunc progress, gpointer progress_data,
                             GCancellable *cancellable, DpPersonalizeReport *report_out,
                             GError **error)
{
  g_return_val_if_fail (anchor != NULL && samples != NULL, NULL);
  gint64 t0 = g_get_monotonic_time ();
  DpPersonalizeConfig defaults;
  dp_personalize_config_default (&defaults);
  DpPersonalizeReport scratch_report;
  DpPersonalizeReport *report = report_out != NULL ? report_out : &scratch_report;
  report_init (report);
  if (!config_check (config != NULL ? config : &defaults, error))
    return NULL;
  return run_with_anchor (anchor, samples, config != NULL ? config : &defaults, progress,
                          progress_data, cancellable, report, t0, 0.0, error);
}

DpNetwork *
dp_personalize_run (const DpNetwork *base, GPtrArray *samples, const DpDataset *anchor_train,
                    const DpDataset *anchor_test, const DpPersonalizeConfig *config,
                    DpPersonalizeProgressFunc progress, gpointer progress_data,
                    GCancellable *cancellable, DpPersonalizeReport *report_out, GError **error)
{
  g_return_val_if_fail (base != NULL && samples != NULL, NULL);
  g_return_val_if_fail (anchor_train != NULL && anchor_test != NULL, NULL);
  gint64 t0 = g_get_monotonic_time ();
  DpPersonalizeConfig defaults;
  dp_personalize_config_default (&defaults);
  if (config == NULL)
    config = &defaults;
  DpPersonalizeReport scratch_report;
  DpPersonalizeReport *report = report_out != NULL ? report_out : &scratch_report;
  report_init (report);
  if (!config_check (config, error))
    return NULL;
  /* no labelled sample: said before the MNIST part's work */
  if (!check_base (base, error))
    return NULL;
  if (count_labelled (samples, dp_network_n_outputs (base)) == 0)
    {
      report->n_samples = report->n_skipped = samples->len;
      set_no_sample_error (samples, dp_network_n_outputs (base), 0, error);
      return NULL;
    }
  if (progress != NULL)
    {
      DpPersonalizeProgress p = { DP_PERSONALIZE_STAGE_ANCHOR, "Preparing MNIST", 0.0, 0.0 };
      progress (&p, progress_data);
    }
  g_autoptr (DpPersonalizeAnchor) anchor = dp_personalize_anchor_new (
      base, anchor_train, anchor_test, config->seed, cancellable, error);
  if (anchor == NULL)
    {
      report->seconds = (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC;
      return NULL;
    }
  report->n_read = dp_personalize_anchor_n_read (anchor);
  return run_with_anchor (anchor, samples, config, progress, progress_data, cancellable, report,
                          t0, ANCHOR_FRACTION, error);
}
