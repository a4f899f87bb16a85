/* network.h: DpNetwork, a multi-layer perceptron of dense layers. All weights and biases live in
 * one float block (params) so that optimizers are one flat loop and a model file is one copy.
 * Layout of params, layer by layer: W (out, in) row-major, then b (out).
 *
 * This header is the contract the CLI, the GUI and the model files rely on; the training
 * internals (workspace, backward) are declared further down and used by train.c and the tests. */
#pragma once

#include <glib.h>

#include "engine/rng.h"

G_BEGIN_DECLS

#define DP_INPUT_SIZE  784 /* 28 × 28, ink = 1.0, MNIST-style centring */
#define DP_IMAGE_SIDE  28
#define DP_N_CLASSES   10 /* the digits 0 … 9 */
#define DP_CLASS_NOT_A_DIGIT 10 /* the eleventh output (and label) of a model that can refuse */
#define DP_MAX_CLASSES 11 /* outputs of a model: 10, or 11 with "not a digit" */
#define DP_MAX_LAYERS  16 /* dense layers, output layer included */

typedef enum
{
  DP_ACTIVATION_SIGMOID,
  DP_ACTIVATION_TANH,
  DP_ACTIVATION_RELU,
} DpActivation;

/* The output layer's activation and the loss go together. */
typedef enum
{
  DP_LOSS_SOFTMAX_CE, /* softmax outputs, cross-entropy */
  DP_LOSS_SIGMOID_CE, /* sigmoid outputs, one-vs-all cross-entropy (the classic tutorial) */
  DP_LOSS_MSE,        /* sigmoid outputs, mean squared error */
} DpLoss;

typedef enum
{
  DP_INIT_HE,      /* N(0, 2/in) */
  DP_INIT_XAVIER,  /* U(±sqrt(6/(in+out))) */
  DP_INIT_UNIFORM, /* U(±0.15), the classic tutorial's */
} DpInit;

typedef struct
{
  int n_layers;                  /* dense layers */
  int sizes[DP_MAX_LAYERS + 1];  /* sizes[0] = 784 … sizes[n_layers] = 10 */
  DpActivation activation;       /* every hidden layer */
  DpLoss loss;                   /* output activation + loss */
  float *params;                 /* (n_params) per layer: W (out, in), then b (out) */
  gsize n_params;
  GHashTable *metadata;          /* char* → char*, kept in the model file (recipe, accuracy, …) */
} DpNetwork;

/* sizes has n_layers + 1 entries; sizes[0] must be 784 and the last 10 for a digit model, but the
 * engine accepts any sizes (tests use tiny nets). params are zeroed. */
DpNetwork  *dp_network_new        (const int *sizes, int n_layers, DpActivation activation,
                                   DpLoss loss);
void        dp_network_free       (DpNetwork *net);
DpNetwork  *dp_network_copy       (const DpNetwork *net);
void        dp_network_init       (DpNetwork *net, DpInit init, DpRng *rng);

/* offset of layer l's W in params; its b follows at + sizes[l+1] * sizes[l] */
gsize       dp_network_layer_offset (const DpNetwork *net, int layer);
float      *dp_network_weights    (const DpNetwork *net, int layer); /* (out, in) */
float      *dp_network_bias       (const DpNetwork *net, int layer); /* (out) */

/* "784-100-10" */
char       *dp_network_describe_sizes (const DpNetwork *net);

void        dp_network_set_meta   (DpNetwork *net, const char *key, const char *value);
const char *dp_network_get_meta   (const DpNetwork *net, const char *key);

/* Output probabilities for one image: softmax, or sigmoid outputs normalised to sum to 1 for
 * display (the argmax is the sigmoid argmax, as the classic tutorial's predict()).
 * x (784), probs (10). Returns the predicted class. */
int         dp_network_predict    (const DpNetwork *net, const float *x, float *probs);

/* What the front ends show for one drawing. probs are calibrated (the model's temperature,
 * metadata DP_META_TEMPERATURE, divides the logits before the softmax). */
typedef struct
{
  int n_outputs;                 /* 10, or 11 when the model can say "not a digit" */
  float probs[DP_MAX_CLASSES];   /* (n_outputs); probs[DP_CLASS_NOT_A_DIGIT] when 11 */
  int answer;                    /* 0 … 9, or DP_CLASS_NOT_A_DIGIT */
  int closest_digit;             /* the most probable digit (= answer when answer is a digit) */
  float confidence;              /* probs[answer] */
} DpRecognition;

/* the temperatures a model may carry (metadata DP_META_TEMPERATURE): anything else is refused
 * when loading */
#define DP_TEMPERATURE_MIN 0.01
#define DP_TEMPERATURE_MAX 100.0

/* the network's output count: 10, or 11 with a "not a digit" output */
int         dp_network_n_outputs  (const DpNetwork *net);
gboolean    dp_network_can_refuse (const DpNetwork *net);
/* the calibration temperature (metadata "temperature"; 1 when absent or not a valid one) */
float       dp_network_temperature (const DpNetwork *net);
/* TRUE when text is a whole number from DP_TEMPERATURE_MIN to DP_TEMPERATURE_MAX; *out (may be
 * NULL) = it */
gboolean    dp_temperature_parse  (const char *text, float *out);
/* The p("not a digit") at or above which a model that can refuse says "not a digit" (metadata
 * DP_META_REFUSE_THRESHOLD, from 0.5 to 1, chosen by the trainer on its hold-out so that few
 * digits are refused); 0 when absent: then the most probable of the eleven classes answers. */
float       dp_network_refuse_threshold (const DpNetwork *net);
/* TRUE when text is a number from 0.5 to 1; *out (may be NULL) = it */
gboolean    dp_refuse_threshold_parse (const char *text, float *out);
/* The answer for calibrated probabilities probs (n_out) under threshold (see above): with 11
 * outputs and a threshold, "not a digit" when probs[10] >= threshold, else the most probable
 * digit; otherwise the most probable class. Every front end answers through this. */
int         dp_network_answer     (const float *probs, int n_out, float threshold);
/* x (784) → out: the answer, calibrated probabilities and the closest digit */
void        dp_network_recognise  (const DpNetwork *net, const float *x, DpRecognition *out);

/* Classify n images at once, in batches through GEMM. X (n, 784); pred (n) may be NULL;
 * probs (n, n_outputs) may be NULL; they are calibrated like dp_network_recognise's. */
void        dp_network_classify   (const DpNetwork *net, const float *X, int n, guint8 *pred,
                                   float *probs);
/* the same, and logits (n, n_outputs) (may be NULL): the output layer's values before the
 * temperature and the output activation (what calibration fits the temperature on) */
void        dp_network_classify_logits (const DpNetwork *net, const float *X, int n,
                                        guint8 *pred, float *probs, float *logits);
/* z (B, n_out) logits → in place the probabilities the front ends show: z / temperature, then the
 * loss's output activation (softmax, or sigmoids normalised to sum to 1) */
void        dp_network_logits_to_probs (DpLoss loss, float *z, int B, int n_out,
                                        float temperature);

/* A name table: entry i is enum value i; id is the name in files, the CLI and model metadata, title
 * the one shown to people (the app's dropdowns are built from these). */
typedef struct
{
  const char *id;
  const char *title;
} DpName;

const DpName *dp_activation_names   (guint *n_out);
const DpName *dp_loss_names         (guint *n_out);
const DpName *dp_init_names         (guint *n_out);

const char *dp_activation_to_string (DpActivation a);
gboolean    dp_activation_from_string (const char *s, DpActivation *out);
const char *dp_loss_to_string     (DpLoss l);
gboolean    dp_loss_from_string   (const char *s, DpLoss *out);
const char *dp_init_to_string     (DpInit i);
gboolean    dp_init_from_string   (const char *s, DpInit *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpNetwork, dp_network_free)

/* ---- Training internals (train.c, the tests, the benchmark) ----
 *
 * A DpWorkspace holds every buffer one training step needs, allocated once per run for a maximum
 * batch size, so that nothing is allocated inside the batch loop. Gradients live in one block in
 * the same layout as params, so the optimizer is one flat loop over both. */
typedef struct
{
  int max_batch;
  float *act[DP_MAX_LAYERS + 1];   /* act[0] = the batch input (borrowed, (B, sizes[0]));
                                      act[l] (max_batch, sizes[l]) after activation and dropout */
  float *delta[DP_MAX_LAYERS + 1]; /* delta[l] (max_batch, sizes[l]) = dLoss/dZ_l, l >= 1 */
  float *mask[DP_MAX_LAYERS + 1];  /* mask[l] (max_batch, sizes[l]) on hidden layers: 0 or
                                      1/(1-p) (inverted dropout); NULL when has_dropout is off */
  float *grads;                    /* (n_params) same layout as DpNetwork.params */
  gboolean has_dropout;
  gboolean dropout_active;         /* the last forward pass used the masks */
  float dropout_keep;              /* and their kept units' value, 1/(1-p) */
} DpWorkspace;

DpWorkspace *dp_workspace_new    (const DpNetwork *net, int max_batch, gboolean dropout);
void         dp_workspace_free   (DpWorkspace *ws);

/* Forward pass of B <= max_batch rows. X (B, sizes[0]) is borrowed until the backward pass.
 * dropout: drop probability of hidden units (0 = off; needs a workspace made with dropout and a
 * rng). Returns the output activations (B, sizes[n_layers]) inside ws. */
const float *dp_network_forward  (const DpNetwork *net, DpWorkspace *ws, const float *X, int B,
                                  float dropout, DpRng *rng);

/* Sum over the B rows of the per-sample loss (softmax-ce: -log p_y; sigmoid-ce: Σ_k of the
 * binary cross-entropies; mse: ½ Σ_k (h_k - y_k)²) of the outputs of the last forward pass.
 * No regularisation term. Computed in double. A NaN output gives a NaN loss, so a diverged run
 * shows as a non-finite loss. */
double       dp_network_loss     (const DpNetwork *net, const DpWorkspace *ws,
                                  const guint8 *labels, int B);

/* Backward pass after dp_network_forward: ws->grads = scale · d(Σ_rows loss)/d params, or
 * ws->grads += that when accumulate is TRUE (full-batch training in chunks). scale = 1/B gives the
 * gradient of the batch's mean loss. No gradient is formed for the input. */
void         dp_network_backward (const DpNetwork *net, DpWorkspace *ws, const guint8 *labels,
                                  int B, float scale, gboolean accumulate);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpWorkspace, dp_workspace_free)

G_END_DECLS
