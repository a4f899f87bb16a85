/* optimizer.c: SGD, momentum (Nesterov optional) and Adam over the flat parameter block, with L2
 * weight decay folded into each weight's gradient and never applied to biases; learning-rate
 * schedules. Each update is one fused flat loop per contiguous run of weights or biases (Adam:
 * AVX2 + FMA chosen at run time), and a step is split into slices (each thread a contiguous part
 * of every layer) run on OpenBLAS's pool threads, the run's compute threads, which are idle
 * between two GEMMs. Every element is computed by the same instructions wherever the slices
 * fall, so a run repeats bit for bit. */
#include "engine/optimizer.h"

#include <math.h>
#include <string.h>

#include "engine/blas-threads.h"

/* the most threads one step is split between */
#define MAX_SLICES 64

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
  gboolean avx2;   /* this CPU has AVX2 and FMA: Adam's 8-lane kernel */
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
#if defined(__x86_64__)
  opt->avx2 = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#endif
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

/* ---------- the update kernels ---------- */

/* the scalars of one Adam step: w -= lr·(m·a) / (sqrt(v)·b + ε) with a = 1/(1-β1^t) and
 * b = 1/sqrt(1-β2^t), so that m̂ = m·a and sqrt(v̂) = sqrt(v)·b. Both kernels round as the
 * update always has (the AVX2 one as the compiler built the earlier plain loop for AVX2 + FMA):
 * a run gives the weights it gave before the update was fused and split. */
typedef struct
{
  float lr, a, b;
} AdamScalars;

#if defined(__x86_64__)
#include <immintrin.h>

/* Adam on [0, n) of w, g, m, v with decay coefficient c, AVX2 + FMA, 8 lanes. The last partial
 * vector goes through the same instructions with masked loads and stores, so every element is
 * computed the same way wherever a slice starts or ends: the weights do not depend on how the
 * block is split between threads. */
__attribute__ ((target ("arch=x86-64-v3")))
static void
adam_avx2 (float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
           gsize n, float c, AdamScalars s)
{
  const __m256 vc = _mm256_set1_ps (c);
  const __m256 b1 = _mm256_set1_ps ((float) DP_ADAM_BETA1);
  const __m256 c1 = _mm256_set1_ps (1.0f - (float) DP_ADAM_BETA1);
  const __m256 b2 = _mm256_set1_ps ((float) DP_ADAM_BETA2);
  const __m256 c2 = _mm256_set1_ps (1.0f - (float) DP_ADAM_BETA2);
  const __m256 eps = _mm256_set1_ps ((float) DP_ADAM_EPS);
  const __m256 lr = _mm256_set1_ps (s.lr);
  const __m256 a = _mm256_set1_ps (s.a);
  const __m256 b = _mm256_set1_ps (s.b);
  for (gsize i = 0; i < n; i += 8)
    {
      __m256 wi, gi, mi, vi;
      __m256i mask = _mm256_set1_epi32 (-1);
      gboolean full = n - i >= 8;
      if (full)
        {
          wi = _mm256_loadu_ps (w + i);
          gi = _mm256_loadu_ps (g + i);
          mi = _mm256_loadu_ps (m + i);
          vi = _mm256_loadu_ps (v + i);
        }
      else
        {
          /* lanes [0, n - i) */
          mask = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) (n - i)),
                                     _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7));
          wi = _mm256_maskload_ps (w + i, mask);
          gi = _mm256_maskload_ps (g + i, mask);
          mi = _mm256_maskload_ps (m + i, mask);
          vi = _mm256_maskload_ps (v + i, mask);
        }
      gi = _mm256_fmadd_ps (vc, wi, gi);                                /* g + c·w */
      mi = _mm256_fmadd_ps (b1, mi, _mm256_mul_ps (c1, gi));            /* β1·m + (1-β1)·g */
      vi = _mm256_fmadd_ps (b2, vi, _mm256_mul_ps (_mm256_mul_ps (c2, gi), gi));
      __m256 den = _mm256_fmadd_ps (_mm256_sqrt_ps (vi), b, eps);       /* sqrt(v̂) + ε */
      __m256 num = _mm256_mul_ps (_mm256_mul_ps (mi, a), lr);           /* lr·m̂ */
      wi = _mm256_sub_ps (wi, _mm256_div_ps (num, den));
      if (full)
        {
          _mm256_storeu_ps (w + i, wi);
          _mm256_storeu_ps (m + i, mi);
          _mm256_storeu_ps (v + i, vi);
        }
      else
        {
          _mm256_maskstore_ps (w + i, mask, wi);
          _mm256_maskstore_ps (m + i, mask, mi);
          _mm256_maskstore_ps (v + i, mask, vi);
        }
    }
}
#endif

/* the same update on any CPU: without FMA the vectorised body (SSE2) and the scalar remainder
 * round alike, so it does not depend on the split either */
static void
adam_generic (float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
              gsize n, float c, AdamScalars s)
{
  const float b1 = (float) DP_ADAM_BETA1, b2 = (float) DP_ADAM_BETA2;
  const float c1 = 1.0f - b1, c2 = 1.0f - b2, eps = (float) DP_ADAM_EPS;
  for (gsize i = 0; i < n; i++)
    {
      float gi = g[i] + c * w[i];
      m[i] = b1 * m[i] + c1 * gi;
      v[i] = b2 * v[i] + c2 * gi * gi;
      w[i] -= s.lr * (m[i] * s.a) / (sqrtf (v[i]) * s.b + eps);
    }
}

/* the update of params [i0, i1) with decay coefficient c (0 for biases); SGD and momentum
 * stream two or three arrays with a multiply-add or two per element, which the compiler
 * vectorises (built for AVX2 where the CPU has it, baseline SSE2 elsewhere; the loader picks) */
__attribute__ ((target_clones ("arch=x86-64-v3", "default")))
static void
update_range (DpOptimizer *opt, float *w, const float *g, gsize i0, gsize i1, float lr, float c,
              AdamScalars adam)
{
  float *m = opt->m;
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
#if defined(__x86_64__)
      if (opt->avx2)
        {
          adam_avx2 (w + i0, g + i0, m + i0, opt->v + i0, i1 - i0, c, adam);
          break;
        }
#endif
      adam_generic (w + i0, g + i0, m + i0, opt->v + i0, i1 - i0, c, adam);
      break;
    case DP_OPTIMIZER_LBFGS:
    default:
      g_assert_not_reached ();
    }
}

/* ---------- one step, split between the training threads ---------- */

typedef struct
{
  DpOptimizer *opt;
  const DpNetwork *net;
  const float *grads;
  float *clear; /* the same gradients to set to 0 once read, or NULL */
  float lr, l2;
  AdamScalars adam;
  int k, n; /* this entry is slice k of n */
} Slice;

/* below this many parameters a step is too short to share (the hand-over costs microseconds) */
#define PARALLEL_MIN_PARAMS 32768
/* slices start on 64-byte lines, so that two threads never write the same line */
#define SLICE_ALIGN 16

/* where slice k of n starts in [off, end): at k/n of it, on a 64-byte line */
static gsize
slice_start (gsize off, gsize end, int k, int n)
{
  if (k == 0)
    return off;
  if (k == n)
    return end;
  gsize at = off + (end - off) * k / n;
  return MIN ((at + SLICE_ALIGN - 1) / SLICE_ALIGN * SLICE_ALIGN, end);
}

/* Slice k's share of every layer, its k-th part of the layer's weights and biases, cut along
 * the weight and bias runs (the decay applies to weights only). Each thread takes a part of
 * every layer rather than a run of whole layers: the backward pass leaves the first layer's
 * gradient in the caches and the later layers' cold, and a thread given the cold half waited
 * for by the other made Adam's step a fifth slower. */
static void
run_slice (void *arg)
{
  const Slice *s = arg;
  const DpNetwork *net = s->net;
  gsize off = 0;
  for (int l = 0; l < net->n_layers; l++)
    {
      gsize nw = (gsize) net->sizes[l + 1] * net->sizes[l];
      gsize runs[3] = { off, off + nw, off + nw + net->sizes[l + 1] };
      gsize i0 = slice_start (off, runs[2], s->k, s->n);
      gsize i1 = slice_start (off, runs[2], s->k + 1, s->n);
      for (int r = 0; r < 2; r++)
        {
          gsize a = MAX (runs[r], i0), b = MIN (runs[r + 1], i1);
          if (a < b)
            update_range (s->opt, net->params, s->grads, a, b, s->lr, r == 0 ? s->l2 : 0.0f,
                          s->adam);
          /* while the lines are still in this core's cache */
          if (a < b && s->clear)
            memset (s->clear + a, 0, (b - a) * sizeof (float));
        }
      off = runs[2];
    }
}

static void
step (DpOptimizer *opt, DpNetwork *net, const float *grads, float *clear, double lr)
{
  g_return_if_fail (opt != NULL && net->n_params == opt->n);
  AdamScalars adam = { (float) lr, 1.0f, 1.0f };
  if (opt->kind == DP_OPTIMIZER_ADAM)
    {
      opt->t++;
      adam.a = (float) (1.0 / (1.0 - pow (DP_ADAM_BETA1, (double) opt->t)));
      adam.b = (float) (1.0 / sqrt (1.0 - pow (DP_ADAM_BETA2, (double) opt->t)));
    }
  int n_threads = opt->n < PARALLEL_MIN_PARAMS ? 1 : MIN (dp_blas_threads_available (),
                                                            MAX_SLICES);
  Slice slices[MAX_SLICES];
  for (int k = 0; k < n_threads; k++)
    slices[k] = (Slice) { opt, net, grads, clear, (float) lr, (float) opt->l2_coeff, adam, k,
                          n_threads };
  dp_blas_threads_run (n_threads, run_slice, slices, sizeof (Slice));
}

void
dp_optimizer_step (DpOptimizer *opt, DpNetwork *net, const float *grads, double lr)
{
  step (opt, net, grads, NULL, lr);
}

void
dp_optimizer_step_and_clear (DpOptimizer *opt, DpNetwork *net, float *grads, double lr)
{
  step (opt, net, grads, grads, lr);
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
