/* optimizer.h: first-order updates of a DpNetwork's parameter block from a gradient block in the
 * same layout: SGD, momentum (optionally Nesterov), Adam; L2 weight decay on weights only (never
 * biases); learning-rate schedules. Used by train.c; L-BFGS lives in train.c (liblbfgs). */
#pragma once

#include <glib.h>

#include "engine/network.h"
#include "engine/train.h"

G_BEGIN_DECLS

#define DP_ADAM_BETA1 0.9
#define DP_ADAM_BETA2 0.999
#define DP_ADAM_EPS   1e-8

typedef struct _DpOptimizer DpOptimizer;

/* l2_coeff = λ / N_train: the gradient of the penalty λ/(2·N_train)·Σw² is l2_coeff·w, added
 * to each weight's gradient (not the biases') inside the update. momentum and nesterov are used
 * by DP_OPTIMIZER_MOMENTUM only. DP_OPTIMIZER_LBFGS is not a first-order optimizer: NULL. */
DpOptimizer *dp_optimizer_new  (DpOptimizerKind kind, const DpNetwork *net, double momentum,
                                gboolean nesterov, double l2_coeff);
void         dp_optimizer_free (DpOptimizer *opt);

/* One update of net->params from grads (n_params, gradient of the mean batch loss, no L2):
 *   SGD:       w -= lr·g
 *   momentum:  v = μ·v + g;  w -= lr·v            (Nesterov: w -= lr·(g + μ·v))
 *   Adam:      m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
 *              w -= lr·m̂ / (sqrt(v̂) + ε),  m̂ = m/(1-β1^t), v̂ = v/(1-β2^t)
 * where g includes l2_coeff·w for weights. Allocates nothing. Large blocks are split between
 * OpenBLAS's current threads (blas-threads.h); the result does not depend on the split. */
void         dp_optimizer_step (DpOptimizer *opt, DpNetwork *net, const float *grads, double lr);

/* dp_optimizer_step, then grads = 0, each part while it is still in the cache: the next backward
 * pass accumulates into them (dp_network_backward with accumulate), so its weight-gradient GEMMs
 * skip the pass OpenBLAS makes to zero C (beta = 0), a cold pass over every gradient; the same
 * weights as a step and a backward pass with beta = 0. */
void         dp_optimizer_step_and_clear (DpOptimizer *opt, DpNetwork *net, float *grads,
                                          double lr);

/* The learning rate at progress ∈ [0, 1] of the run (epochs done / epochs, fractional):
 * constant; step: × 0.1 from 50 %, × 0.01 from 75 %; cosine: base·½(1 + cos(π·progress)). */
double       dp_schedule_lr    (DpSchedule schedule, double base_lr, double progress);

/* Σ w² over the weights of every layer (biases excluded), in double. */
double       dp_network_weight_sq_sum (const DpNetwork *net);
/* grads += coeff·w on the weights (biases untouched): the penalty's gradient, for L-BFGS. */
void         dp_network_add_l2_grad   (const DpNetwork *net, float *grads, double coeff);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpOptimizer, dp_optimizer_free)

G_END_DECLS
