/* calibrate.h: how far a model's confidences can be trusted, and temperature scaling to make them
 * mean what they say: the expected calibration error (ECE), the negative log-likelihood of
 * probabilities at a temperature, and the temperature that minimises it on held-out data. */
#pragma once

#include <glib.h>

#include "engine/network.h"

G_BEGIN_DECLS

/* the standard ECE's bins: 15 of equal width over (0, 1] */
#define DP_ECE_BINS 15

/* Expected calibration error of n answers, each given with its confidence (0..1) and whether it
 * was right: Σ_b (n_b / n) · |accuracy_b − mean confidence_b| over DP_ECE_BINS equal-width bins,
 * bin b holding the confidences in (b/15, (b+1)/15] (0 falls in the first). 0 for n = 0. */
double dp_calibration_ece       (const float *confidence, const gboolean *correct, int n);

/* The ECE of probabilities probs (n, k) against labels (n): confidence = the largest probability,
 * right when its class (the first on ties) is the label. */
double dp_calibration_ece_probs (const float *probs, int k, const guint8 *labels, int n);

/* The same for logits (n, k) at temperature t (dp_network_logits_to_probs with loss). */
double dp_calibration_ece_logits (const float *logits, int k, const guint8 *labels, int n,
                                  DpLoss loss, double t);

/* Mean negative log-likelihood of labels (n) under the probabilities the model shows for logits
 * (n, k) at temperature t (dp_network_logits_to_probs with loss), in double. */
double dp_calibration_nll       (const float *logits, int k, const guint8 *labels, int n,
                                 DpLoss loss, double t);

/* The temperature in [DP_TEMPERATURE_MIN, DP_TEMPERATURE_MAX] that minimises
 * dp_calibration_nll: golden-section search over log t (the NLL is unimodal in it for softmax
 * outputs). Deterministic. 1 for n = 0. */
double dp_calibration_fit_temperature (const float *logits, int k, const guint8 *labels, int n,
                                       DpLoss loss);

G_END_DECLS
