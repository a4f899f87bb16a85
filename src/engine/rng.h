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

/* The step and the uniform float are inline: the hot loops (dropout masks, one draw per hidden
 * unit per row; the elastic fields, 784 draws per image; skipping ahead in a shared stream) draw
 * hundreds of thousands per batch, and a call per draw cost more than the draw. */
static inline guint64
dp_rng_rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
dp_rng_next (DpRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = dp_rng_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = dp_rng_rotl (s[3], 45);
  return result;
}

/* uniform in [0, 1): the top 24 bits, so every value is exactly representable and below 1 */
static inline float
dp_rng_uniform (DpRng *rng)
{
  return (float) (dp_rng_next (rng) >> 40) * (1.0f / 16777216.0f);
}

/* The state after k more draws, in O(log k): 256-bit matrix powers of the generator's step
 * (a linear map over GF(2)), about a microsecond per set bit of k; the same state k calls of
 * dp_rng_next would leave. Lets threads start their slice of one shared stream where a single
 * thread would be, without drawing their way there. */
void    dp_rng_skip    (DpRng *rng, guint64 k);
/* uniform in [lo, hi) */
float   dp_rng_range   (DpRng *rng, float lo, float hi);
/* standard normal (Box–Muller) */
float   dp_rng_normal  (DpRng *rng);
/* uniform integer in [0, n), n > 0, without modulo bias */
guint32 dp_rng_below   (DpRng *rng, guint32 n);
/* Fisher–Yates shuffle of idx[0..n) */
void    dp_rng_shuffle (DpRng *rng, guint32 *idx, gsize n);

G_END_DECLS
