/* train.h: training a DpNetwork on a DpDataset: presets, mini-batch SGD / momentum / Adam with a
 * learning-rate schedule, full-batch L-BFGS (liblbfgs), dropout, augmentation, determinism by
 * seed. The loop reports through callbacks (called on the training thread) and never prints. */
#pragma once

#include <gio/gio.h>

#include "engine/dataset.h"
#include "engine/network.h"

G_BEGIN_DECLS

typedef enum
{
  DP_OPTIMIZER_SGD,
  DP_OPTIMIZER_MOMENTUM, /* with nesterov optional */
  DP_OPTIMIZER_ADAM,
  DP_OPTIMIZER_LBFGS,    /* full batch; epochs = iterations */
} DpOptimizerKind;

typedef enum
{
  DP_SCHEDULE_CONSTANT,
  DP_SCHEDULE_STEP,   /* × 0.1 at 50 % and 75 % of the epochs */
  DP_SCHEDULE_COSINE, /* cosine decay to 0 over the run */
} DpSchedule;

/* What a run trains on (the CLI's --train-data, the Train page's "Data" row). */
typedef enum
{
  DP_TRAIN_SET_MNIST, /* MNIST's 60 000 digits; a 10-output model */
  DP_TRAIN_SET_MIX,   /* MNIST + digits from fonts and single-stroke Hershey fonts + "not a digit"
                          examples (engine/synth.h); an 11-output model */
} DpTrainSet;

typedef struct
{
  char preset[16];               /* "quick", … or "" for custom */
  int n_hidden;                  /* hidden layers */
  int hidden[DP_MAX_LAYERS - 1]; /* their sizes */
  DpActivation activation;
  DpLoss loss;
  DpInit init;
  DpOptimizerKind optimizer;
  double lr;
  double momentum;               /* momentum optimizer's coefficient */
  gboolean nesterov;
  DpSchedule schedule;
  int batch;
  int epochs;                    /* L-BFGS: iterations */
  double l2;                     /* λ: loss += λ/(2·N_train) Σ w² over weights, not biases */
  double dropout;                /* drop probability of hidden units, 0 = off */
  gboolean augment;              /* random affine + elastic distortions each epoch */
  guint64 seed;
  int limit;                     /* train on the first N images; 0 = all */
  DpTrainSet data;               /* recorded in the recipe; MIX trains 11 outputs */
  int holdout;                   /* training images (a seeded random choice) kept out of training
                                    to fit the calibration temperature; 0 = none (temperature 1) */
  int threads;                   /* compute threads; 0 = as many as cores. They are OpenBLAS's
                                    threads; the engine starts no other compute thread. The count
                                    is process-wide: a run changes it only when it differs from
                                    openblas_get_num_threads () and puts it back after. A program
                                    that calls BLAS on another thread during a run (the GUI
                                    predicting) must set the count once at startup to what it
                                    passes here, so that a run never resizes the pool while that
                                    thread is inside a BLAS call */
} DpTrainConfig;

/* A preset: a named recipe. dp_train_presets () is the one table of them, in the order they are
 * shown; the CLI's --preset, the app's preset row and its summaries all come from it. */
typedef struct
{
  const char *id;         /* "quick": in files, the CLI and config.preset */
  const char *title;      /* "Quick": for people */
  const char *summary;    /* one line: what it is and what it reaches */
  DpTrainConfig config;   /* its config.preset is id */
} DpTrainPreset;

#define DP_TRAIN_DEFAULT_PRESET "quick"

const DpTrainPreset *dp_train_presets     (guint *n_out);
/* the presets' ids, NULL-terminated, in table order */
const char * const *dp_train_preset_names (void);
/* the preset called name (NULL when there is none) */
const DpTrainPreset *dp_train_preset_find (const char *name);
gboolean  dp_train_preset            (const char *name, DpTrainConfig *out, GError **error);

/* The fields of a DpTrainConfig that validation can find wrong. */
typedef enum
{
  DP_TRAIN_FIELD_NONE,
  DP_TRAIN_FIELD_HIDDEN,
  DP_TRAIN_FIELD_ACTIVATION,
  DP_TRAIN_FIELD_LOSS,
  DP_TRAIN_FIELD_INIT,
  DP_TRAIN_FIELD_OPTIMIZER,
  DP_TRAIN_FIELD_SCHEDULE,
  DP_TRAIN_FIELD_LR,
  DP_TRAIN_FIELD_BATCH,
  DP_TRAIN_FIELD_MOMENTUM,
  DP_TRAIN_FIELD_EPOCHS,
  DP_TRAIN_FIELD_L2,
  DP_TRAIN_FIELD_DROPOUT,
  DP_TRAIN_FIELD_AUGMENT,
  DP_TRAIN_FIELD_LIMIT,
  DP_TRAIN_FIELD_THREADS,
  DP_TRAIN_FIELD_DATA,
  DP_TRAIN_FIELD_HOLDOUT,
} DpTrainField;

/* "hidden", "lr", …: the name the messages quote ("" for NONE) */
const char *dp_train_field_name      (DpTrainField field);
/* checks every field; the message names the field, DP_ERROR_INVALID */
gboolean  dp_train_config_validate   (const DpTrainConfig *config, GError **error);
/* the same, and *field (when not NULL) = the field found wrong, DP_TRAIN_FIELD_NONE when valid */
gboolean  dp_train_config_check      (const DpTrainConfig *config, DpTrainField *field,
                                      GError **error);
/* one line, the recipe stored in the model's metadata and shown to people */
char     *dp_train_config_describe   (const DpTrainConfig *config);

/* name tables (DpName, network.h): entry i is enum value i */
const DpName *dp_optimizer_names     (guint *n_out);
const DpName *dp_schedule_names      (guint *n_out);
const DpName *dp_train_set_names     (guint *n_out);
const char *dp_train_set_to_string   (DpTrainSet s);
gboolean    dp_train_set_from_string  (const char *s, DpTrainSet *out);
const char *dp_optimizer_to_string   (DpOptimizerKind o);
gboolean    dp_optimizer_from_string (const char *s, DpOptimizerKind *out);
/* "constant", "step", "cosine" (from_string ignores ASCII case) */
const char *dp_schedule_to_string    (DpSchedule s);
gboolean    dp_schedule_from_string  (const char *s, DpSchedule *out);

typedef struct
{
  int epoch, n_epochs;   /* 1-based */
  int batch, n_batches;  /* 1-based within the epoch */
  double loss;           /* mean loss of the recent batches */
  double samples_per_s;
  double elapsed_s;
  double eta_s;
} DpTrainProgress;

typedef struct
{
  int epoch, n_epochs;
  double train_loss;
  double train_accuracy; /* on the batches as trained (running), 0..1 */
  double test_accuracy;  /* 0..1, or -1 without a test set */
  double seconds;        /* this epoch's time */
} DpEpochResult;

typedef struct
{
  /* Both run on the training thread; keep them short (copy a few numbers and return). */
  void (*progress)   (const DpTrainProgress *p, gpointer user_data);
  void (*epoch_done) (const DpEpochResult *r, gpointer user_data);
  gpointer user_data;
} DpTrainCallbacks;

/* the outputs a run with this config trains: 10, or 11 (DP_TRAIN_SET_MIX) */
int       dp_train_config_n_outputs  (const DpTrainConfig *config);

/* Trains a new network from config on train (test may be NULL). Returns it with metadata recipe
 * and test_accuracy set, or NULL with error: G_IO_ERROR_CANCELLED when cancellable was
 * cancelled (checked at least every batch), DP_ERROR_INVALID for a bad config. */
DpNetwork *dp_train_run (const DpTrainConfig *config, const DpDataset *train,
                         const DpDataset *test, const DpTrainCallbacks *callbacks,
                         GCancellable *cancellable, GError **error);
/* The labels must be below the run's output count (a "not a digit" label, 10, needs
 * DP_TRAIN_SET_MIX), else DP_ERROR_INVALID naming the image. With config->holdout > 0, that many
 * of the first config->limit (or all) images, a random choice drawn from config->seed, are kept
 * out of training; after training the temperature that minimises their negative log-likelihood is
 * stored in metadata DP_META_TEMPERATURE, with their expected calibration error before and after
 * it (DP_META_CALIBRATION_ECE_BEFORE, DP_META_CALIBRATION_ECE) and their count
 * (DP_META_CALIBRATION_HOLDOUT). An 11-output model then gets its refusal threshold
 * (DP_META_REFUSE_THRESHOLD): the lowest p("not a digit"), at least 0.5, that refuses at most
 * DP_REFUSE_DIGIT_SHARE of the held-out digits, and the shares of held-out digits and negatives
 * it refuses (DP_META_REFUSE_HOLDOUT_DIGITS, DP_META_REFUSE_HOLDOUT_NEGATIVES). */
#define DP_REFUSE_DIGIT_SHARE 0.002

G_END_DECLS
