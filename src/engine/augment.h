/* augment.h: random affine (rotation, scale, shear, shift) and elastic distortions of 28×28
 * images, for training. A DpAugmenter owns its scratch buffers so nothing is allocated per image. */
#pragma once

#include <glib.h>

#include "rng.h"

G_BEGIN_DECLS

typedef struct
{
  float rotate_deg;    /* ± degrees */
  float scale;         /* ± fraction, e.g. 0.1 = 90 %..110 % */
  float shear;         /* ± shear factor */
  float shift_px;      /* ± pixels */
  float elastic_alpha; /* displacement strength in pixels (0 = no elastic) */
  float elastic_sigma; /* smoothing of the displacement field, pixels */
} DpAugmentParams;

typedef struct _DpAugmenter DpAugmenter;

void         dp_augment_params_default (DpAugmentParams *p);
DpAugmenter *dp_augmenter_new          (const DpAugmentParams *p);
void         dp_augmenter_free         (DpAugmenter *aug);
/* in (784), out (784), in != out */
void         dp_augmenter_apply        (DpAugmenter *aug, const float *in, float *out, DpRng *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpAugmenter, dp_augmenter_free)

G_END_DECLS
