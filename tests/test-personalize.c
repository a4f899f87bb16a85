/* test-personalize.c: personal models (engine/personalize.h).
 *
 * Without MNIST: the paths, the model identity, and the run's contract on a small network and a
 * small anchor made of drawings (determinism by seed, the base untouched, the metadata, skipped
 * records, bad input, cancellation, 11 outputs).
 *
 * With MNIST (DIGITPAD_MNIST_DIR) and the shipped model: simulated writers (tests/writers.h),
 * each with a consistent style. With 3 samples of every digit, a writer's OTHER drawings must be
 * read at least as well as before and better on average, MNIST test within 0.3 points; with
 * corrections only (the drawings the model got wrong), no writer worse, MNIST within 0.3 points.
 * The figures are printed. */
#include <math.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/personalize.h"
#include "test-util.h"
#include "writers.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* the drawings as a data set (rendered through the pad's path) */
static DpDataset *
dataset_of (GPtrArray *records)
{
  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->n = records->len;
  ds->images = g_new (float, (gsize) ds->n * DP_INPUT_SIZE);
  ds->labels = g_new (guint8, ds->n);
  for (int i = 0; i < ds->n; i++)
    {
      const DpStrokesRecord *r = g_ptr_array_index (records, i);
      g_autoptr (GError) error = NULL;
      g_assert_true (dp_preprocess_strokes (r->strokes, ds->images + (gsize) i * DP_INPUT_SIZE,
                                            &error));
      g_assert_no_error (error);
      ds->labels[i] = (guint8) r->label;
    }
  return ds;
}

/* the share of records net reads as their label */
static double
accuracy_on (const DpNetwork *net, GPtrArray *records, int *n_correct)
{
  g_autoptr (DpDataset) ds = dataset_of (records);
  g_autofree guint8 *pred = g_new (guint8, MAX (ds->n, 1));
  dp_network_classify (net, ds->images, ds->n, pred, NULL);
  int c = 0;
  for (int i = 0; i < ds->n; i++)
    c += pred[i] == ds->labels[i];
  if (n_correct)
    *n_correct = c;
  return ds->n ? c / (double) ds->n : 0;
}

/* every writer's drawings, n per digit: a stand-in anchor for the tests without MNIST */
static GPtrArray *
all_writers (int n_per_digit, guint64 seed)
{
  GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  for (int w = 0; w < DP_N_WRITERS; w++)
    {
      g_autoptr (GPtrArray) one = dp_writer_samples (&dp_writers[w], n_per_digit, seed + w);
      g_ptr_array_extend_and_steal (all, g_steal_pointer (&one));
    }
  return all;
}

static DpNetwork *
small_network (int n_outputs)
{
  int sizes[] = { DP_INPUT_SIZE, 24, n_outputs };
  DpNetwork *net = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  DpRng rng;
  dp_rng_init (&rng, 7);
  dp_network_init (net, DP_INIT_HE, &rng);
  dp_network_set_meta (net, DP_META_RECIPE, "a test network");
  return net;
}

static gboolean
params_equal (const DpNetwork *a, const DpNetwork *b)
{
  return a->n_params == b->n_params
         && memcmp (a->params, b->params, a->n_params * sizeof (float)) == 0;
}

/* ---- without MNIST ------------------------------------------------------------------------ */

/* under $XDG_DATA_HOME/digitpad (main points it to a temporary folder) */
static void
test_paths (void)
{
  g_autofree char *samples = dp_personal_samples_path ();
  g_autofree char *model = dp_personal_model_path ();
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "digitpad", NULL);
  g_autofree char *want_samples = g_build_filename (dir, "samples.ndjson", NULL);
  g_autofree char *want_model = g_build_filename (dir, "personal-model.safetensors", NULL);
  g_assert_cmpstr (samples, ==, want_samples);
  g_assert_cmpstr (model, ==, want_model);
}

static void
test_model_id (void)
{
  g_autoptr (DpNetwork) a = small_network (10);
  g_autoptr (DpNetwork) b = dp_network_copy (a);
  dp_network_set_meta (b, DP_META_RECIPE, "another story");
  g_autofree char *ida = dp_personalize_model_id (a);
  g_autofree char *idb = dp_personalize_model_id (b);
  g_assert_cmpuint (strlen (ida), ==, 64);
  g_assert_cmpstr (ida, ==, idb); /* the metadata is not the identity */
  b->params[b->n_params - 1] += 1e-3f;
  g_autofree char *idc = dp_personalize_model_id (b);
  g_assert_cmpstr (ida, !=, idc);
  /* the same weights through a file: the same id */
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (dp_model_save (a, path, &error));
  g_autoptr (DpNetwork) back = dp_model_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *idd = dp_personalize_model_id (back);
  g_assert_cmpstr (ida, ==, idd);
  g_assert_false (dp_personalize_is_personal (a));
  g_assert_cmpint (dp_personalize_sample_count (a), ==, 0);
  dp_test_rmdir (dir);
}

typedef struct
{
  int calls;
  double last_fraction;
  gboolean monotonic;
  GCancellable *cancel_at_train;
} Progress;

static void
on_progress (const DpPersonalizeProgress *p, gpointer data)
{
  Progress *pr = data;
  if (p->fraction < pr->last_fraction)
    pr->monotonic = FALSE;
  pr->last_fraction = p->fraction;
  pr->calls++;
  if (pr->cancel_at_train && p->stage == DP_PERSONALIZE_STAGE_TRAIN)
    g_cancellable_cancel (pr->cancel_at_train);
}

static void
check_small_run (int n_outputs)
{
  g_autoptr (DpNetwork) base = small_network (n_outputs);
  if (n_outputs == DP_MAX_CLASSES)
    {
      /* it answers through a temperature and a refusal threshold: so must the checks */
      dp_network_set_meta (base, DP_META_TEMPERATURE, "0.5");
      dp_network_set_meta (base, DP_META_REFUSE_THRESHOLD, "0.6");
    }
  g_autoptr (DpNetwork) base_copy = dp_network_copy (base);
  g_autoptr (GPtrArray) anchor_records = all_writers (4, 100);
  g_autoptr (GPtrArray) test_records = all_writers (2, 200);
  g_autoptr (DpDataset) anchor = dataset_of (anchor_records);
  g_autoptr (DpDataset) test = dataset_of (test_records);
  g_autoptr (GPtrArray) samples = dp_writer_samples (&dp_writers[0], 2, 300);
  /* records it cannot learn from: unknown label, "not a digit" (for a 10-output model), no ink */
  g_autoptr (DpStrokes) dot = dp_strokes_new ();
  g_ptr_array_add (samples, dp_strokes_record_new (((DpStrokesRecord *) samples->pdata[0])->strokes,
                                                   DP_LABEL_UNKNOWN, "unknown", 0));
  g_ptr_array_add (samples, dp_strokes_record_new (((DpStrokesRecord *) samples->pdata[1])->strokes,
                                                   DP_CLASS_NOT_A_DIGIT, "scribble", 0));
  g_ptr_array_add (samples, dp_strokes_record_new (dot, 3, "empty", 0));

  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  /* a random network: nothing to keep safe here */
  config.max_anchor_drop = 100;
  config.max_refused_drop = 100;
  config.check_heldout = FALSE;
  Progress pr = { .monotonic = TRUE };
  DpPersonalizeReport report;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) p1 = dp_personalize_run (base, samples, anchor, test, &config,
                                                 on_progress, &pr, NULL, &report, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p1);
  g_assert_true (report.accepted);
  g_assert_cmpstr (report.reason, ==, "");
  g_assert_true (params_equal (base, base_copy)); /* the base is not changed */
  g_assert_false (params_equal (base, p1));
  g_assert_cmpint (p1->sizes[p1->n_layers], ==, n_outputs);
  /* only the output layer moves */
  gsize last = dp_network_layer_offset (base, base->n_layers - 1);
  g_assert_cmpint (memcmp (base->params, p1->params, last * sizeof (float)), ==, 0);

  int with_refusals = n_outputs == DP_MAX_CLASSES; /* "not a digit" is a label it has */
  g_assert_cmpint (report.n_samples, ==, 23);
  g_assert_cmpint (report.n_used, ==, 20 + with_refusals);
  g_assert_cmpint (report.n_skipped, ==, 3 - with_refusals);
  g_assert_cmpint (report.n_heldout, ==, report.n_used);
  g_assert_true (report.heldout_before >= 0 && report.heldout_before <= 1);
  g_assert_true (report.heldout_after >= 0 && report.heldout_after <= 1);
  g_assert_true (report.anchor_before >= 0 && report.anchor_after <= 1);
  /* an 11-output model's anchor gets "not a digit" examples when the anchor set has none */
  g_assert_cmpint (report.n_anchor, ==, anchor->n + report.n_negatives);
  g_assert_cmpint (report.n_negatives, ==, with_refusals ? 1500 : 0);
  if (with_refusals)
    g_assert_true (report.refused_before >= 0 && report.refused_after >= 0);
  else
    g_assert_true (report.refused_before == -1 && report.refused_after == -1);
  g_assert_cmpint (report.steps, >, 0);
  /* "before" is what the base answers, as the front ends get it */
  g_autofree guint8 *pred = g_new (guint8, test->n);
  dp_network_classify (base, test->images, test->n, pred, NULL);
  int right = 0;
  for (int i = 0; i < test->n; i++)
    right += pred[i] == test->labels[i];
  g_assert_cmpfloat_with_epsilon (report.anchor_before, right / (double) test->n, 1e-9);
  dp_network_classify (p1, test->images, test->n, pred, NULL);
  right = 0;
  for (int i = 0; i < test->n; i++)
    right += pred[i] == test->labels[i];
  g_assert_cmpfloat_with_epsilon (report.anchor_after, right / (double) test->n, 1e-9);
  g_assert_true (report.seconds > 0);
  g_assert_true (pr.calls >= 4 && pr.monotonic);
  g_assert_cmpfloat (pr.last_fraction, ==, 1.0);

  /* the metadata: the base's, plus where it comes from */
  g_autofree char *base_id = dp_personalize_model_id (base);
  g_assert_cmpstr (dp_network_get_meta (p1, DP_META_PERSONAL_BASE), ==, base_id);
  g_assert_cmpstr (dp_network_get_meta (p1, DP_META_RECIPE), ==, "a test network");
  g_assert_true (dp_personalize_is_personal (p1));
  g_assert_cmpint (dp_personalize_sample_count (p1), ==, report.n_used);
  g_assert_nonnull (dp_network_get_meta (p1, DP_META_PERSONAL_CREATED));
  g_assert_nonnull (dp_network_get_meta (p1, DP_META_PERSONAL_HELDOUT));
  g_assert_nonnull (dp_network_get_meta (p1, DP_META_PERSONAL_ANCHOR));
  /* and it survives a file */
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "p.safetensors", NULL);
  g_assert_true (dp_model_save (p1, path, &error));
  g_autoptr (DpNetwork) back = dp_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dp_personalize_sample_count (back), ==, report.n_used);
  dp_test_rmdir (dir);

  /* the same seed: the same weights; another seed: others */
  g_autoptr (DpNetwork) p2 = dp_personalize_run (base, samples, anchor, test, &config, NULL, NULL,
                                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (params_equal (p1, p2));
  config.seed = 2;
  g_autoptr (DpNetwork) p3 = dp_personalize_run (base, samples, anchor, test, &config, NULL, NULL,
                                                 NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (params_equal (p1, p3));
  /* no leave-some-out: the same personal model, no before → after */
  config.seed = 1;
  config.folds = 0;
  g_autoptr (DpNetwork) p4 = dp_personalize_run (base, samples, anchor, test, &config, NULL, NULL,
                                                 NULL, &report, &error);
  g_assert_no_error (error);
  g_assert_true (params_equal (p1, p4));
  g_assert_cmpint (report.n_heldout, ==, 0);
  g_assert_cmpfloat (report.heldout_before, ==, -1);
  g_assert_null (dp_network_get_meta (p4, DP_META_PERSONAL_HELDOUT));

  /* from a prepared anchor: the same model, and the anchor serves again */
  config.folds = 5;
  g_autoptr (DpPersonalizeAnchor) prepared = dp_personalize_anchor_new (base, anchor, test, 1,
                                                                         NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dp_personalize_anchor_n_read (prepared), ==,
                   anchor->n + test->n + report.n_negatives);
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (DpNetwork) p5 = dp_personalize_run_anchored (prepared, samples, &config, NULL,
                                                              NULL, NULL, &report, &error);
      g_assert_no_error (error);
      g_assert_true (params_equal (p1, p5));
      g_assert_cmpint (report.n_used, ==, 20 + with_refusals);
    }
}

static void
test_small_run (void)
{
  check_small_run (DP_N_CLASSES);
}

static void
test_small_run_11 (void)
{
  check_small_run (DP_MAX_CLASSES);

  /* the anchor's "not a digit" examples taught as digits, most of every batch, no pull, ten
   * times the steps: a base that refuses them would refuse fewer of them. Without the check the
   * first training is kept; with it (no drop allowed) it is trained again with less of the
   * samples and a stronger pull until the refusals are kept */
  g_autoptr (DpNetwork) base = small_network (DP_MAX_CLASSES);
  dp_network_bias (base, base->n_layers - 1)[DP_CLASS_NOT_A_DIGIT] = 1; /* it refuses a lot */
  g_autoptr (GPtrArray) anchor_records = all_writers (2, 100);
  g_autoptr (DpDataset) anchor = dataset_of (anchor_records);
  /* its own few "not a digit" examples (so none are generated): the anchor's last 10 images */
  for (int i = anchor->n - 10; i < anchor->n; i++)
    anchor->labels[i] = DP_CLASS_NOT_A_DIGIT;
  g_autoptr (GPtrArray) samples = g_ptr_array_new_with_free_func (
      (GDestroyNotify) dp_strokes_record_free);
  for (guint i = anchor_records->len - 10; i < anchor_records->len; i++)
    {
      const DpStrokesRecord *rec = anchor_records->pdata[i];
      g_ptr_array_add (samples, dp_strokes_record_new (rec->strokes, rec->label, NULL, 0));
    }
  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  config.max_anchor_drop = 100;
  config.check_heldout = FALSE;
  config.personal_share = 0.9;
  config.pull = 0;
  config.steps_scale = 10;
  config.max_refused_drop = 100;
  DpPersonalizeReport report;
  g_autoptr (GError) error = NULL;
  g_autoptr (DpNetwork) unchecked = dp_personalize_run (base, samples, anchor, anchor, &config,
                                                        NULL, NULL, NULL, &report, &error);
  g_assert_no_error (error);
  g_test_message ("unchecked: \"not a digit\" answers %.3f -> %.3f, %d tries",
                  report.refused_before, report.refused_after, report.attempts);
  g_assert_cmpint (report.attempts, ==, 1);
  g_assert_cmpfloat (report.refused_after, <, report.refused_before);
  config.max_refused_drop = 0;
  g_autoptr (DpNetwork) checked = dp_personalize_run (base, samples, anchor, anchor, &config,
                                                      NULL, NULL, NULL, &report, &error);
  g_assert_no_error (error);
  g_test_message ("checked: \"not a digit\" answers %.3f -> %.3f, %d tries",
                  report.refused_before, report.refused_after, report.attempts);
  g_assert_cmpint (report.attempts, >, 1);
  g_assert_cmpfloat (report.refused_after, >=, report.refused_before);
}

static void
test_bad_input (void)
{
  g_autoptr (DpNetwork) base = small_network (10);
  g_autoptr (GPtrArray) anchor_records = all_writers (1, 100);
  g_autoptr (DpDataset) anchor = dataset_of (anchor_records);
  g_autoptr (GError) error = NULL;
  DpPersonalizeReport report;

  /* no sample at all, or none usable: the message says why */
  g_autoptr (GPtrArray) none = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  g_assert_null (dp_personalize_run (base, none, anchor, anchor, NULL, NULL, NULL, NULL, &report,
                                     &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "No sample", "no samples", NULL);
  g_clear_error (&error);
  g_autoptr (GPtrArray) unusable = dp_writer_samples (&dp_writers[1], 1, 5);
  for (guint i = 0; i < unusable->len; i++)
    ((DpStrokesRecord *) unusable->pdata[i])->label = i % 2 ? DP_LABEL_UNKNOWN
                                                            : DP_CLASS_NOT_A_DIGIT;
  g_assert_null (dp_personalize_run (base, unusable, anchor, anchor, NULL, NULL, NULL, NULL,
                                     &report, &error));
  dp_test_assert_message (error, "5 without a digit label", "5 labelled \"not a digit\"", NULL);
  g_assert_cmpint (report.n_skipped, ==, 10);
  g_clear_error (&error);

  /* not a digit model */
  int sizes[] = { DP_INPUT_SIZE, 8, 4 };
  g_autoptr (DpNetwork) odd = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  g_autoptr (GPtrArray) samples = dp_writer_samples (&dp_writers[1], 1, 5);
  g_assert_null (dp_personalize_run (odd, samples, anchor, anchor, NULL, NULL, NULL, NULL, NULL,
                                     &error));
  dp_test_assert_message (error, "784-8-4", "not a digit model", NULL);
  g_clear_error (&error);

  /* a bad setting */
  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  config.personal_share = 1.5;
  g_assert_null (dp_personalize_run (base, samples, anchor, anchor, &config, NULL, NULL, NULL,
                                     NULL, &error));
  dp_test_assert_message (error, "personal share", NULL);
  g_clear_error (&error);

  /* cancelled while training: nothing comes back */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Progress pr = { .monotonic = TRUE, .cancel_at_train = cancel };
  g_assert_null (dp_personalize_run (base, samples, anchor, anchor, NULL, on_progress, &pr,
                                     cancel, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- simulated writers, MNIST and the shipped model ---------------------------------------- */

typedef struct
{
  DpNetwork *base;
  DpDataset *train, *test;
} Mnist;

static gboolean
mnist_setup (Mnist *m)
{
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    {
      g_test_skip ("MNIST not found (set DIGITPAD_MNIST_DIR)");
      return FALSE;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *model = g_build_filename (DP_SOURCE_DIR, "weights",
                                             "digitpad-default.safetensors", NULL);
  m->base = dp_model_load (model, &error);
  g_assert_no_error (error);
  m->train = dp_dataset_load_mnist (dir, TRUE, &error);
  g_assert_no_error (error);
  m->test = dp_dataset_load_mnist (dir, FALSE, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
mnist_clear (Mnist *m)
{
  g_clear_pointer (&m->base, dp_network_free);
  g_clear_pointer (&m->train, dp_dataset_free);
  g_clear_pointer (&m->test, dp_dataset_free);
}

/* drawings each writer makes to teach it, and others it is then judged on */
#define TEACH_PER_DIGIT 3
#define JUDGE_PER_DIGIT 6

static void
test_writers (void)
{
  Mnist m = { 0 };
  if (!mnist_setup (&m))
    return;
  DpPersonalizeConfig config;
  dp_personalize_config_default (&config);
  /* MNIST through the model once for every writer (dp_personalize_run would each time) */
  g_autoptr (GError) anchor_error = NULL;
  g_autoptr (DpPersonalizeAnchor) anchor = dp_personalize_anchor_new (
      m.base, m.train, m.test, config.seed, NULL, &anchor_error);
  g_assert_no_error (anchor_error);
  double sum_before = 0, sum_after = 0, sum_corr = 0;
  for (int w = 0; w < DP_N_WRITERS; w++)
    {
      const DpWriter *writer = &dp_writers[w];
      g_autoptr (GPtrArray) teach = dp_writer_samples (writer, TEACH_PER_DIGIT, 1000 + w);
      g_autoptr (GPtrArray) judge = dp_writer_samples (writer, JUDGE_PER_DIGIT, 2000 + w);
      int c_before;
      double before = accuracy_on (m.base, judge, &c_before);

      /* 3 of every digit */
      DpPersonalizeReport r;
      g_autoptr (GError) error = NULL;
      g_autoptr (DpNetwork) p = dp_personalize_run_anchored (anchor, teach, &config, NULL, NULL,
                                                             NULL, &r, &error);
      g_assert_no_error (error);
      int c_after;
      double after = accuracy_on (p, judge, &c_after);
      g_test_message ("writer %-44s 3 per digit: other drawings %5.1f %% -> %5.1f %% "
                      "(held-out %5.1f -> %5.1f), MNIST %.2f %% -> %.2f %%, %.2f s",
                      writer->name, 100 * before, 100 * after, 100 * r.heldout_before,
                      100 * r.heldout_after, 100 * r.anchor_before, 100 * r.anchor_after,
                      r.seconds);
      g_assert_true (r.accepted);
      g_assert_cmpint (c_after, >=, c_before);
      g_assert_cmpfloat (r.anchor_before - r.anchor_after, <=, 0.003 + 1e-9);
      sum_before += before;
      sum_after += after;

      /* corrections only: what it got wrong among the teaching drawings */
      g_autoptr (GPtrArray) wrong = g_ptr_array_new ();
      g_autoptr (DpDataset) ds = dataset_of (teach);
      g_autofree guint8 *pred = g_new (guint8, ds->n);
      dp_network_classify (m.base, ds->images, ds->n, pred, NULL);
      for (int i = 0; i < ds->n; i++)
        if (pred[i] != ds->labels[i])
          g_ptr_array_add (wrong, teach->pdata[i]);
      if (wrong->len == 0)
        {
          g_test_message ("writer %-44s corrections: none to make", writer->name);
          sum_corr += before;
          continue;
        }
      g_autoptr (DpNetwork) pc = dp_personalize_run_anchored (anchor, wrong, &config, NULL,
                                                              NULL, NULL, &r, &error);
      g_assert_no_error (error);
      int c_corr;
      double corr = accuracy_on (pc, judge, &c_corr);
      g_test_message ("writer %-44s %2u corrections: other drawings %5.1f %% -> %5.1f %%, "
                      "MNIST %.2f %% -> %.2f %%, %.2f s",
                      writer->name, wrong->len, 100 * before, 100 * corr,
                      100 * r.anchor_before, 100 * r.anchor_after, r.seconds);
      g_assert_true (r.accepted);
      g_assert_cmpint (c_corr, >=, c_before);
      g_assert_cmpfloat (r.anchor_before - r.anchor_after, <=, 0.003 + 1e-9);
      sum_corr += corr;
    }
  g_test_message ("mean over %d writers: %.1f %% -> %.1f %% (3 per digit), %.1f %% (corrections)",
                  DP_N_WRITERS, 100 * sum_before / DP_N_WRITERS, 100 * sum_after / DP_N_WRITERS,
                  100 * sum_corr / DP_N_WRITERS);
  g_assert_cmpfloat (sum_after, >, sum_before);

  /* a hand that contradicts itself (one drawing in five labelled as the next digit): trained
   * without them, the model reads the held-out drawings worse than the base: refused, even
   * with MNIST's check lifted */
  g_autoptr (GPtrArray) muddled = dp_writer_samples (&dp_writers[5], TEACH_PER_DIGIT, 77);
  for (guint i = 0; i < muddled->len; i += 5)
    {
      DpStrokesRecord *rec = muddled->pdata[i];
      rec->label = (rec->label + 1) % 10;
    }
  config.max_anchor_drop = 100;
  DpPersonalizeReport r;
  g_autoptr (GError) error = NULL;
  g_assert_null (dp_personalize_run_anchored (anchor, muddled, &config, NULL, NULL, NULL, &r,
                                              &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_REFUSED);
  dp_test_assert_message (error, "your own drawings worse", "kept the current model", NULL);
  g_assert_false (r.accepted);
  g_assert_cmpstr (r.reason, ==, error->message);
  g_assert_cmpfloat (r.heldout_after, <, r.heldout_before);
  mnist_clear (&m);
}

int
main (int argc, char **argv)
{
  /* One temporary home for the whole run, not G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74's
   * g_set_user_dirs, called between isolated tests, leaks the previous test's directory names
   * once they have been asked for (the "not a digit" examples' cache asks in every test), and
   * the ASan run counts that as a leak of ours. */
  g_autofree char *home = g_dir_make_tmp ("digitpad-test-personalize-XXXXXX", NULL);
  g_assert_nonnull (home);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *cache = g_build_filename (home, "cache", NULL);
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/personalize/paths", test_paths);
  g_test_add_func ("/engine/personalize/model-id", test_model_id);
  g_test_add_func ("/engine/personalize/small-run", test_small_run);
  g_test_add_func ("/engine/personalize/small-run-11", test_small_run_11);
  g_test_add_func ("/engine/personalize/bad-input", test_bad_input);
  g_test_add_func ("/engine/personalize/writers", test_writers);
  int status = g_test_run ();
  dp_test_rmdir (home);
  return status;
}
