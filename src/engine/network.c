/* network.c: DpNetwork, a multi-layer perceptron of dense layers with every weight and bias in
 * one float block; its forward and backward passes through batched CBLAS GEMMs (one per layer
 * and direction, shapes in the comments), fused bias + activation loops, inverted dropout, and
 * inference (one image or many). The training workspace is allocated once per run, so the batch
 * loop in train.c allocates nothing. */
#include "engine/network.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "engine/blas-threads.h"
#include "engine/model-file.h"
#include "engine/names-private.h"

/* rows per GEMM when classifying many images: big enough for BLAS, small enough for the cache */
#define CLASSIFY_CHUNK 256

/* ---------- passes split between the compute threads ---------- */

/* Each elementwise pass between two GEMMs (and the weights' initial draw) is cut into contiguous
 * slices of rows (or columns), one per compute thread (OpenBLAS's pool, blas-threads.h): the GEMM
 * before it left half of its output in each core's cache, and a core idle while one thread
 * streams a (128, 800) matrix is a tenth of an epoch. Every element is computed alone, and a
 * slice that draws random numbers starts where a single thread would be in the stream
 * (dp_rng_skip), so the result does not depend on the split. Below SPLIT_MIN_ELEMENTS a pass
 * stays on the calling thread (a hand-over costs microseconds). */
#define SPLIT_MIN_ELEMENTS 16384
#define MAX_SPLIT 64

typedef void (*SlicePass) (const void *args, int i0, int i1);

typedef struct
{
  SlicePass pass;
  const void *args;
  int i0, i1;
} Slice;

static void
run_slice (void *item)
{
  const Slice *s = item;
  s->pass (s->args, s->i0, s->i1);
}

/* pass (args, i0, i1) over [0, n), n rows (or columns) of per elements each, in slices */
static void
split_pass (int n, gsize per, SlicePass pass, const void *args)
{
  gsize total = (gsize) n * per;
  int k = MIN (MIN (dp_blas_threads_available (), MAX_SPLIT), n);
  k = (int) MIN ((gsize) k, total / SPLIT_MIN_ELEMENTS);
  if (k <= 1)
    {
      if (n > 0)
        pass (args, 0, n);
      return;
    }
  Slice slices[MAX_SPLIT];
  int step = (n + k - 1) / k;
  int used = 0;
  for (int i0 = 0; i0 < n; i0 += step)
    slices[used++] = (Slice) { pass, args, i0, MIN (i0 + step, n) };
  dp_blas_threads_run (used, run_slice, slices, sizeof (Slice));
}

/* ---------- construction ---------- */

DpNetwork *
dp_network_new (const int *sizes, int n_layers, DpActivation activation, DpLoss loss)
{
  g_return_val_if_fail (sizes != NULL, NULL);
  g_return_val_if_fail (n_layers >= 1 && n_layers <= DP_MAX_LAYERS, NULL);

  DpNetwork *net = g_new0 (DpNetwork, 1);
  net->n_layers = n_layers;
  net->activation = activation;
  net->loss = loss;
  gsize n = 0;
  for (int l = 0; l <= n_layers; l++)
    {
      g_return_val_if_fail (sizes[l] > 0, (g_free (net), NULL));
      net->sizes[l] = sizes[l];
    }
  for (int l = 0; l < n_layers; l++)
    n += (gsize) sizes[l + 1] * sizes[l] + sizes[l + 1];
  net->n_params = n;
  net->params = g_new0 (float, n);
  net->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return net;
}

void
dp_network_free (DpNetwork *net)
{
  if (net == NULL)
    return;
  g_free (net->params);
  g_clear_pointer (&net->metadata, g_hash_table_unref);
  g_free (net);
}

DpNetwork *
dp_network_copy (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, NULL);
  DpNetwork *copy = dp_network_new (net->sizes, net->n_layers, net->activation, net->loss);
  memcpy (copy->params, net->params, net->n_params * sizeof (float));
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, net->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy->metadata, g_strdup (key), g_strdup (value));
  return copy;
}

/* rows [r0, r1) of W (out, in) = sd · N(0, 1), from the stream where a single thread filling W
 * row by row would be at row r0 (dp_rng_normal draws two numbers) */
typedef struct
{
  float *W;
  int in;
  float sd;
  const DpRng *stream;
} NormalRows;

static void
normal_rows (const void *args, int r0, int r1)
{
  const NormalRows *f = args;
  DpRng rng = *f->stream;
  dp_rng_skip (&rng, 2 * (guint64) r0 * f->in);
  for (gsize i = (gsize) r0 * f->in; i < (gsize) r1 * f->in; i++)
    f->W[i] = f->sd * dp_rng_normal (&rng);
}

void
dp_network_init (DpNetwork *net, DpInit init, DpRng *rng)
{
  g_return_if_fail (net != NULL && rng != NULL);
  for (int l = 0; l < net->n_layers; l++)
    {
      int in = net->sizes[l], out = net->sizes[l + 1];
      float *W = dp_network_weights (net, l); /* (out, in) */
      float *b = dp_network_bias (net, l);    /* (out) */
      gsize nw = (gsize) out * in;
      switch (init)
        {
        case DP_INIT_HE:
          {
            /* a normal costs a log, a cosine and a square root: the rows are split between
             * the compute threads, each drawing its part of the stream (two draws a weight) */
            NormalRows fill = { W, in, sqrtf (2.0f / in), rng };
            split_pass (out, in, normal_rows, &fill);
            dp_rng_skip (rng, 2 * (guint64) nw);
            memset (b, 0, out * sizeof (float));
          }
          break;
        case DP_INIT_XAVIER:
          {
            float r = sqrtf (6.0f / (in + out));
            for (gsize i = 0; i < nw; i++)
              W[i] = dp_rng_range (rng, -r, r);
            memset (b, 0, out * sizeof (float));
          }
          break;
        case DP_INIT_UNIFORM:
        default:
          /* the classic tutorial draws its biases from the same range as its weights */
          for (gsize i = 0; i < nw; i++)
            W[i] = dp_rng_range (rng, -0.15f, 0.15f);
          for (int i = 0; i < out; i++)
            b[i] = dp_rng_range (rng, -0.15f, 0.15f);
          break;
        }
    }
}

gsize
dp_network_layer_offset (const DpNetwork *net, int layer)
{
  g_return_val_if_fail (layer >= 0 && layer < net->n_layers, 0);
  gsize off = 0;
  for (int l = 0; l < layer; l++)
    off += (gsize) net->sizes[l + 1] * net->sizes[l] + net->sizes[l + 1];
  return off;
}

float *
dp_network_weights (const DpNetwork *net, int layer)
{
  return net->params + dp_network_layer_offset (net, layer);
}

float *
dp_network_bias (const DpNetwork *net, int layer)
{
  return net->params + dp_network_layer_offset (net, layer)
         + (gsize) net->sizes[layer + 1] * net->sizes[layer];
}

char *
dp_network_describe_sizes (const DpNetwork *net)
{
  GString *s = g_string_new (NULL);
  for (int l = 0; l <= net->n_layers; l++)
    g_string_append_printf (s, l ? "-%d" : "%d", net->sizes[l]);
  return g_string_free (s, FALSE);
}

void
dp_network_set_meta (DpNetwork *net, const char *key, const char *value)
{
  g_return_if_fail (net != NULL && key != NULL);
  if (value == NULL)
    g_hash_table_remove (net->metadata, key);
  else
    g_hash_table_insert (net->metadata, g_strdup (key), g_strdup (value));
}

const char *
dp_network_get_meta (const DpNetwork *net, const char *key)
{
  g_return_val_if_fail (net != NULL && key != NULL, NULL);
  return g_hash_table_lookup (net->metadata, key);
}

/* ---------- layer kernels ---------- */

/* The elementwise passes stream (B, width) matrices between GEMMs: built for AVX2 where the CPU
 * has it (the loader picks one), baseline SSE2 elsewhere. */
#define DP_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))

/* z = relu(z + b) over n, then times the dropout mask m where one is given */
DP_CLONES static void
bias_relu (float *restrict z, const float *restrict b, const float *restrict m, int n)
{
  if (m)
    for (int j = 0; j < n; j++)
      {
        float v = z[j] + b[j];
        z[j] = (v > 0.0f ? v : 0.0f) * m[j];
      }
  else
    for (int j = 0; j < n; j++)
      {
        float v = z[j] + b[j];
        z[j] = v > 0.0f ? v : 0.0f;
      }
}

/* Inverted dropout's mask for n units: 0 with probability p, else keep = 1/(1-p), one uniform
 * draw per unit: dropped when dp_rng_uniform (rng) < p. That uniform is x / 2^24 for the draw's
 * top 24 bits x, and x / 2^24 < p exactly when x < ceil (p · 2^24) (scaling by 2^24 is exact):
 * an integer test picking from a two-entry table, so the loop has no branch to mispredict (one
 * in five at p = 0.2) and makes the same masks. */
static void
draw_mask (float *restrict m, int n, float p, float keep, DpRng *rng)
{
  const guint64 below = (guint64) ceilf (p * 16777216.0f);
  const float value[2] = { keep, 0.0f };
  for (int j = 0; j < n; j++)
    m[j] = value[(dp_rng_next (rng) >> 40) < below];
}

/* the bias, the activation and the dropout mask on rows [r0, r1) of Z */
typedef struct
{
  float *Z;       /* (B, out) the GEMM's output, in place */
  const float *b; /* (out) */
  float *M;       /* (B, out) the dropout mask, drawn here, or NULL */
  float p, keep;  /* its drop probability and kept value */
  const DpRng *stream; /* the mask's stream at row 0: one draw per unit, in row order */
  int out;
  int kind;       /* DpActivation, or 3 = identity (the output layer's logits) */
} ActivationPass;

static void
activation_rows (const void *args, int r0, int r1)
{
  const ActivationPass *a = args;
  int out = a->out;
  DpRng rng;
  if (a->M)
    {
      /* where a single thread drawing the whole layer would be at row r0 */
      rng = *a->stream;
      dp_rng_skip (&rng, (guint64) r0 * out);
    }
  for (int r = r0; r < r1; r++)
    {
      float *z = a->Z + (gsize) r * out;
      const float *b = a->b;
      float *m = NULL;
      if (a->M)
        {
          m = a->M + (gsize) r * out;
          draw_mask (m, out, a->p, a->keep, &rng);
        }
      switch (a->kind)
        {
        case DP_ACTIVATION_RELU:
          bias_relu (z, b, m, out);
          continue;
        case DP_ACTIVATION_SIGMOID:
          for (int j = 0; j < out; j++)
            z[j] = 1.0f / (1.0f + expf (-(z[j] + b[j])));
          break;
        case DP_ACTIVATION_TANH:
          for (int j = 0; j < out; j++)
            z[j] = tanhf (z[j] + b[j]);
          break;
        default: /* identity */
          for (int j = 0; j < out; j++)
            z[j] += b[j];
          break;
        }
      if (m)
        for (int j = 0; j < out; j++)
          z[j] *= m[j];
    }
}

/* Z = act(A·Wᵀ + b) ⊙ M, in place. A (B, in), W (out, in), Z (B, out). With M (B, out), the
 * dropout mask is drawn into it from rng (drop probability p), which then stands B·out draws
 * further on. The bias, the activation and the mask are one pass over Z after the GEMM (beta = 0),
 * split between the compute threads, each slice drawing its rows' part of the stream. */
static void
dense_forward (const float *A, const float *W, const float *b, float *M, float p, DpRng *rng,
               float *Z, int B, int in, int out, int kind /* 0..2 DpActivation, 3 = identity */)
{
  /* Z = A·Wᵀ   A (B, in), W (out, in), Z (B, out) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, B, out, in,
               1.0f, A, in, W, in, 0.0f, Z, out);
  ActivationPass pass = { Z, b, M, p, 1.0f / (1.0f - p), rng, out, kind };
  split_pass (B, out, activation_rows, &pass);
  if (M)
    dp_rng_skip (rng, (guint64) B * out);
}

/* the output layer's activation on Z (B, out) already holding logits */
static void
output_activation (DpLoss loss, float *Z, int B, int out)
{
  if (loss == DP_LOSS_SOFTMAX_CE)
    {
      for (int r = 0; r < B; r++)
        {
          float *z = Z + (gsize) r * out;
          float m = z[0];
          for (int j = 1; j < out; j++)
            m = z[j] > m ? z[j] : m;
          float s = 0.0f;
          for (int j = 0; j < out; j++)
            {
              z[j] = expf (z[j] - m);
              s += z[j];
            }
          float inv = 1.0f / s;
          for (int j = 0; j < out; j++)
            z[j] *= inv;
        }
    }
  else
    {
      gsize n = (gsize) B * out;
      for (gsize i = 0; i < n; i++)
        Z[i] = 1.0f / (1.0f + expf (-Z[i]));
    }
}

/* Forward of B rows through every layer up to the output layer's logits (no output activation);
 * act[0] = X, act[l] (B, sizes[l]). With mask (per hidden layer, (B, sizes[l])) and dropout > 0,
 * inverted dropout follows each hidden activation: a kept unit is scaled by 1/(1-p) now, so
 * inference needs no rescaling. */
static float *
forward_logits (const DpNetwork *net, float *const *act, const float *X, int B,
                float *const *mask, float dropout, DpRng *rng)
{
  const float *in = X;
  int L = net->n_layers;
  for (int l = 0; l < L; l++)
    {
      const float *W = dp_network_weights (net, l);
      const float *b = dp_network_bias (net, l);
      float *M = mask && l < L - 1 ? mask[l + 1] : NULL;
      dense_forward (in, W, b, M, dropout, rng, act[l + 1], B, net->sizes[l], net->sizes[l + 1],
                     l == L - 1 ? 3 : (int) net->activation);
      in = act[l + 1];
    }
  return act[L];
}

/* forward_logits, then the output activation (training's outputs: no temperature) */
static const float *
forward_rows (const DpNetwork *net, float *const *act, const float *X, int B,
              float *const *mask, float dropout, DpRng *rng)
{
  float *out = forward_logits (net, act, X, B, mask, dropout, rng);
  output_activation (net->loss, out, B, net->sizes[net->n_layers]);
  return out;
}

/* ---------- inference ---------- */

static int
max_width (const DpNetwork *net)
{
  int w = 0;
  for (int l = 1; l <= net->n_layers; l++)
    w = MAX (w, net->sizes[l]);
  return w;
}

int
dp_argmax (const float *v, int n)
{
  int best = 0;
  for (int j = 1; j < n; j++)
    if (v[j] > v[best])
      best = j;
  return best;
}

/* z (n) /= temperature: calibration (temperature 1 leaves the values untouched, bit for bit) */
static void
apply_temperature (float *z, gsize n, float temperature)
{
  if (temperature != 1.0f)
    for (gsize i = 0; i < n; i++)
      z[i] /= temperature;
}

/* sigmoid outputs are normalised to sum to 1 for display; the argmax is unchanged */
static void
normalise_probs (DpLoss loss, float *p, int n)
{
  if (loss == DP_LOSS_SOFTMAX_CE)
    return;
  float s = 0.0f;
  for (int j = 0; j < n; j++)
    s += p[j];
  if (s > 0.0f)
    for (int j = 0; j < n; j++)
      p[j] /= s;
}

void
dp_network_logits_to_probs (DpLoss loss, float *z, int B, int n_out, float temperature)
{
  apply_temperature (z, (gsize) B * n_out, temperature);
  output_activation (loss, z, B, n_out);
  for (int r = 0; r < B; r++)
    normalise_probs (loss, z + (gsize) r * n_out, n_out);
}

int
dp_network_n_outputs (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, 0);
  return net->sizes[net->n_layers];
}

gboolean
dp_network_can_refuse (const DpNetwork *net)
{
  return dp_network_n_outputs (net) == DP_CLASS_NOT_A_DIGIT + 1;
}

/* TRUE when text is a whole number from lo to hi; *out (may be NULL) = it */
static gboolean
parse_number_in (const char *text, double lo, double hi, float *out)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  char *end = NULL;
  double t = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (t) || t < lo || t > hi)
    return FALSE;
  if (out != NULL)
    *out = (float) t;
  return TRUE;
}

gboolean
dp_temperature_parse (const char *text, float *out)
{
  return parse_number_in (text, DP_TEMPERATURE_MIN, DP_TEMPERATURE_MAX, out);
}

float
dp_network_temperature (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, 1.0f);
  /* the loader refuses a model whose temperature does not parse; one set by hand since falls
   * back to no scaling */
  float t = 1.0f;
  if (!dp_temperature_parse (dp_network_get_meta (net, DP_META_TEMPERATURE), &t))
    return 1.0f;
  return t;
}

gboolean
dp_refuse_threshold_parse (const char *text, float *out)
{
  return parse_number_in (text, 0.5, 1.0, out);
}

float
dp_network_refuse_threshold (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, 0.0f);
  float t = 0.0f;
  if (!dp_network_can_refuse (net)
      || !dp_refuse_threshold_parse (dp_network_get_meta (net, DP_META_REFUSE_THRESHOLD), &t))
    return 0.0f;
  return t;
}

int
dp_network_answer (const float *probs, int n_out, float threshold)
{
  if (n_out == DP_CLASS_NOT_A_DIGIT + 1 && threshold > 0.0f)
    return probs[DP_CLASS_NOT_A_DIGIT] >= threshold ? DP_CLASS_NOT_A_DIGIT
                                                    : dp_argmax (probs, DP_N_CLASSES);
  return dp_argmax (probs, n_out);
}

void
dp_network_recognise (const DpNetwork *net, const float *x, DpRecognition *out)
{
  g_return_if_fail (net != NULL && x != NULL && out != NULL);
  int n_out = dp_network_n_outputs (net);
  g_return_if_fail (n_out <= DP_MAX_CLASSES);
  memset (out, 0, sizeof *out);
  out->n_outputs = n_out;
  out->answer = dp_network_predict (net, x, out->probs);
  out->closest_digit = dp_argmax (out->probs, MIN (n_out, DP_N_CLASSES));
  out->confidence = out->probs[out->answer];
}

int
dp_network_predict (const DpNetwork *net, const float *x, float *probs)
{
  g_return_val_if_fail (net != NULL && x != NULL, -1);
  int w = max_width (net);
  int L = net->n_layers;
  /* two ping-pong rows (w) on the stack for the usual sizes */
  float stack_buf[2 * 1024];
  float *buf = w <= 1024 ? stack_buf : g_new (float, 2 * (gsize) w);
  const float *in = x;
  float *out = buf;
  for (int l = 0; l < L; l++)
    {
      int ni = net->sizes[l], no = net->sizes[l + 1];
      const float *W = dp_network_weights (net, l); /* (out, in) */
      const float *b = dp_network_bias (net, l);    /* (out) */
      memcpy (out, b, no * sizeof (float));
      /* z = W·x + b   W (out, in), x (in), z (out) */
      cblas_sgemv (CblasRowMajor, CblasNoTrans, no, ni, 1.0f, W, ni, in, 1, 1.0f, out, 1);
      if (l < L - 1)
        {
          /* bias already added: the activation alone */
          for (int j = 0; j < no; j++)
            {
              float v = out[j];
              out[j] = net->activation == DP_ACTIVATION_SIGMOID ? 1.0f / (1.0f + expf (-v))
                       : net->activation == DP_ACTIVATION_TANH  ? tanhf (v)
                       : (v > 0.0f ? v : 0.0f);
            }
        }
      in = out;
      out = (out == buf) ? buf + w : buf;
    }
  int n_out = net->sizes[L];
  float *res = (float *) in;
  apply_temperature (res, n_out, dp_network_temperature (net));
  output_activation (net->loss, res, 1, n_out);
  normalise_probs (net->loss, res, n_out);
  int cls = dp_network_answer (res, n_out, dp_network_refuse_threshold (net));
  if (probs)
    memcpy (probs, res, n_out * sizeof (float));
  if (buf != stack_buf)
    g_free (buf);
  return cls;
}

void
dp_network_classify (const DpNetwork *net, const float *X, int n, guint8 *pred, float *probs)
{
  dp_network_classify_logits (net, X, n, pred, probs, NULL);
}

void
dp_network_classify_logits (const DpNetwork *net, const float *X, int n, guint8 *pred,
                            float *probs, float *logits)
{
  g_return_if_fail (net != NULL && (X != NULL || n == 0));
  int L = net->n_layers;
  int n_out = net->sizes[L];
  float *act[DP_MAX_LAYERS + 1] = { NULL };
  for (int l = 1; l <= L; l++)
    act[l] = g_new (float, (gsize) CLASSIFY_CHUNK * net->sizes[l]); /* (chunk, sizes[l]) */
  float temperature = dp_network_temperature (net);
  float threshold = dp_network_refuse_threshold (net);
  for (int r0 = 0; r0 < n; r0 += CLASSIFY_CHUNK)
    {
      int B = MIN (CLASSIFY_CHUNK, n - r0);
      float *out = forward_logits (net, act, X + (gsize) r0 * net->sizes[0], B, NULL, 0.0f, NULL);
      if (logits)
        memcpy (logits + (gsize) r0 * n_out, out, (gsize) B * n_out * sizeof (float));
      apply_temperature (out, (gsize) B * n_out, temperature);
      output_activation (net->loss, out, B, n_out);
      for (int r = 0; r < B; r++)
        {
          float *o = out + (gsize) r * n_out;
          normalise_probs (net->loss, o, n_out);
          if (pred)
            pred[r0 + r] = (guint8) dp_network_answer (o, n_out, threshold);
          if (probs)
            memcpy (probs + (gsize) (r0 + r) * n_out, o, n_out * sizeof (float));
        }
    }
  for (int l = 1; l <= L; l++)
    g_free (act[l]);
}

/* ---------- training: workspace, forward, loss, backward ---------- */

DpWorkspace *
dp_workspace_new (const DpNetwork *net, int max_batch, gboolean dropout)
{
  g_return_val_if_fail (net != NULL && max_batch > 0, NULL);
  DpWorkspace *ws = g_new0 (DpWorkspace, 1);
  ws->max_batch = max_batch;
  ws->has_dropout = dropout;
  for (int l = 1; l <= net->n_layers; l++)
    {
      gsize n = (gsize) max_batch * net->sizes[l];
      ws->act[l] = g_new0 (float, n);   /* (max_batch, sizes[l]) */
      ws->delta[l] = g_new0 (float, n); /* (max_batch, sizes[l]) */
      if (dropout && l < net->n_layers)
        ws->mask[l] = g_new0 (float, n); /* (max_batch, sizes[l]) */
    }
  ws->grads = g_new0 (float, net->n_params); /* (n_params) */
  return ws;
}

void
dp_workspace_free (DpWorkspace *ws)
{
  if (ws == NULL)
    return;
  for (int l = 0; l <= DP_MAX_LAYERS; l++)
    {
      g_free (ws->delta[l]);
      g_free (ws->mask[l]);
      if (l > 0)
        g_free (ws->act[l]);
    }
  g_free (ws->grads);
  g_free (ws);
}

const float *
dp_network_forward (const DpNetwork *net, DpWorkspace *ws, const float *X, int B, float dropout,
                    DpRng *rng)
{
  g_return_val_if_fail (B > 0 && B <= ws->max_batch, NULL);
  g_return_val_if_fail (dropout == 0.0f || (ws->has_dropout && rng != NULL), NULL);
  ws->act[0] = (float *) X;
  /* without dropout the masks are skipped (NULL) and backward treats them as all ones */
  gboolean drop = ws->has_dropout && dropout > 0.0f;
  ws->dropout_active = drop;
  ws->dropout_keep = 1.0f / (1.0f - dropout);
  return forward_rows (net, ws->act, X, B, drop ? ws->mask : NULL, dropout, rng);
}

/* log (max (v, 1e-30)) for v ≥ 0, but NaN stays NaN */
static inline double
log_clamped (double v)
{
  return log (v < 1e-30 ? 1e-30 : v);
}

double
dp_network_loss (const DpNetwork *net, const DpWorkspace *ws, const guint8 *labels, int B)
{
  int K = net->sizes[net->n_layers];
  const float *H = ws->act[net->n_layers]; /* (B, K) */
  double total = 0.0;
  for (int r = 0; r < B; r++)
    {
      const float *h = H + (gsize) r * K;
      int y = labels[r];
      switch (net->loss)
        {
        /* the clamps keep log finite at 0 but let NaN through (fmax (NaN, c) would return c
         * and hide a diverged run behind a finite loss) */
        case DP_LOSS_SOFTMAX_CE:
          total -= log_clamped (h[y]);
          break;
        case DP_LOSS_SIGMOID_CE:
          for (int k = 0; k < K; k++)
            total -= log_clamped (k == y ? h[k] : 1.0 - h[k]);
          break;
        case DP_LOSS_MSE:
          for (int k = 0; k < K; k++)
            {
              double d = h[k] - (k == y ? 1.0 : 0.0);
              total += 0.5 * d * d;
            }
          break;
        }
    }
  return total;
}

/* db (out) += column sums of D (B, out), for the columns [j0, j1) */
typedef struct
{
  float *db;
  const float *D;
  int B, out;
} ColumnSums;

DP_CLONES static void
column_sums (const void *args, int j0, int j1)
{
  const ColumnSums *c = args;
  float *restrict db = c->db;
  for (int r = 0; r < c->B; r++)
    {
      const float *restrict d = c->D + (gsize) r * c->out;
      for (int j = j0; j < j1; j++)
        db[j] += d[j];
    }
}

/* P (n) = P ⊙ [A > 0] · keep: ReLU's derivative and the dropout mask together. A holds
 * relu(z)·mask, and where it is above 0 the unit was kept, so its mask is keep (1/(1-p), or 1
 * without dropout): the mask itself need not be read. */
DP_CLONES static void
relu_backward (float *restrict P, const float *restrict A, float keep, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      /* the select, then the product (0 · keep = +0): a multiply under the test would be one
       * the compiler may not hoist out of it (it could trap), and the loop would stay scalar */
      float p = A[i] > 0.0f ? P[i] : 0.0f;
      P[i] = p * keep;
    }
}

/* dZ = dA ⊙ f'(z) ⊙ mask on rows [r0, r1), in place in P */
typedef struct
{
  float *P;        /* (B, width) dA in, dZ out */
  const float *A;  /* (B, width) f(z)·mask */
  const float *M;  /* (B, width) the mask, or NULL */
  float keep;      /* the mask's kept value (1 without dropout) */
  int width;
  DpActivation activation;
} ActivationGrad;

static void
activation_grad_rows (const void *args, int r0, int r1)
{
  const ActivationGrad *g = args;
  gsize off = (gsize) r0 * g->width, n = (gsize) (r1 - r0) * g->width;
  float *P = g->P + off;
  const float *Ah = g->A + off, *M = g->M ? g->M + off : NULL;
  /* act holds f(z)·mask; where the mask is 0 the product is 0, elsewhere f(z) = act / mask */
  switch (g->activation)
    {
    case DP_ACTIVATION_RELU:
      relu_backward (P, Ah, g->keep, n);
      break;
    case DP_ACTIVATION_SIGMOID:
      if (M)
        for (gsize i = 0; i < n; i++)
          {
            float a = M[i] > 0.0f ? Ah[i] / M[i] : 0.0f;
            P[i] *= M[i] * a * (1.0f - a);
          }
      else
        for (gsize i = 0; i < n; i++)
          P[i] *= Ah[i] * (1.0f - Ah[i]);
      break;
    case DP_ACTIVATION_TANH:
      if (M)
        for (gsize i = 0; i < n; i++)
          {
            float a = M[i] > 0.0f ? Ah[i] / M[i] : 0.0f;
            P[i] *= M[i] * (1.0f - a * a);
          }
      else
        for (gsize i = 0; i < n; i++)
          P[i] *= 1.0f - Ah[i] * Ah[i];
      break;
    }
}

void
dp_network_backward (const DpNetwork *net, DpWorkspace *ws, const guint8 *labels, int B,
                     float scale, gboolean accumulate)
{
  int L = net->n_layers;
  int K = net->sizes[L];
  float beta = accumulate ? 1.0f : 0.0f;

  /* output delta: dLoss/dZ_L (B, K), scaled */
  {
    const float *H = ws->act[L];
    float *D = ws->delta[L];
    gsize n = (gsize) B * K;
    if (net->loss == DP_LOSS_MSE)
      for (gsize i = 0; i < n; i++)
        D[i] = scale * H[i] * (1.0f - H[i]) * H[i];
    else
      /* softmax + CE and sigmoid + binary CE share dZ = h - y */
      for (gsize i = 0; i < n; i++)
        D[i] = scale * H[i];
    for (int r = 0; r < B; r++)
      {
        gsize i = (gsize) r * K + labels[r];
        if (net->loss == DP_LOSS_MSE)
          /* (h - y)·h(1 - h): the row above used y = 0; correct the true class */
          D[i] = scale * (H[i] - 1.0f) * H[i] * (1.0f - H[i]);
        else
          D[i] -= scale;
      }
  }

  for (int l = L; l >= 1; l--)
    {
      int in = net->sizes[l - 1], out = net->sizes[l];
      gsize off = dp_network_layer_offset (net, l - 1);
      float *dW = ws->grads + off;                  /* (out, in) */
      float *db = dW + (gsize) out * in;            /* (out) */
      const float *D = ws->delta[l];                /* (B, out) */
      const float *A = ws->act[l - 1];              /* (B, in) */

      /* dW (+)= Dᵀ·A   D (B, out), A (B, in), dW (out, in) */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, B,
                   1.0f, D, out, A, in, beta, dW, in);
      /* db (+)= column sums of D */
      if (!accumulate)
        memset (db, 0, out * sizeof (float));
      ColumnSums sums = { db, D, B, out };
      split_pass (out, B, column_sums, &sums);

      if (l == 1)
        break; /* the input needs no gradient */

      /* dA = D·W   D (B, out), W (out, in), dA (B, in) into delta[l-1] */
      const float *W = net->params + off;
      float *P = ws->delta[l - 1];
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, B, in, out,
                   1.0f, D, out, W, in, 0.0f, P, in);
      /* dZ = dA ⊙ f'(z) ⊙ mask */
      ActivationGrad grad = { P, ws->act[l - 1], ws->dropout_active ? ws->mask[l - 1] : NULL,
                              ws->dropout_active ? ws->dropout_keep : 1.0f, in,
                              net->activation };
      split_pass (B, in, activation_grad_rows, &grad);
    }
}

/* ---------- names ---------- */

static const DpName activation_names[] = {
  { "sigmoid", "Sigmoid" },
  { "tanh", "Tanh" },
  { "relu", "ReLU" },
};
static const DpName loss_names[] = {
  { "softmax-ce", "Softmax, cross-entropy" },
  { "sigmoid-ce", "Sigmoid, cross-entropy" },
  { "mse", "Sigmoid, squared error" },
};
static const DpName init_names[] = {
  { "he", "He" },
  { "xavier", "Xavier" },
  { "uniform", "Uniform ±0.15" },
};

gboolean
dp_names_lookup (const DpName *names, int n, const char *s, int *out)
{
  if (s == NULL)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (g_ascii_strcasecmp (names[i].id, s) == 0)
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

DP_NAME_TABLE_FUNCS (dp_activation, DpActivation, activation_names)
DP_NAME_TABLE_FUNCS (dp_loss, DpLoss, loss_names)
DP_NAME_TABLE_FUNCS (dp_init, DpInit, init_names)
