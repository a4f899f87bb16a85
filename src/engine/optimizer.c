/* optimizer.c: SGD, momentum (Nesterov optional) and Adam over the flat parameter block, with L2
 * weight decay folded into each weight's gradient and never applied to biases; learning-rate
 * schedules. Each update is one flat loop per contiguous run of weights or biases. */
#include "engine/optimizer.h"

#include <math.h>

struct _DpOptimizer
{
  DpOptimizerKind kind;
  double momentum;
  gboolean nesterov;
  double l2_coeff; /* λ / N_train */
  gsize n;         /* n_params */
  float *m;        /* (n) momentum velocity, or Adam's first moment */
  float *v;        /* (n) Adam's second moment */
  guint64 t;       /* Adam's step count */
};

DpOptimizer *
dp_optimizer_new (DpOptimizerKind kind, const DpNetwork *net, double momentum, gboolean nesterov,
                  double l2_coeff)
{
  g_return_val_if_fail (net != NULL, NULL);
  if (kind == DP_OPTIMIZER_LBFGS)
    return NULL;
  DpOptimizer *opt = g_new0 (DpOptimizer, 1);
  opt->kind = kind;
  opt->momentum = momentum;
  opt->nesterov = nesterov;
  opt->l2_coeff = l2_coeff;
  opt->n = net->n_params;
  if (kind != DP_OPTIMIZER_SGD)
    opt->m = g_new0 (float, opt->n);
  if (kind == DP_OPTIMIZER_ADAM)
    opt->v = g_new0 (float, opt->n);
  return opt;
}

void
dp_optimizer_free (DpOptimizer *opt)
{
  if (opt == NULL)
    return;
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt);
}

/* the update of params [i0, i1) with decay coefficient c (0 for biases). It streams four arrays
 * of every parameter each batch, so it is built twice: AVX2+FMA where the CPU has them (8 lanes,
 * vsqrtps/vdivps), baseline SSE2 elsewhere; the loader picks one (ifunc). */
__attribute__ ((target_clones ("arch=x86-64-v3", "default")))
static void
update_range (DpOptimizer *opt, float *w, const float *g, gsize i0, gsize i1, float lr, float c,
              float adam_a, float adam_b)
{
  float *m = opt->m, *v = opt->v;
  float mu = (float) opt->momentum;
  switch (opt->kind)
    {
    case DP_OPTIMIZER_SGD:
      for (gsize i = i0; i < i1; i++)
        w[i] -= lr * (g[i] + c * w[i]);
      break;
    case DP_OPTIMIZER_MOMENTUM:
      if (opt->nesterov)
        for (gsize i = i0; i < i1; i++)
          {
            float gi = g[i] + c * w[i];
            m[i] = mu * m[i] + gi;
            w[i] -= lr * (gi + mu * m[i]);
          }
      else
        for (gsize i = i0; i < i1; i++)
          {
            m[i] = mu * m[i] + g[i] + c * w[i];
            w[i] -= lr * m[i];
          }
      break;
    case DP_OPTIMIZER_ADAM:
      {
        const float b1 = (float) DP_ADAM_BETA1, b2 = (float) DP_ADAM_BETA2;
        const float eps = (float) DP_ADAM_EPS;
        /* w -= lr·m̂/(sqrt(v̂)+ε) with m̂ = m·adam_a and sqrt(v̂) = sqrt(v)·adam_b */
        for (gsize i = i0; i < i1; i++)
          {
            float gi = g[i] + c * w[i];
            m[i] = b1 * m[i] + (1.0f - b1) * gi;
            v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
            w[i] -= lr * (m[i] * adam_a) / (sqrtf (v[i]) * adam_b + eps);
          }
      }
      break;
    case DP_OPTIMIZER_LBFGS:
    default:
      g_assert_not_reached ();
    }
}

void
dp_optimizer_step (DpOptimizer *opt, DpNetwork *net, const float *grads, double lr)
{
  g_return_if_fail (opt != NULL && net->n_params == opt->n);
  float adam_a = 1.0f, adam_b = 1.0f;
  if (opt->kind == DP_OPTIMIZER_ADAM)
    {
      opt->t++;
      adam_a = (float) (1.0 / (1.0 - pow (DP_ADAM_BETA1, (double) opt->t)));
      adam_b = (float) (1.0 / sqrt (1.0 - pow (DP_ADAM_BETA2, (double) opt->t)));
    }
  for (int l = 0; l < net->n_layers; l++)
    {
      gsize off = dp_network_layer_offset (net, l);
      gsize nw = (gsize) net->sizes[l + 1] * net->sizes[l];
      update_range (opt, net->params, grads, off, off + nw, (float) lr, (float) opt->l2_coeff,
                    adam_a, adam_b);
      update_range (opt, net->params, grads, off + nw, off + nw + net->sizes[l + 1], (float) lr,
                    0.0f, adam_a, adam_b);
    }
}

double
dp_schedule_lr (DpSchedule schedule, double base_lr, double progress)
{
  progress = CLAMP (progress, 0.0, 1.0);
  switch (schedule)
    {
    case DP_SCHEDULE_STEP:
      return progress >= 0.75 ? base_lr * 0.01 : progress >= 0.5 ? base_lr * 0.1 : base_lr;
    case DP_SCHEDULE_COSINE:
      return base_lr * 0.5 * (1.0 + cos (G_PI * progress));
    case DP_SCHEDULE_CONSTANT:
    default:
      return base_lr;
    }
}

double
dp_network_weight_sq_sum (const DpNetwork *net)
{
  double s = 0.0;
  for (int l = 0; l < net->n_layers; l++)
    {
      const float *W = dp_network_weights (net, l); /* (out, in) */
      gsize nw = (gsize) net->sizes[l + 1] * net->sizes[l];
      for (gsize i = 0; i < nw; i++)
        s += (double) W[i] * W[i];
    }
  return s;
}

void
dp_network_add_l2_grad (const DpNetwork *net, float *grads, double coeff)
{
  float c = (float) coeff;
  for (int l = 0; l < net->n_layers; l++)
    {
      gsize off = dp_network_layer_offset (net, l);
      gsize nw = (gsize) net->sizes[l + 1] * net->sizes[l];
      for (gsize i = off; i < off + nw; i++)
        grads[i] += c * net->params[i];
    }
}
