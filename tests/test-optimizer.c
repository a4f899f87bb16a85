/* test-optimizer.c: each update rule against values computed by hand (or by the textbook formula
 * in double), L2 on weights and never on biases under every rule, and the learning-rate
 * schedules. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "engine/optimizer.h"

/* a 2-1 net: params = [w0, w1, b] */
static DpNetwork *
tiny_net (void)
{
  const int sizes[] = { 2, 1 };
  DpNetwork *net = dp_network_new (sizes, 1, DP_ACTIVATION_SIGMOID, DP_LOSS_MSE);
  net->params[0] = 1.0f;
  net->params[1] = -2.0f;
  net->params[2] = 0.5f;
  return net;
}

static const float grads[3] = { 0.1f, 0.2f, 0.3f };

static void
test_sgd_l2 (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_SGD, net, 0, FALSE, 0.1);
  dp_optimizer_step (opt, net, grads, 0.5);
  /* w0 = 1 - 0.5·(0.1 + 0.1·1) = 0.9;  w1 = -2 - 0.5·(0.2 + 0.1·(-2)) = -2;  b = 0.5 - 0.5·0.3
   * (no decay on the bias: with decay it would be 0.325) */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.9f, 1e-6);
  g_assert_cmpfloat_with_epsilon (net->params[1], -2.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (net->params[2], 0.35f, 1e-6);
}

static void
test_momentum (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_MOMENTUM, net, 0.9, FALSE, 0);
  dp_optimizer_step (opt, net, grads, 0.5);
  /* v = 0.1; w0 = 1 - 0.05 = 0.95 */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.95f, 1e-6);
  dp_optimizer_step (opt, net, grads, 0.5);
  /* v = 0.9·0.1 + 0.1 = 0.19; w0 = 0.95 - 0.095 = 0.855; b: v = 0.57, 0.35 - 0.285 = 0.065 */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.855f, 1e-6);
  g_assert_cmpfloat_with_epsilon (net->params[2], 0.065f, 1e-6);
}

static void
test_nesterov (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_MOMENTUM, net, 0.9, TRUE, 0);
  dp_optimizer_step (opt, net, grads, 0.5);
  /* v = 0.1; w0 = 1 - 0.5·(0.1 + 0.09) = 0.905 */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.905f, 1e-6);
  dp_optimizer_step (opt, net, grads, 0.5);
  /* v = 0.19; w0 = 0.905 - 0.5·(0.1 + 0.171) = 0.7695 */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.7695f, 1e-6);
}

static void
test_adam (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_ADAM, net, 0, FALSE, 0.2);
  /* first step: m̂ = g, v̂ = g², so every parameter moves by lr·g/(|g| + ε) ≈ lr·sign(g)
   * with or without decay: decay-every-rule checks the decay over several steps */
  const float g1[3] = { 0.1f, -0.2f, 0.3f };
  dp_optimizer_step (opt, net, g1, 0.01);
  /* w0: g = 0.1 + 0.2·1 = 0.3 → 1 - 0.01;  w1: g = -0.2 + 0.2·(-2) = -0.6 → -2 + 0.01;
   * b: g = 0.3 (no decay) → 0.5 - 0.01 */
  g_assert_cmpfloat_with_epsilon (net->params[0], 0.99f, 1e-6);
  g_assert_cmpfloat_with_epsilon (net->params[1], -1.99f, 1e-6);
  g_assert_cmpfloat_with_epsilon (net->params[2], 0.49f, 1e-6);

  /* second step on the bias (no decay), g = 0.1 after 0.3:
   * m = 0.9·0.03 + 0.1·0.1 = 0.037, m̂ = 0.037/0.19; v = 0.999·0.00009 + 0.001·0.01 = 0.00009991,
   * v̂ = v/(1 - 0.999²) = v/0.001999; b = 0.49 - 0.01·m̂/(sqrt(v̂) + 1e-8) */
  const float g2[3] = { 0.0f, 0.0f, 0.1f };
  dp_optimizer_step (opt, net, g2, 0.01);
  double mh = 0.037 / 0.19, vh = 0.00009991 / 0.001999;
  g_assert_cmpfloat_with_epsilon (net->params[2], 0.49 - 0.01 * mh / (sqrt (vh) + 1e-8), 1e-6);
}

static void
test_lbfgs_is_not_first_order (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_assert_null (dp_optimizer_new (DP_OPTIMIZER_LBFGS, net, 0, FALSE, 0));
}

static void
test_l2_helpers (void)
{
  g_autoptr (DpNetwork) net = tiny_net ();
  g_assert_cmpfloat_with_epsilon (dp_network_weight_sq_sum (net), 5.0, 1e-9); /* 1 + 4, no b */
  float g[3] = { 0, 0, 0 };
  dp_network_add_l2_grad (net, g, 0.5);
  g_assert_cmpfloat (g[0], ==, 0.5f);
  g_assert_cmpfloat (g[1], ==, -1.0f);
  g_assert_cmpfloat (g[2], ==, 0.0f);
}

static void
test_schedules (void)
{
  g_assert_cmpfloat (dp_schedule_lr (DP_SCHEDULE_CONSTANT, 0.1, 0.9), ==, 0.1);
  g_assert_cmpfloat (dp_schedule_lr (DP_SCHEDULE_STEP, 1.0, 0.0), ==, 1.0);
  g_assert_cmpfloat (dp_schedule_lr (DP_SCHEDULE_STEP, 1.0, 0.49), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_STEP, 1.0, 0.5), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_STEP, 1.0, 0.74), 0.1, 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_STEP, 1.0, 0.75), 0.01, 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_COSINE, 2.0, 0.0), 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_COSINE, 2.0, 0.5), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_COSINE, 2.0, 0.25),
                                  1.0 + cos (G_PI / 4), 1e-12);
  g_assert_cmpfloat_with_epsilon (dp_schedule_lr (DP_SCHEDULE_COSINE, 2.0, 1.0), 0.0, 1e-12);
}

/* Many layers: decay reaches every layer's weights and no layer's biases. */
static void
test_decay_layout (void)
{
  const int sizes[] = { 3, 4, 2 };
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] = 1.0f;
  g_autofree float *zero = g_new0 (float, net->n_params);
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_SGD, net, 0, FALSE, 1.0);
  dp_optimizer_step (opt, net, zero, 0.5);
  for (int l = 0; l < 2; l++)
    {
      for (int i = 0; i < sizes[l] * sizes[l + 1]; i++)
        g_assert_cmpfloat (dp_network_weights (net, l)[i], ==, 0.5f);
      for (int j = 0; j < sizes[l + 1]; j++)
        g_assert_cmpfloat (dp_network_bias (net, l)[j], ==, 1.0f);
    }
}

/* Weight decay under every first-order rule, biases exempt: five steps of a 3-4-2 net with a
 * changing gradient, against the rule written out in double. Several steps, because Adam's first
 * step is lr·sign(g) whatever the decay, and momentum's decay shows in the velocity it carries. */
typedef struct
{
  DpOptimizerKind kind;
  gboolean nesterov;
  const char *name;
} Rule;

static void
reference_step (const Rule *r, double *w, double *m, double *v, const double *g, const double *c,
                gsize n, double lr, int t)
{
  const double mu = 0.9, b1 = DP_ADAM_BETA1, b2 = DP_ADAM_BETA2;
  for (gsize i = 0; i < n; i++)
    {
      double gi = g[i] + c[i] * w[i];
      switch (r->kind)
        {
        case DP_OPTIMIZER_SGD:
          w[i] -= lr * gi;
          break;
        case DP_OPTIMIZER_MOMENTUM:
          m[i] = mu * m[i] + gi;
          w[i] -= r->nesterov ? lr * (gi + mu * m[i]) : lr * m[i];
          break;
        case DP_OPTIMIZER_ADAM:
          m[i] = b1 * m[i] + (1 - b1) * gi;
          v[i] = b2 * v[i] + (1 - b2) * gi * gi;
          w[i] -= lr * (m[i] / (1 - pow (b1, t))) / (sqrt (v[i] / (1 - pow (b2, t))) + DP_ADAM_EPS);
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static void
test_decay_every_rule (void)
{
  const Rule rules[] = {
    { DP_OPTIMIZER_SGD, FALSE, "sgd" },
    { DP_OPTIMIZER_MOMENTUM, FALSE, "momentum" },
    { DP_OPTIMIZER_MOMENTUM, TRUE, "nesterov" },
    { DP_OPTIMIZER_ADAM, FALSE, "adam" },
  };
  const int sizes[] = { 3, 4, 2 };
  const double l2 = 0.7, lr = 0.05;
  for (guint k = 0; k < G_N_ELEMENTS (rules); k++)
    {
      const Rule *r = &rules[k];
      g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
      gsize n = net->n_params;
      g_autofree double *w = g_new0 (double, n), *m = g_new0 (double, n), *v = g_new0 (double, n);
      g_autofree double *c = g_new0 (double, n), *gd = g_new0 (double, n);
      g_autofree float *gf = g_new0 (float, n);
      /* the decay coefficient of each parameter: l2 on weights, 0 on biases */
      for (int l = 0; l < 2; l++)
        {
          gsize off = dp_network_layer_offset (net, l);
          for (int i = 0; i < sizes[l] * sizes[l + 1]; i++)
            c[off + i] = l2;
        }
      for (gsize i = 0; i < n; i++)
        {
          net->params[i] = (float) (1.5 - 0.37 * (double) i); /* large, both signs */
          w[i] = net->params[i];
        }
      g_autoptr (DpOptimizer) opt = dp_optimizer_new (r->kind, net, 0.9, r->nesterov, l2);
      for (int t = 1; t <= 5; t++)
        {
          for (gsize i = 0; i < n; i++)
            {
              gf[i] = (float) (0.05 * sin (1.3 * (double) i + t)); /* small next to the decay */
              gd[i] = gf[i];
            }
          dp_optimizer_step (opt, net, gf, lr);
          reference_step (r, w, m, v, gd, c, n, lr, t);
          for (gsize i = 0; i < n; i++)
            if (fabs (net->params[i] - w[i]) > 1e-5 * (1.0 + fabs (w[i])))
              g_error ("%s, step %d, parameter %" G_GSIZE_FORMAT " (%s): %.7g, expected %.7g",
                       r->name, t, i, c[i] > 0 ? "weight" : "bias", net->params[i], w[i]);
        }
    }
}

/* Adam on a block big enough to be split between threads (sizes that leave partial vectors at
 * every run's end): the textbook formula in double, L2 on every weight and on no bias, and the
 * same bits with one BLAS thread and with two. */
static void
adam_steps (DpNetwork *net, const float *g, int steps, double l2)
{
  g_autoptr (DpOptimizer) opt = dp_optimizer_new (DP_OPTIMIZER_ADAM, net, 0, FALSE, l2);
  for (int t = 0; t < steps; t++)
    dp_optimizer_step (opt, net, g + (gsize) t * net->n_params, 0.01);
}

/* dp_optimizer_step_and_clear updates as dp_optimizer_step does, under every rule, and leaves
 * every gradient 0, split between two threads (a net over PARALLEL_MIN_PARAMS) and not */
static void
test_step_and_clear (void)
{
  const int sizes[] = { 784, 53, 7 };
  int threads_before = openblas_get_num_threads ();
  for (int kind = DP_OPTIMIZER_SGD; kind <= DP_OPTIMIZER_ADAM; kind++)
    for (int threads = 1; threads <= 2; threads++)
      {
        openblas_set_num_threads (threads);
        g_autoptr (DpNetwork) a = dp_network_new (sizes, 2, DP_ACTIVATION_RELU,
                                                  DP_LOSS_SOFTMAX_CE);
        gsize n = a->n_params;
        DpRng rng;
        dp_rng_init (&rng, 9);
        for (gsize i = 0; i < n; i++)
          a->params[i] = dp_rng_range (&rng, -1.0f, 1.0f);
        g_autoptr (DpNetwork) b = dp_network_copy (a);
        g_autoptr (DpOptimizer) oa = dp_optimizer_new (kind, a, 0.9, FALSE, 0.01);
        g_autoptr (DpOptimizer) ob = dp_optimizer_new (kind, b, 0.9, FALSE, 0.01);
        g_autofree float *g = g_new (float, n);
        g_autofree float *cleared = g_new (float, n);
        for (int t = 0; t < 3; t++)
          {
            for (gsize i = 0; i < n; i++)
              g[i] = cleared[i] = dp_rng_range (&rng, -0.1f, 0.1f);
            dp_optimizer_step (oa, a, g, 0.01);
            dp_optimizer_step_and_clear (ob, b, cleared, 0.01);
            for (gsize i = 0; i < n; i++)
              g_assert_cmpfloat (cleared[i], ==, 0.0f);
          }
        g_assert_cmpmem (a->params, n * sizeof (float), b->params, n * sizeof (float));
      }
  openblas_set_num_threads (threads_before);
}

static void
test_adam_split (void)
{
  const int sizes[] = { 784, 53, 7 };
  const int steps = 4;
  const double l2 = 0.5;
  g_autoptr (DpNetwork) net = dp_network_new (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE);
  gsize n = net->n_params;
  g_assert_cmpuint (n, >, 32768); /* optimizer.c's PARALLEL_MIN_PARAMS */
  DpRng rng;
  dp_rng_init (&rng, 7);
  for (gsize i = 0; i < n; i++)
    net->params[i] = dp_rng_range (&rng, -1.0f, 1.0f);
  g_autofree float *g = g_new (float, n * steps);
  for (gsize i = 0; i < n * steps; i++)
    g[i] = dp_rng_range (&rng, -0.1f, 0.1f);
  g_autofree gboolean *decays = g_new0 (gboolean, n);
  for (int l = 0; l < 2; l++)
    for (int i = 0; i < sizes[l] * sizes[l + 1]; i++)
      decays[dp_network_layer_offset (net, l) + i] = TRUE;

  int threads_before = openblas_get_num_threads ();
  g_autoptr (DpNetwork) one = dp_network_copy (net);
  openblas_set_num_threads (1);
  adam_steps (one, g, steps, l2);
  g_autoptr (DpNetwork) two = dp_network_copy (net);
  openblas_set_num_threads (2);
  adam_steps (two, g, steps, l2);
  openblas_set_num_threads (threads_before);
  g_assert_cmpmem (one->params, n * sizeof (float), two->params, n * sizeof (float));

  for (gsize i = 0; i < n; i++)
    {
      double w = net->params[i], m = 0, v = 0;
      for (int t = 1; t <= steps; t++)
        {
          double gi = g[(gsize) (t - 1) * n + i] + (decays[i] ? l2 * w : 0.0);
          m = 0.9 * m + 0.1 * gi;
          v = 0.999 * v + 0.001 * gi * gi;
          w -= 0.01 * (m / (1 - pow (0.9, t))) / (sqrt (v / (1 - pow (0.999, t))) + 1e-8);
        }
      if (fabs (one->params[i] - w) > 1e-6)
        g_error ("param %" G_GSIZE_FORMAT " (%s): %.9g, the formula gives %.9g", i,
                 decays[i] ? "weight" : "bias", one->params[i], w);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/optimizer/sgd-l2", test_sgd_l2);
  g_test_add_func ("/engine/optimizer/momentum", test_momentum);
  g_test_add_func ("/engine/optimizer/nesterov", test_nesterov);
  g_test_add_func ("/engine/optimizer/adam", test_adam);
  g_test_add_func ("/engine/optimizer/adam-split", test_adam_split);
  g_test_add_func ("/engine/optimizer/step-and-clear", test_step_and_clear);
  g_test_add_func ("/engine/optimizer/lbfgs-not-first-order", test_lbfgs_is_not_first_order);
  g_test_add_func ("/engine/optimizer/l2-helpers", test_l2_helpers);
  g_test_add_func ("/engine/optimizer/decay-layout", test_decay_layout);
  g_test_add_func ("/engine/optimizer/decay-every-rule", test_decay_every_rule);
  g_test_add_func ("/engine/optimizer/schedules", test_schedules);
  return g_test_run ();
}
