/* augment.h: random affine (rotation, scale, shear, shift) and elastic distortions of 28×28
 * images, for training. A DpAugmenter owns its scratch buffers so nothing is allocated per image. */
#pragma once

#include <glib.h>

#include "engine/rng.h"

G_BEGIN_DECLS

typedef struct
{
  float rotate_deg;    /* ± degrees */
  float scale;         /* ± fraction, e.g. 0.1 = 90 %..110 % */
  float shear;         /* ± shear factor */
  float shift_px;      /* ± pixels */
  float elastic_alpha; /* Simard's α: the scale of the smoothed U(-1, 1) field (0 = no elastic);
                        * RMS displacement ≈ α·0.58 / (2√π·σ) px, ≈ 1.1 px for α 34, σ 5 */
  float elastic_sigma; /* smoothing of the displacement field, pixels */
} DpAugmentParams;

typedef struct _DpAugmenter DpAugmenter;

/* rotation ±12°, scale ±12 % per axis, shear ±0.15, shift ±1.5 px, elastic α 34, σ 5 */
void         dp_augment_params_default (DpAugmentParams *p);
DpAugmenter *dp_augmenter_new          (const DpAugmentParams *p);
void         dp_augmenter_free         (DpAugmenter *aug);
/* in (784), out (784), in != out. The augmenter holds scratch buffers: one per thread. */
void         dp_augmenter_apply        (DpAugmenter *aug, const float *in, float *out, DpRng *rng);
/* the 64-bit draws one apply() takes from its rng, the same for every image (6 affine, plus
 * 2·28·14 for the elastic field when elastic_alpha > 0): a thread can start at row r of a batch
 * with the stream the images before it leave, by skipping r times as many (train.c) */
guint        dp_augmenter_draws_per_image (const DpAugmenter *aug);
/* in (n, 784), out (n, 784): apply() image after image */
void         dp_augmenter_apply_batch  (DpAugmenter *aug, const float *in, float *out, gsize n,
                                        DpRng *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpAugmenter, dp_augmenter_free)

G_END_DECLS
