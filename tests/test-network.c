/* test-network.c: the network's specification. Gradients of every activation × loss pair against
 * central finite differences (every weight of a tiny net, loss in double), with and without
 * dropout; chunked accumulation equals one batch; predict agrees with classify; initialisers;
 * names round trip. */
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "engine/blas-threads.h"
#include "engine/model-file.h"
#include "engine/network.h"
#include "test-util.h"

#define B_TEST 5

typedef struct
{
  DpActivation act;
  DpLoss loss;
  float dropout;
} GradCase;

/* the smallest |pre-activation| of any hidden unit over the batch, in double (ReLU's kink at 0
 * would make the finite differences meaningless within eps of it) */
static double
min_hidden_margin (const DpNetwork *net, const float *X, int B)
{
  double margin = G_MAXDOUBLE;
  for (int r = 0; r < B; r++)
    {
      double a[16], z[16];
      for (int i = 0; i < net->sizes[0]; i++)
        a[i] = X[r * net->sizes[0] + i];
      for (int l = 0; l < net->n_layers - 1; l++)
        {
          const float *W = dp_network_weights (net, l), *b = dp_network_bias (net, l);
          int in = net->sizes[l], out = net->sizes[l + 1];
          for (int j = 0; j < out; j++)
            {
              z[j] = b[j];
              for (int i = 0; i < in; i++)
                z[j] += (double) W[j * in + i] * a[i];
              margin = fmin (margin, fabs (z[j]));
            }
          for (int j = 0; j < out; j++)
            a[j] = z[j] > 0 ? z[j] : 0;
        }
    }
  return margin;
}

/* mean loss of the batch, with the dropout masks drawn from the same seed every call */
static double
batch_loss (DpNetwork *net, DpWorkspace *ws, const float *X, const guint8 *y, int B, float dropout)
{
  DpRng rng;
  dp_rng_init (&rng, 99);
  dp_network_forward (net, ws, X, B, dropout, &rng);
  return dp_network_loss (net, ws, y, B) / B;
}

static void
test_gradcheck (gconstpointer data)
{
  const GradCase *c = data;
  const int sizes[] = { 6, 5, 4, 3 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 3, c->act, c->loss);
  float X[B_TEST * 6]; /* (B, 6) */
  guint8 y[B_TEST];
  DpRng rng;
  /* draw points until every hidden unit is well away from ReLU's kink (ReLU only) */
  for (guint64 seed = 7;; seed++)
    {
      dp_rng_init (&rng, seed);
      dp_network_init (net, DP_INIT_XAVIER, &rng);
      /* non-zero biases so their gradients are exercised from a generic point */
      for (int l = 0; l < net->n_layers; l++)
        for (int j = 0; j < net->sizes[l + 1]; j++)
          dp_network_bias (net, l)[j] = dp_rng_range (&rng, -0.3f, 0.3f);
      for (int i = 0; i < B_TEST * 6; i++)
        X[i] = dp_rng_range (&rng, -1.0f, 1.0f);
      if (c->act != DP_ACTIVATION_RELU || min_hidden_margin (net, X, B_TEST) > 0.02)
        break;
      g_assert_cmpuint (seed, <, 1000);
    }
  for (int r = 0; r < B_TEST; r++)
    y[r] = r % 3;

  g_autoptr (DpWorkspace) ws = dp_workspace_new (net, B_TEST, c->dropout > 0.0f);
  batch_loss (net, ws, X, y, B_TEST, c->dropout);
  dp_network_backward (net, ws, y, B_TEST, 1.0f / B_TEST, FALSE);
  g_autofree float *ana = g_memdup2 (ws->grads, net->n_params * sizeof (float));

  const float eps = 1e-3f;
  double seen = 0.0;
  int checked = 0;
  for (gsize i = 0; i < net->n_params; i++)
    {
      float keep = net->params[i];
      net->params[i] = keep + eps;
      double lp = batch_loss (net, ws, X, y, B_TEST, c->dropout);
      net->params[i] = keep - eps;
      double lm = batch_loss (net, ws, X, y, B_TEST, c->dropout);
      net->params[i] = keep;
      double num = (lp - lm) / (2.0 * eps);
      /* relative error, with a small absolute floor for the float forward pass's rounding */
      double err = fabs (num - ana[i]);
      if (err > 1e-2 * (fabs (num) + fabs (ana[i])) + 2e-4)
        g_error ("param %zu: numeric %.6g analytic %.6g", i, num, (double) ana[i]);
      seen += fabs (num);
      checked++;
    }
  g_assert_cmpint (checked, ==, (int) net->n_params);
  g_assert_cmpfloat (seen, >, 1e-3);
}

/* Gradients of two chunks accumulated with scale 1/N equal the gradient of the whole batch. */
static void
test_accumulate (void)
{
  const int sizes[] = { 8, 6, 4 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_TANH, DP_LOSS_SIGMOID_CE);
  DpRng rng;
  dp_rng_init (&rng, 3);
  dp_network_init (net, DP_INIT_UNIFORM, &rng);
  float X[10 * 8];
  guint8 y[10];
  for (int i = 0; i < 80; i++)
    X[i] = dp_rng_uniform (&rng);
  for (int r = 0; r < 10; r++)
    y[r] = dp_rng_below (&rng, 4);

  g_autoptr (DpWorkspace) ws = dp_workspace_new (net, 10, FALSE);
  dp_network_forward (net, ws, X, 10, 0.0f, NULL);
  dp_network_backward (net, ws, y, 10, 0.1f, FALSE);
  g_autofree float *whole = g_memdup2 (ws->grads, net->n_params * sizeof (float));

  dp_network_forward (net, ws, X, 4, 0.0f, NULL);
  dp_network_backward (net, ws, y, 4, 0.1f, FALSE);
  dp_network_forward (net, ws, X + 4 * 8, 6, 0.0f, NULL);
  dp_network_backward (net, ws, y + 4, 6, 0.1f, TRUE);
  for (gsize i = 0; i < net->n_params; i++)
    g_assert_cmpfloat_with_epsilon (ws->grads[i], whole[i], 1e-5);
}

/* predict (one image, GEMV) and classify (batched GEMM) agree; probabilities sum to 1. */
static void
test_predict_classify (void)
{
  for (int loss = 0; loss < 3; loss++)
    {
      const int sizes[] = { DP_INPUT_SIZE, 30, 20, DP_N_CLASSES };
      g_autoptr (DpNetwork) net = dp_network_new (sizes, 3, DP_ACTIVATION_RELU, loss);
      DpRng rng;
      dp_rng_init (&rng, 11);
      dp_network_init (net, DP_INIT_HE, &rng);
      int n = 300; /* more than one classify chunk */
      g_autofree float *X = g_new (float, n * DP_INPUT_SIZE);
      for (int i = 0; i < n * DP_INPUT_SIZE; i++)
        X[i] = dp_rng_uniform (&rng);
      g_autofree guint8 *pred = g_new (guint8, n);
      g_autofree float *probs = g_new (float, n * DP_N_CLASSES);
      dp_network_classify (net, X, n, pred, probs);
      int classes_seen = 0;
      guint seen_mask = 0;
      for (int r = 0; r < n; r++)
        {
          float p[DP_N_CLASSES];
          int c = dp_network_predict (net, X + r * DP_INPUT_SIZE, p);
          g_assert_cmpint (c, ==, pred[r]);
          double s = 0;
          for (int k = 0; k < DP_N_CLASSES; k++)
            {
              g_assert_cmpfloat_with_epsilon (p[k], probs[r * DP_N_CLASSES + k], 1e-5);
              s += p[k];
            }
          g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-5);
          seen_mask |= 1u << c;
        }
      for (int k = 0; k < DP_N_CLASSES; k++)
        classes_seen += (seen_mask >> k) & 1;
      /* agreeing is only worth something if the answers vary: 6 classes of 10 here (fixed
       * seed); a net that put every image in one class would agree trivially */
      g_test_message ("loss %d: %d classes predicted", loss, classes_seen);
      g_assert_cmpint (classes_seen, >=, 4);
    }
}

/* A hand-computed forward: 2-2-2 sigmoid net with known weights. */
static void
test_forward_known (void)
{
  const int sizes[] = { 2, 2, 2 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  /* layer 0: W = [[1, 2], [-1, 0.5]], b = [0.1, -0.2]; layer 1: W = [[1, -1], [0.5, 0.5]], b = [0, 1] */
  const float p[] = { 1, 2, -1, 0.5f, 0.1f, -0.2f, 1, -1, 0.5f, 0.5f, 0, 1 };
  g_assert_cmpuint (net->n_params, ==, G_N_ELEMENTS (p));
  memcpy (net->params, p, sizeof p);
  const float x[] = { 0.5f, -0.25f };
  double h0 = 1 / (1 + exp (-(0.5 - 0.5 + 0.1))), h1 = 1 / (1 + exp (-(-0.5 - 0.125 - 0.2)));
  double o0 = 1 / (1 + exp (-(h0 - h1))), o1 = 1 / (1 + exp (-(0.5 * h0 + 0.5 * h1 + 1)));
  float probs[2];
  int c = dp_network_predict (net, x, probs);
  g_assert_cmpint (c, ==, o1 > o0 ? 1 : 0);
  g_assert_cmpfloat_with_epsilon (probs[0], o0 / (o0 + o1), 1e-6);
  g_assert_cmpfloat_with_epsilon (probs[1], o1 / (o0 + o1), 1e-6);

  g_autoptr (DpWorkspace) ws = dp_workspace_new (net, 1, FALSE);
  const float *out = dp_network_forward (net, ws, x, 1, 0.0f, NULL);
  g_assert_cmpfloat_with_epsilon (out[0], o0, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], o1, 1e-6);
  guint8 y = 1;
  double expect = -log (1 - o0) - log (o1);
  g_assert_cmpfloat_with_epsilon (dp_network_loss (net, ws, &y, 1), expect, 1e-6);
}

/* A network whose outputs are NaN has a NaN loss under every loss kind (a clamp such as
 * fmax (h, 1e-30) would turn it into a finite 69.08 and hide the divergence). */
static void
test_loss_nan (void)
{
  for (int kind = DP_LOSS_SOFTMAX_CE; kind <= DP_LOSS_MSE; kind++)
    {
      const int sizes[] = { 3, 4, 10 };
      g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, kind);
      for (gsize i = 0; i < net->n_params; i++)
        net->params[i] = NAN;
      g_autoptr (DpWorkspace) ws = dp_workspace_new (net, 2, FALSE);
      const float x[] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f }; /* (2, 3) */
      const guint8 y[] = { 3, 7 };
      dp_network_forward (net, ws, x, 2, 0.0f, NULL);
      double loss = dp_network_loss (net, ws, y, 2);
      if (isfinite (loss))
        g_error ("loss %s: NaN outputs gave a finite loss %g", dp_loss_to_string (kind), loss);

      /* a zero probability is still clamped to a finite loss */
      for (gsize i = 0; i < net->n_params; i++)
        net->params[i] = 0.0f;
      float *b = dp_network_bias (net, 1); /* (10) */
      for (int k = 0; k < 10; k++)
        b[k] = k == 3 ? -200.0f : 200.0f;
      dp_network_forward (net, ws, x, 1, 0.0f, NULL);
      g_assert_true (isfinite (dp_network_loss (net, ws, y, 1)));
    }
}

/* Dropout: about p of the hidden units are zeroed, the rest scaled by 1/(1-p); p = 0 is exact. */
static void
test_dropout_mask (void)
{
  const int sizes[] = { 20, 400, 10 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  DpRng rng;
  dp_rng_init (&rng, 5);
  dp_network_init (net, DP_INIT_HE, &rng);
  float X[8 * 20];
  for (int i = 0; i < 160; i++)
    X[i] = dp_rng_uniform (&rng);
  g_autoptr (DpWorkspace) ws = dp_workspace_new (net, 8, TRUE);
  dp_network_forward (net, ws, X, 8, 0.25f, &rng);
  int zeros = 0;
  for (int i = 0; i < 8 * 400; i++)
    {
      g_assert_true (ws->mask[1][i] == 0.0f || ws->mask[1][i] == 1.0f / 0.75f);
      zeros += ws->mask[1][i] == 0.0f;
    }
  g_assert_cmpint (zeros, >, 8 * 400 * 0.2);
  g_assert_cmpint (zeros, <, 8 * 400 * 0.3);

  /* without dropout the training forward equals inference */
  const float *out = dp_network_forward (net, ws, X, 8, 0.0f, NULL);
  float p[10];
  dp_network_predict (net, X + 20, p);
  for (int k = 0; k < 10; k++)
    g_assert_cmpfloat_with_epsilon (out[10 + k], p[k], 1e-6);
}

/* The passes between the GEMMs (bias + activation + dropout mask, the activation's derivative,
 * the bias gradients) and He's initial draw are split between the compute threads: with one thread and with two, a
 * training step gives the same bits, for every activation. OpenBLAS's own results depend on its
 * thread count above m·n·k = 262144 (its blocking changes), so every GEMM here is at or below
 * that size, where it runs on one thread, while 64 rows of 1024 hidden units are split in two.
 * The masks are the stream's draws in row order, layer after layer, as they have always been:
 * the built-in model's training command reproduces it bit for bit only while they are. */
static void
test_split_passes (void)
{
  if (g_get_num_processors () < 2)
    {
      g_test_skip ("one core: every pass runs on one thread");
      return;
    }
  const int sizes[] = { 4, 1024, 4, 10 };
  const int B = 64;
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  int before = openblas_get_num_threads ();
  for (int act = DP_ACTIVATION_SIGMOID; act <= DP_ACTIVATION_RELU; act++)
    {
      g_autoptr (DpNetwork) net = dp_network_new (sizes, 3, act, DP_LOSS_SOFTMAX_CE);
      DpRng rng;
      dp_rng_init (&rng, 3);
      dp_network_init (net, DP_INIT_HE, &rng);
      g_autofree float *X = g_new (float, B * 4);
      for (int i = 0; i < B * 4; i++)
        X[i] = dp_rng_uniform (&rng);
      guint8 y[64];
      for (int r = 0; r < B; r++)
        y[r] = r % 10;
      float *grads[2] = { NULL, NULL }, *acts[2] = { NULL, NULL };
      gsize n_act = (gsize) B * (1024 + 4 + 10);
      for (int threads = 1; threads <= 2; threads++)
        {
          openblas_set_num_threads (threads);
          g_assert_cmpint (dp_blas_threads_available (), ==, threads);
          g_autoptr (DpWorkspace) ws = dp_workspace_new (net, B, TRUE);
          DpRng drop;
          dp_rng_init (&drop, 9);
          dp_network_forward (net, ws, X, B, p, &drop);
          dp_network_backward (net, ws, y, B, 1.0f / B, FALSE);
          grads[threads - 1] = g_memdup2 (ws->grads, net->n_params * sizeof (float));
          float *a = acts[threads - 1] = g_new (float, n_act);
          for (int l = 1; l <= 3; l++)
            {
              gsize n = (gsize) B * sizes[l];
              memcpy (a, ws->act[l], n * sizeof (float));
              a += n;
            }
          DpRng stream;
          dp_rng_init (&stream, 9);
          for (int l = 1; l <= 2; l++)
            for (gsize i = 0; i < (gsize) B * sizes[l]; i++)
              g_assert_cmpfloat (ws->mask[l][i], ==, dp_rng_uniform (&stream) < p ? 0.0f : keep);
        }
      g_assert_cmpmem (acts[0], n_act * sizeof (float), acts[1], n_act * sizeof (float));
      g_assert_cmpmem (grads[0], net->n_params * sizeof (float), grads[1],
                       net->n_params * sizeof (float));
      for (int k = 0; k < 2; k++)
        {
          g_free (grads[k]);
          g_free (acts[k]);
        }
    }

  /* He's initial weights (784·64 normals) are drawn in row slices too: the same weights, and
   * the stream left where a single thread leaves it */
  const int he_sizes[] = { 784, 64, 10 };
  DpNetwork *he[2] = { NULL, NULL };
  guint64 next[2];
  for (int threads = 1; threads <= 2; threads++)
    {
      openblas_set_num_threads (threads);
      he[threads - 1] = dp_network_new (he_sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
      DpRng rng;
      dp_rng_init (&rng, 11);
      dp_network_init (he[threads - 1], DP_INIT_HE, &rng);
      next[threads - 1] = dp_rng_next (&rng);
    }
  g_assert_cmpmem (he[0]->params, he[0]->n_params * sizeof (float), he[1]->params,
                   he[1]->n_params * sizeof (float));
  g_assert_cmpuint (next[0], ==, next[1]);
  dp_network_free (he[0]);
  dp_network_free (he[1]);
  openblas_set_num_threads (before);
}

static void
test_init (void)
{
  const int sizes[] = { DP_INPUT_SIZE, 100, DP_N_CLASSES };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  g_assert_cmpuint (net->n_params, ==, 100 * 785 + 10 * 101);
  g_assert_cmpuint (dp_network_layer_offset (net, 1), ==, 100 * 785);
  g_assert_true (dp_network_bias (net, 0) == net->params + 78400);
  DpRng rng;
  dp_rng_init (&rng, 1);
  dp_network_init (net, DP_INIT_UNIFORM, &rng);
  float lo = 1, hi = -1;
  for (gsize i = 0; i < net->n_params; i++)
    {
      lo = MIN (lo, net->params[i]);
      hi = MAX (hi, net->params[i]);
    }
  g_assert_cmpfloat (lo, >=, -0.15f);
  g_assert_cmpfloat (hi, <=, 0.15f);
  g_assert_cmpfloat (lo, <, -0.14f);
  g_assert_cmpfloat (hi, >, 0.14f);

  dp_network_init (net, DP_INIT_HE, &rng);
  double ss = 0;
  const float *W = dp_network_weights (net, 0);
  for (int i = 0; i < 78400; i++)
    ss += (double) W[i] * W[i];
  g_assert_cmpfloat_with_epsilon (sqrt (ss / 78400), sqrt (2.0 / 784), 0.002);
  g_assert_cmpfloat (dp_network_bias (net, 0)[3], ==, 0.0f);

  g_autofree char *d = dp_network_describe_sizes (net);
  g_assert_cmpstr (d, ==, "784-100-10");

  dp_network_set_meta (net, "recipe", "x");
  g_autoptr (DpNetwork) copy = dp_network_copy (net);
  g_assert_cmpstr (dp_network_get_meta (copy, "recipe"), ==, "x");
  g_assert_cmpint (memcmp (copy->params, net->params, net->n_params * sizeof (float)), ==, 0);
  g_assert_null (dp_network_get_meta (copy, "absent"));
}

static void
test_names (void)
{
  for (int i = 0; i < 3; i++)
    {
      DpActivation a;
      DpLoss l;
      DpInit n;
      g_assert_true (dp_activation_from_string (dp_activation_to_string (i), &a));
      g_assert_cmpint (a, ==, i);
      g_assert_true (dp_loss_from_string (dp_loss_to_string (i), &l));
      g_assert_cmpint (l, ==, i);
      g_assert_true (dp_init_from_string (dp_init_to_string (i), &n));
      g_assert_cmpint (n, ==, i);
    }
  DpActivation a;
  g_assert_false (dp_activation_from_string ("swish", &a));
  g_assert_false (dp_activation_from_string (NULL, &a));
}

/* ---------- "not a digit" and the calibration temperature ---------- */

/* A 10-output model answers bit for bit as before the eleventh class and the temperature: the
 * bits below were printed by the engine of commit f0941b5 (OpenBLAS 0.3.21, core Haswell) for the
 * same nets and images. Another BLAS kernel rounds its sums in another order, so on another core
 * the check is to 1e-6. */
static void
test_ten_outputs_unchanged (void)
{
  static const guint32 want_predict[2][10] = {
    { 0x3e535fcbu, 0x3cbd5304u, 0x3ded3034u, 0x3dd20e86u, 0x3d07ea2au, 0x3dc72dc4u, 0x3cc011d6u,
      0x3d9da00bu, 0x3d05532fu, 0x3e93cf00u },
    { 0x3d837308u, 0x3dad656eu, 0x3d9d08aeu, 0x3e198bd2u, 0x3e183491u, 0x3e14024cu, 0x3cfcb9bbu,
      0x3da3fa75u, 0x3e10fa20u, 0x3da17c4du },
  };
  static const guint32 want_classify[2][30] = {
    { 0x3e535fd4u, 0x3cbd530au, 0x3ded3039u, 0x3dd20e87u, 0x3d07ea26u, 0x3dc72dc9u, 0x3cc011dau,
      0x3d9da00du, 0x3d055331u, 0x3e93cefau, 0x3e8a8df5u, 0x3c4361c5u, 0x3e27e0d7u, 0x3d4e7fc1u,
      0x3c067f0fu, 0x3de1ee75u, 0x3cb81adfu, 0x3dba46f2u, 0x3d47c6deu, 0x3e63b579u, 0x3eb14d16u,
      0x3d96a83eu, 0x3e54dc1fu, 0x3d0b0961u, 0x3c19c5fcu, 0x3ddc4708u, 0x3c9d8481u, 0x3e06bb43u,
      0x3cd6c292u, 0x3d35bccfu },
    { 0x3d837309u, 0x3dad6570u, 0x3d9d08aeu, 0x3e198bd2u, 0x3e183490u, 0x3e14024cu, 0x3cfcb9bcu,
      0x3da3fa74u, 0x3e10fa20u, 0x3da17c4du, 0x3d82d682u, 0x3dafe0dfu, 0x3da2147du, 0x3e1d5770u,
      0x3e1f9847u, 0x3e0ade44u, 0x3d0516d4u, 0x3d8eb701u, 0x3e0e72f7u, 0x3dad6fd2u, 0x3d5e44ceu,
      0x3dd1d27bu, 0x3d9cdc2cu, 0x3e1a9037u, 0x3e0e5d99u, 0x3e0b8858u, 0x3d306c0bu, 0x3d946d1au,
      0x3e0f83b4u, 0x3dad9819u },
  };
  static const int want_digit[2] = { 9, 3 };
  gboolean exact = g_str_equal (openblas_get_corename (), "Haswell");
  if (!exact)
    g_test_message ("OpenBLAS core %s, not Haswell: comparing to 1e-6", openblas_get_corename ());
  static const int sizes[3] = { DP_INPUT_SIZE, 16, DP_N_CLASSES };
  float X[3 * DP_INPUT_SIZE];
  for (int i = 0; i < 3 * DP_INPUT_SIZE; i++)
    X[i] = (float) ((i * 37) % 101) / 100.0f;
  for (int k = 0; k < 2; k++)
    {
      g_autoptr (DpNetwork) net =
        dp_test_random_net (sizes, 2, k ? DP_ACTIVATION_SIGMOID : DP_ACTIVATION_RELU,
                            k ? DP_LOSS_SIGMOID_CE : DP_LOSS_SOFTMAX_CE, 7 + k);
      g_assert_cmpint (dp_network_n_outputs (net), ==, 10);
      g_assert_false (dp_network_can_refuse (net));
      g_assert_cmpfloat (dp_network_temperature (net), ==, 1.0f);
      float p[DP_MAX_CLASSES], q[30];
      g_assert_cmpint (dp_network_predict (net, X, p), ==, want_digit[k]);
      dp_network_classify (net, X, 3, NULL, q);
      DpRecognition r;
      dp_network_recognise (net, X, &r);
      g_assert_cmpint (r.n_outputs, ==, 10);
      g_assert_cmpint (r.answer, ==, want_digit[k]);
      g_assert_cmpint (r.closest_digit, ==, want_digit[k]);
      g_assert_cmpmem (r.probs, 10 * sizeof (float), p, 10 * sizeof (float));
      for (int j = 0; j < 10; j++)
        {
          float w;
          memcpy (&w, &want_predict[k][j], 4);
          if (exact)
            g_assert_cmpmem (&p[j], 4, &want_predict[k][j], 4);
          else
            g_assert_cmpfloat_with_epsilon (p[j], w, 1e-6);
        }
      for (int j = 0; j < 30; j++)
        {
          float w;
          memcpy (&w, &want_classify[k][j], 4);
          if (exact)
            g_assert_cmpmem (&q[j], 4, &want_classify[k][j], 4);
          else
            g_assert_cmpfloat_with_epsilon (q[j], w, 1e-6);
        }
      /* temperature "1" is no temperature, bit for bit */
      dp_network_set_meta (net, DP_META_TEMPERATURE, "1");
      float p1[DP_MAX_CLASSES];
      dp_network_predict (net, X, p1);
      g_assert_cmpmem (p1, 10 * sizeof (float), p, 10 * sizeof (float));
    }
}

/* An 11-output net: its answer, the closest digit and the confidence, on outputs set by hand. */
static void
test_recognise_refuses (void)
{
  const int sizes[] = { DP_INPUT_SIZE, 11 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  g_assert_cmpint (dp_network_n_outputs (net), ==, 11);
  g_assert_true (dp_network_can_refuse (net));
  /* output j = bias j + x[0] · weight: with x = 0 the biases are the logits */
  float *b = dp_network_bias (net, 0);
  const float logits[11] = { 0, 1, 0, 0, 2.5f, 0, 0, 0, 0, 0, 3 };
  memcpy (b, logits, sizeof logits);
  float x[DP_INPUT_SIZE] = { 0 };
  DpRecognition r;
  dp_network_recognise (net, x, &r);
  double s = 0;
  for (int j = 0; j < 11; j++)
    s += exp (logits[j]);
  g_assert_cmpint (r.n_outputs, ==, 11);
  g_assert_cmpint (r.answer, ==, DP_CLASS_NOT_A_DIGIT);
  g_assert_cmpint (r.closest_digit, ==, 4);
  g_assert_cmpfloat_with_epsilon (r.confidence, exp (3) / s, 1e-6);
  g_assert_cmpfloat_with_epsilon (r.probs[4], exp (2.5) / s, 1e-6);
  g_assert_cmpfloat (r.confidence, ==, r.probs[DP_CLASS_NOT_A_DIGIT]);
  /* a digit above "not a digit": the answer is that digit */
  b[7] = 4;
  dp_network_recognise (net, x, &r);
  g_assert_cmpint (r.answer, ==, 7);
  g_assert_cmpint (r.closest_digit, ==, 7);
  /* classify sees the same eleventh class */
  guint8 pred;
  float probs[11];
  dp_network_classify (net, x, 1, &pred, probs);
  g_assert_cmpint (pred, ==, 7);
  g_assert_cmpmem (probs, sizeof probs, r.probs, sizeof probs);
}

/* The temperature divides the logits before the softmax: the answer stays, the confidence
 * softens (T > 1) or sharpens (T < 1); predict, classify and recognise agree on it. */
static void
test_temperature (void)
{
  const int sizes[] = { DP_INPUT_SIZE, 11 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  float *b = dp_network_bias (net, 0);
  const float logits[11] = { 0, 1, 0, 0, 2.5f, 0, 0, 0, 0, 0, 3 };
  memcpy (b, logits, sizeof logits);
  float x[DP_INPUT_SIZE] = { 0 };
  const double temps[] = { 2.0, 0.5 };
  for (gsize t = 0; t < G_N_ELEMENTS (temps); t++)
    {
      char text[32];
      g_ascii_formatd (text, sizeof text, "%g", temps[t]);
      dp_network_set_meta (net, DP_META_TEMPERATURE, text);
      g_assert_cmpfloat (dp_network_temperature (net), ==, (float) temps[t]);
      DpRecognition r;
      dp_network_recognise (net, x, &r);
      double s = 0;
      for (int j = 0; j < 11; j++)
        s += exp (logits[j] / temps[t]);
      g_assert_cmpint (r.answer, ==, DP_CLASS_NOT_A_DIGIT);
      for (int j = 0; j < 11; j++)
        g_assert_cmpfloat_with_epsilon (r.probs[j], exp (logits[j] / temps[t]) / s, 1e-6);
      float probs[11], z[11];
      guint8 pred;
      dp_network_classify_logits (net, x, 1, &pred, probs, z);
      g_assert_cmpint (pred, ==, DP_CLASS_NOT_A_DIGIT);
      g_assert_cmpmem (z, sizeof z, logits, sizeof logits); /* logits: before the temperature */
      for (int j = 0; j < 11; j++)
        g_assert_cmpfloat_with_epsilon (probs[j], r.probs[j], 1e-6);
      dp_network_logits_to_probs (DP_LOSS_SOFTMAX_CE, z, 1, 11, (float) temps[t]);
      for (int j = 0; j < 11; j++)
        g_assert_cmpfloat_with_epsilon (z[j], r.probs[j], 1e-6);
    }
  /* what is not a temperature */
  const char *bad[] = { "", "0", "-1", "abc", "nan", "inf", "1e9", "0.001", "2 ", "2x" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (dp_temperature_parse (bad[i], NULL));
      dp_network_set_meta (net, DP_META_TEMPERATURE, bad[i]);
      g_assert_cmpfloat (dp_network_temperature (net), ==, 1.0f);
    }
  float t = 0;
  g_assert_true (dp_temperature_parse ("0.01", &t));
  g_assert_true (dp_temperature_parse ("100", &t));
  g_assert_true (dp_temperature_parse ("1.5", &t));
  g_assert_cmpfloat (t, ==, 1.5f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static const char *const act_names[] = { "sigmoid", "tanh", "relu" };
  static const char *const loss_names[] = { "softmax-ce", "sigmoid-ce", "mse" };
  static GradCase cases[3 * 3 + 3];
  int n = 0;
  for (int a = 0; a < 3; a++)
    for (int l = 0; l < 3; l++)
      {
        cases[n] = (GradCase) { a, l, 0.0f };
        g_autofree char *path = g_strdup_printf ("/engine/network/gradcheck/%s-%s", act_names[a],
                                                 loss_names[l]);
        g_test_add_data_func (path, &cases[n++], test_gradcheck);
      }
  for (int a = 0; a < 3; a++)
    {
      cases[n] = (GradCase) { a, DP_LOSS_SOFTMAX_CE, 0.3f };
      g_autofree char *path = g_strdup_printf ("/engine/network/gradcheck/%s-softmax-ce-dropout",
                                               act_names[a]);
      g_test_add_data_func (path, &cases[n++], test_gradcheck);
    }
  g_test_add_func ("/engine/network/accumulate", test_accumulate);
  g_test_add_func ("/engine/network/forward-known", test_forward_known);
  g_test_add_func ("/engine/network/predict-classify", test_predict_classify);
  g_test_add_func ("/engine/network/dropout-mask", test_dropout_mask);
  g_test_add_func ("/engine/network/split-passes", test_split_passes);
  g_test_add_func ("/engine/network/loss-nan", test_loss_nan);
  g_test_add_func ("/engine/network/init", test_init);
  g_test_add_func ("/engine/network/names", test_names);
  g_test_add_func ("/engine/network/ten-outputs-unchanged", test_ten_outputs_unchanged);
  g_test_add_func ("/engine/network/recognise-refuses", test_recognise_refuses);
  g_test_add_func ("/engine/network/temperature", test_temperature);
  return g_test_run ();
}
