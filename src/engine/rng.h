/* rng.h: a small seeded random generator (xoshiro256**) owned by whoever needs one, so that runs
 * repeat exactly for the same seed. Never rand(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} DpRng;

void    dp_rng_init    (DpRng *rng, guint64 seed);
guint64 dp_rng_next    (DpRng *rng);
/* uniform in [0, 1) */
float   dp_rng_uniform (DpRng *rng);
/* uniform in [lo, hi) */
float   dp_rng_range   (DpRng *rng, float lo, float hi);
/* standard normal (Box–Muller) */
float   dp_rng_normal  (DpRng *rng);
/* uniform integer in [0, n), n > 0, without modulo bias */
guint32 dp_rng_below   (DpRng *rng, guint32 n);
/* Fisher–Yates shuffle of idx[0..n) */
void    dp_rng_shuffle (DpRng *rng, guint32 *idx, gsize n);

G_END_DECLS
