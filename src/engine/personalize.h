/* personalize.h: a personal model, derived in seconds from a base model and a person's own
 * drawings (personal samples: strokes + label, a strokes file, engine/strokes-file.h).
 *
 * How (issue 13): only the output layer is trained. The base network's hidden layers are kept as
 * they are, so the last hidden layer's activations of every image are computed once per run (one
 * forward pass), and the output layer is fine-tuned on them:
 *   - the personal samples, rendered through dp_preprocess_strokes (the pad's own path) and
 *     lightly distorted (engine/augment.h at milder settings than training's), mixed with
 *   - the anchor: a seeded random part of anchor_train (MNIST train; for a model with the "not a
 *     digit" output, "not a digit" examples too, so that the refusal keeps working),
 *   - with the personal share of each batch and the number of steps growing with the number of
 *     samples (a few corrections must not fill half of every batch), and an L2 pull of the
 *     output layer toward the base's.
 * Then the safety check: the accuracy on anchor_test (MNIST test; a "not a digit" answer counts
 * as wrong) before and after, and for an 11-output model the share of the anchor's "not a
 * digit" examples it refuses; when the first drops by more than max_anchor_drop or the second
 * by more than max_refused_drop, the model is trained again with half the personal share and
 * four times the pull (at most 3 trainings), and then refused (the base stays the model in
 * use). The before → after on the person's own writing is
 * measured by leave-some-out: the samples are split into folds; each fold is held out in turn
 * while a model is trained on the others, and its samples are read by the base and by that
 * model (every fold for a few dozen samples; for more, as many folds as hold 60 samples). A model that reads them worse than the base is refused too. The model returned is
 * trained on all the samples.
 *
 * Re-personalizing always starts again from the base given, never from an earlier personal
 * model: pass the base (the built-in model, or the model the user chose), not the personal one.
 * The same base, samples, anchor and config (seed) give the same model bit for bit (with the
 * same OpenBLAS thread count).
 *
 * No GTK, no threads of its own: run it in a worker (the app: a GTask, as DpTrainer does); the
 * progress callback is called on that thread. Its compute threads are OpenBLAS's, as many as
 * the process has set (train.h: DpTrainConfig.threads); it does not change that count. */
#pragma once

#include <gio/gio.h>

#include "engine/dataset.h"
#include "engine/network.h"
#include "engine/strokes-file.h"

G_BEGIN_DECLS

/* ---- where a person's data lives -------------------------------------------------------------
 *
 * Both under $XDG_DATA_HOME/digitpad/ (g_get_user_data_dir ()): the samples as a strokes file
 * (appended one record at a time, dp_strokes_file_append), the personal model beside it (saved
 * atomically, dp_model_save). Newly allocated paths; the folder is not created. */
#define DP_PERSONAL_SAMPLES_NAME "samples.ndjson"
#define DP_PERSONAL_MODEL_NAME   "personal-model.safetensors"

char *dp_personal_samples_path (void);
char *dp_personal_model_path   (void);

/* ---- the personal model's metadata (strings, as every model metadata) -------------------------
 * A personal model keeps its base's metadata (recipe, temperature, how it rejects, …) and adds: */
#define DP_META_PERSONAL_BASE     "personal_base"     /* dp_personalize_model_id (base) */
#define DP_META_PERSONAL_SAMPLES  "personal_samples"  /* "30": samples trained on */
#define DP_META_PERSONAL_CREATED  "personal_created"  /* "2026-11-29T18:40:00Z" (UTC) */
#define DP_META_PERSONAL_HELDOUT  "personal_heldout"  /* "0.9000 0.9667": before after */
#define DP_META_PERSONAL_ANCHOR   "personal_anchor"   /* "0.9953 0.9947": MNIST before after */
/* and DP_META_TEST_ACCURACY (model-file.h) becomes the MNIST test accuracy after */

/* The identity of a model's weights: the SHA-256 (hex) of its layer sizes and parameters, so
 * that the same weights have the same id whatever their metadata or file. The app checks a
 * personal model's DP_META_PERSONAL_BASE against its base with it (a personal model made from
 * another base is stale). */
char     *dp_personalize_model_id  (const DpNetwork *net);
/* Whether net is a personal model (has DP_META_PERSONAL_BASE). */
gboolean  dp_personalize_is_personal (const DpNetwork *net);
/* The sample count of a personal model, 0 for another model ("Personal model · 30 samples"). */
int       dp_personalize_sample_count (const DpNetwork *net);

/* ---- the run -------------------------------------------------------------------------------- */

typedef struct
{
  guint64 seed;            /* every random choice (anchor part, folds, distortions, batches) */
  double steps_scale;      /* × the number of fine-tuning steps the sample count asks for (1) */
  double personal_share;   /* the largest share of personal images in a batch, reached from
                              DP_PERSONALIZE_FULL_SHARE_SAMPLES samples on (0.5); fewer samples
                              get proportionally less */
  double pull;             /* strength of the L2 pull toward the base's output layer (1 =
                              the tuned default; 0 = none) */
  double max_anchor_drop;  /* refuse when the anchor_test accuracy drops by more than this,
                              in points of a percent (0.3) */
  double max_refused_drop; /* … or when the share of the anchor's "not a digit" examples
                              answered "not a digit" drops by more than this, in points (2) */
  int folds;               /* leave-some-out folds for the before → after (5); 0 = skip it
                              (report's heldout_* are then -1); fewer samples than folds: one
                              fold a sample */
  gboolean check_heldout;  /* refuse a model that reads the held-out samples worse than the
                              base does (TRUE) */
} DpPersonalizeConfig;

#define DP_PERSONALIZE_FULL_SHARE_SAMPLES 30

void dp_personalize_config_default (DpPersonalizeConfig *config);

typedef enum
{
  DP_PERSONALIZE_STAGE_SAMPLES,  /* rendering and distorting the personal samples */
  DP_PERSONALIZE_STAGE_ANCHOR,   /* the hidden activations of the anchor images */
  DP_PERSONALIZE_STAGE_HELDOUT,  /* the leave-some-out models */
  DP_PERSONALIZE_STAGE_TRAIN,    /* the personal model */
  DP_PERSONALIZE_STAGE_CHECK,    /* anchor_test before and after */
} DpPersonalizeStage;

typedef struct
{
  DpPersonalizeStage stage;
  const char *what;      /* the stage for people: "Reading your samples", … (not translated) */
  double fraction;       /* of the whole run, 0 … 1 */
  double elapsed_s;
} DpPersonalizeProgress;

typedef void (*DpPersonalizeProgressFunc) (const DpPersonalizeProgress *progress,
                                           gpointer user_data);

typedef struct
{
  int n_samples;          /* records given */
  int n_used;             /* of them trained on (a label the model has, a drawing with ink) */
  int n_skipped;          /* the others: unknown label, "not a digit" for a 10-output model,
                             no ink */
  int n_anchor;           /* anchor images mixed in */
  int n_negatives;        /* of them, "not a digit" examples (an 11-output model) */
  int n_read;             /* images this call read through the base's hidden layers: the samples
                             and their distorted copies, and for dp_personalize_run the anchor
                             images and anchor_test */
  int steps;              /* fine-tuning steps of the personal model */
  double personal_share;  /* of each batch */
  int attempts;           /* trainings of the personal model: 1, or up to 3 when MNIST dropped
                             too much and it was trained again with half the personal share and
                             four times the pull */
  int n_heldout;          /* samples read in the leave-some-out: n_used up to 60 or so, about 60
                             from there on, 0 without it */
  double heldout_before;  /* their accuracy with the base, 0 … 1; -1 when not measured */
  double heldout_after;   /* with the model trained without them */
  double anchor_before;   /* anchor_test accuracy, 0 … 1 */
  double anchor_after;
  double refused_before;  /* the share of the anchor's "not a digit" examples answered "not a
                             digit" (trained on, so a check that the refusal still works, not a
                             measure of it); -1 without them */
  double refused_after;
  double seconds;         /* the whole run */
  gboolean accepted;      /* FALSE: refused (the error says why); the figures above still hold */
  char reason[256];       /* why refused, for people ("" when accepted) */
} DpPersonalizeReport;

/* ---- a prepared anchor: the part of a run that depends only on the base ----------------------
 *
 * The hidden activations of the anchor part and of anchor_test for one base model (about two
 * thirds of a run's work). A program that personalizes the same base again (more samples, a
 * corrected label) can keep one and call dp_personalize_run_anchored: the same model as
 * dp_personalize_run with the same seed, in a fraction of the time. It holds its own copy of
 * the base; read-only once made, so one thread at a time or several readers. */
typedef struct _DpPersonalizeAnchor DpPersonalizeAnchor;

/* NULL with DP_ERROR_INVALID (not a digit model, no usable anchor image) or
 * G_IO_ERROR_CANCELLED. seed chooses the anchor part (dp_personalize_run passes config->seed). */
DpPersonalizeAnchor *dp_personalize_anchor_new   (const DpNetwork *base,
                                                  const DpDataset *anchor_train,
                                                  const DpDataset *anchor_test, guint64 seed,
                                                  GCancellable *cancellable, GError **error);
void                 dp_personalize_anchor_free  (DpPersonalizeAnchor *anchor);
/* the images it read through the base */
int                  dp_personalize_anchor_n_read (const DpPersonalizeAnchor *anchor);

/* Derives a personal model from base (not changed; 10 or 11 outputs) and samples
 * (DpStrokesRecord*, labels 0 … 9, or DP_CLASS_NOT_A_DIGIT for an 11-output model).
 * anchor_train: the images mixed in (MNIST train; labels up to 10). For an 11-output model
 * whose anchor_train has no "not a digit" image, 1 500 "not a digit" examples are generated
 * (engine/synth.h, its default seed; cached in $XDG_CACHE_HOME/digitpad/personalize after the
 * first run, which takes a few seconds more) and mixed in. anchor_test: the safety check (MNIST test). config NULL = the
 * defaults. progress may be NULL. report (may be NULL) is filled as far as the run went.
 *
 * Returns the personal model (metadata as above), or NULL with error:
 *   DP_ERROR_INVALID: no usable sample (the message says why the records were skipped), a
 *     base that is not a digit model, a bad config;
 *   DP_ERROR_REFUSED (error.h): the anchor_test accuracy would drop by more than max_anchor_drop
 *     ("The personal model would read MNIST at 99.10 % instead of 99.53 % (…): kept the current
 *     model"), or the refusal of "not a digit" examples by more than max_refused_drop, or the
 *     held-out samples would be read worse than by the base; the report holds
 *     every figure, report->accepted is FALSE and report->reason is the message;
 *   G_IO_ERROR_CANCELLED: cancellable was cancelled (checked between steps).
 * Needs no more than a few seconds for hundreds of samples (see `digitpad-cli bench`). */
DpNetwork *dp_personalize_run (const DpNetwork *base, GPtrArray *samples,
                               const DpDataset *anchor_train, const DpDataset *anchor_test,
                               const DpPersonalizeConfig *config,
                               DpPersonalizeProgressFunc progress, gpointer progress_data,
                               GCancellable *cancellable, DpPersonalizeReport *report,
                               GError **error);

/* The same from a prepared anchor (its base, anchor part and test set); the anchor's seed, not
 * config->seed, chose the anchor part. */
DpNetwork *dp_personalize_run_anchored (const DpPersonalizeAnchor *anchor, GPtrArray *samples,
                                        const DpPersonalizeConfig *config,
                                        DpPersonalizeProgressFunc progress,
                                        gpointer progress_data, GCancellable *cancellable,
                                        DpPersonalizeReport *report, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpPersonalizeAnchor, dp_personalize_anchor_free)

G_END_DECLS
