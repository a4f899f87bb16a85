/* test-network.c: the network's specification. Gradients of every activation × loss pair against
 * central finite differences (every weight of a tiny net, loss in double), with and without
 * dropout; chunked accumulation equals one batch; predict agrees with classify; initialisers;
 * names round trip. */
#include <math.h>
#include <string.h>

#include "engine/network.h"

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
  g_test_add_func ("/engine/network/loss-nan", test_loss_nan);
  g_test_add_func ("/engine/network/init", test_init);
  g_test_add_func ("/engine/network/names", test_names);
  return g_test_run ();
}
