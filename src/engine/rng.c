/* rng.c: xoshiro256** seeded through splitmix64 (Blackman & Vigna); its step is inline in rng.h. */
#include "engine/rng.h"

#include <math.h>
#include <string.h>

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

/* ---------- skipping ahead ---------- */

/* The step s → s' of xoshiro256 (shifts, rotations and xors of the four words) is linear over
 * GF(2): s' = T·s for a 256×256 bit matrix T. A matrix is kept as its 256 columns, the images of
 * the one-bit states, 4 words each; powers[j] = T^(2^j), so skipping k draws applies the powers
 * of k's set bits. The table (64 powers, 512 KiB) is built once, on the first skip, in a few
 * milliseconds: T from its columns, then 63 squarings. */
typedef guint64 Column[4];

static Column powers[64][256];

/* out = M·v */
static void
apply (const Column *M, const guint64 *v, guint64 *out)
{
  guint64 r[4] = { 0, 0, 0, 0 };
  for (int w = 0; w < 4; w++)
    for (guint64 bits = v[w]; bits; bits &= bits - 1)
      {
        const guint64 *c = M[w * 64 + __builtin_ctzll (bits)];
        r[0] ^= c[0];
        r[1] ^= c[1];
        r[2] ^= c[2];
        r[3] ^= c[3];
      }
  memcpy (out, r, sizeof r);
}

static void
build_powers (void)
{
  for (int i = 0; i < 256; i++)
    {
      DpRng e = { { 0, 0, 0, 0 } };
      e.s[i / 64] = (guint64) 1 << (i % 64);
      dp_rng_next (&e);
      memcpy (powers[0][i], e.s, sizeof (Column));
    }
  /* T^(2^(j+1)) = T^(2^j) · T^(2^j), column by column */
  for (int j = 0; j + 1 < 64; j++)
    for (int i = 0; i < 256; i++)
      apply (powers[j], powers[j][i], powers[j + 1][i]);
}

void
dp_rng_skip (DpRng *rng, guint64 k)
{
  static gsize built = 0;
  if (k == 0)
    return;
  if (g_once_init_enter (&built))
    {
      build_powers ();
      g_once_init_leave (&built, 1);
    }
  for (int j = 0; k; j++, k >>= 1)
    if (k & 1)
      apply (powers[j], rng->s, rng->s);
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
