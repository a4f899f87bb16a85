/* rng.c: xoshiro256** seeded through splitmix64 (Blackman & Vigna); its step is inline in rng.h. */
#include "engine/rng.h"

#include <math.h>

void
dp_rng_init (DpRng *rng, guint64 seed)
{
  guint64 z = seed;
  for (int i = 0; i < 4; i++)
    {
      /* splitmix64 spreads any seed, 0 included, over the whole state */
      guint64 x = (z += 0x9e3779b97f4a7c15ULL);
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      rng->s[i] = x ^ (x >> 31);
    }
}

float
dp_rng_range (DpRng *rng, float lo, float hi)
{
  return lo + (hi - lo) * dp_rng_uniform (rng);
}

float
dp_rng_normal (DpRng *rng)
{
  double u1 = ((dp_rng_next (rng) >> 11) + 1.0) * (1.0 / 9007199254740993.0); /* (0, 1] */
  double u2 = (dp_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

guint32
dp_rng_below (DpRng *rng, guint32 n)
{
  g_assert (n > 0);
  /* Lemire's multiply-shift with rejection of the biased low range */
  guint64 m = (dp_rng_next (rng) >> 32) * (guint64) n;
  guint32 low = (guint32) m;
  if (low < n)
    {
      guint32 threshold = -n % n;
      while (low < threshold)
        {
          m = (dp_rng_next (rng) >> 32) * (guint64) n;
          low = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

void
dp_rng_shuffle (DpRng *rng, guint32 *idx, gsize n)
{
  for (gsize i = n; i > 1; i--)
    {
      guint32 j = dp_rng_below (rng, (guint32) i);
      guint32 t = idx[i - 1];
      idx[i - 1] = idx[j];
      idx[j] = t;
    }
}
