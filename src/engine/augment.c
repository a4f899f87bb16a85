/* augment.c: random distortions of 28×28 digits for training: one affine map (rotation, scale
 * per axis, shear, shift, about the centre-of-mass pixel (14, 14)) composed with an elastic
 * displacement field in the manner of Simard, Steinkraus & Platt (2003): a uniform random field
 * in [-1, 1], smoothed by a Gaussian of σ px (separably), times α. Bilinear sampling, 0 outside.
 *
 * The DpAugmenter owns every scratch buffer (the fields, the kernel, a zero-padded copy of the
 * input), so apply() allocates nothing; it is not thread-safe: one augmenter per thread. The
 * number of random draws per image is fixed for given parameters (six for the affine map, plus
 * the elastic field's when α > 0), so a given rng state always gives the same image.
 *
 * Two builds of the work: the baseline (SSE2) one, and AVX2 where the CPU has it (chosen at run
 * time; about 3× faster). Both do the same operations in the same order with the same rounding,
 * so they give the same bits, and the same as before the AVX2 path existed: the built-in model
 * is reproduced bit for bit by its training command (test-augment pins the bits). */
#include "engine/augment.h"
#include "engine/augment-private.h"

/* No a·b + c fused into one rounding, whatever the target (-march=native, the AVX2 functions
 * below): the images' bits are pinned (test-augment's golden test), and the built-in model's
 * reproducibility rests on them. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#else
#pragma GCC optimize ("fp-contract=off")
#endif

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define SIDE   28
#define N      (SIDE * SIDE)
#define PAD    2                 /* zero border of the padded input: bilinear never tests bounds */
#define PSIDE  (SIDE + 2 * PAD)
#define CENTRE 14.0f             /* MNIST's centre of mass, pixel index */
#define NODES  (SIDE / 2 + 1)     /* the elastic field's nodes per axis: pixels 0, 2, …, 28 */
#define NODES_PAD 16
#define ROW    32                /* a row of noise[] and disp[]: whole 8-float vectors */

struct _DpAugmenter
{
  DpAugmentParams p;
  gboolean avx2;                      /* the AVX2 path (where the CPU has it): the same bits */
  float K[NODES][SIDE];               /* (15, 28) Gaussian weight of pixel y for node j (at 2j) */
  float KT[SIDE][NODES_PAD];          /* (28, 16) the same, transposed, zero-padded */
  float noise[SIDE][ROW];             /* (28, 32) U(-1, 1), the last 4 of a row 0 */
  float nodes[NODES + 1][NODES_PAD];  /* (15 + 1, 16) the smoothed field at the even pixels
                                       * 0..28, and a zero row (the AVX2 path reads into it) */
  float disp[2][SIDE][ROW];           /* (2, 28, 32) smoothed displacement, x then y */
  float padded[PSIDE * PSIDE];        /* (32, 32) input with a zero border */
};

/* Defaults for MNIST MLPs, after Simard et al. (2003, elastic σ = 4, α = 34) and Cireşan et al.
 * (2010, rotation ±15°, scaling ±15–20 %, σ = 5–6, α = 36–38, for very long trainings):
 * a little milder, for a training of tens of epochs, so the distorted digits stay inside what
 * people write. With σ = 5 the smoothed field has an RMS of about α·0.58/(2√π·σ) ≈ 1.1 px.
 * Shifts stay small because the test digits (and every drawing) are centred by their mass. */
void
dp_augment_params_default (DpAugmentParams *p)
{
  g_return_if_fail (p != NULL);
  p->rotate_deg = 12.0f;
  p->scale = 0.12f;
  p->shear = 0.15f;
  p->shift_px = 1.5f;
  p->elastic_alpha = 34.0f;
  p->elastic_sigma = 5.0f;
}

DpAugmenter *
dp_augmenter_new (const DpAugmentParams *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  DpAugmenter *aug = g_new0 (DpAugmenter, 1);
  aug->p = *p;
  /* magnitudes: a negative or non-finite bound means none */
#define SANE(v) ((v) = isfinite (v) ? fabsf (v) : 0.0f)
  SANE (aug->p.rotate_deg);
  SANE (aug->p.scale);
  SANE (aug->p.shear);
  SANE (aug->p.shift_px);
  SANE (aug->p.elastic_alpha);
  SANE (aug->p.elastic_sigma);
#undef SANE
  aug->p.scale = MIN (aug->p.scale, 0.9f);

  /* the Gaussian truncated at 3σ and normalised to 1 over its support, as a convolution
   * kernel; σ → 0 is the identity */
  double sigma = aug->p.elastic_sigma;
  int radius = sigma < 1e-3 ? 0 : (int) ceil (3 * sigma);
  double sum = 0;
  for (int d = -radius; d <= radius; d++)
    sum += radius == 0 ? 1.0 : exp (-0.5 * d * d / (sigma * sigma));
  for (int j = 0; j < NODES; j++)
    for (int y = 0; y < SIDE; y++)
      {
        int d = y - 2 * j;
        double w = abs (d) > radius ? 0 : radius == 0 ? 1.0 : exp (-0.5 * d * d / (sigma * sigma));
        aug->K[j][y] = (float) (w / sum);
        aug->KT[y][j] = aug->K[j][y];
      }
  dp_augmenter_use_vector (aug, TRUE);
  return aug;
}

void
dp_augmenter_free (DpAugmenter *aug)
{
  g_free (aug);
}

/* disp = α · G_σ * U(-1, 1), separably, the noise zero outside the image. The smoothed field
 * varies over σ ≥ a few px, so it is computed on the even pixels only (15 × 15 nodes, 0..28) and
 * interpolated between them: 2.5× less work, an error far below a hundredth of a pixel. Both
 * passes are small matrix products (nodes = K·U·Kᵀ) whose inner loops vectorise. Its mean is
 * removed: elastic means deformation, and shifting is shift_px's job (an MLP is not
 * translation-invariant, and the digits it sees are always centred by their mass). */

/* nodes = α · (nodes − their mean), the mean summed in double, row after row */
static void
centre_nodes (DpAugmenter *aug)
{
  double mean = 0;
  for (int j = 0; j < NODES; j++)
    for (int i = 0; i < NODES; i++)
      mean += aug->nodes[j][i];
  float m = (float) (mean / (NODES * NODES)), a = aug->p.elastic_alpha;
  for (int j = 0; j < NODES; j++)
    for (int i = 0; i < NODES; i++)
      aug->nodes[j][i] = a * (aug->nodes[j][i] - m);
}

static void
make_elastic (DpAugmenter *aug, DpRng *rng)
{
  for (int c = 0; c < 2; c++)
    {
      float (*u)[ROW] = aug->noise;
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x += 2)
          {
            /* two 24-bit uniforms in [-1, 1) from one 64-bit draw */
            guint64 r = dp_rng_next (rng);
            u[y][x] = (float) (r >> 40) * (2.0f / 16777216.0f) - 1.0f;
            u[y][x + 1] = (float) ((r >> 8) & 0xffffff) * (2.0f / 16777216.0f) - 1.0f;
          }
      for (int j = 0; j < NODES; j++)
        {
          /* tmp = K[j]·U, a row of the columns' smoothing: (28) */
          float tmp[SIDE] = { 0 };
          for (int y = 0; y < SIDE; y++)
            {
              float w = aug->K[j][y];
              for (int x = 0; x < SIDE; x++) /* vectorises over x */
                tmp[x] += w * u[y][x];
            }
          /* nodes[j] = tmp·Kᵀ: (16), the last one padding */
          float *nj = aug->nodes[j];
          for (int i = 0; i < NODES_PAD; i++)
            nj[i] = 0;
          for (int x = 0; x < SIDE; x++)
            {
              float t = tmp[x];
              for (int i = 0; i < NODES_PAD; i++) /* vectorises over i */
                nj[i] += t * aug->KT[x][i];
            }
        }
      centre_nodes (aug);
      /* every pixel from its nodes: even coordinates sit on one, odd ones halfway */
      for (int y = 0; y < SIDE; y++)
        {
          const float *n0 = aug->nodes[y / 2], *n1 = aug->nodes[(y + 1) / 2];
          float *out = aug->disp[c][y];
          for (int x = 0; x < SIDE; x++)
            {
              int i0 = x / 2, i1 = (x + 1) / 2;
              out[x] = 0.25f * (n0[i0] + n0[i1] + n1[i0] + n1[i1]);
            }
        }
    }
}

/* src = A⁻¹ (dst + d(dst) − c − t) + c: the inverse of the affine map, and its shift */
typedef struct
{
  float i00, i01, i10, i11, tx, ty;
} Inverse;

/* out (784) = the padded input sampled bilinearly at every pixel's source point, 0 outside */
static void
sample_generic (const DpAugmenter *aug, const Inverse *m, gboolean elastic, float *out)
{
  const float *pad = aug->padded;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        int i = y * SIDE + x;
        float u = x - CENTRE - m->tx, v = y - CENTRE - m->ty;
        if (elastic)
          u += aug->disp[0][y][x], v += aug->disp[1][y][x];
        float fx = m->i00 * u + m->i01 * v + CENTRE;
        float fy = m->i10 * u + m->i11 * v + CENTRE;
        if (!(fx > -1.0f && fx < SIDE && fy > -1.0f && fy < SIDE))
          {
            out[i] = 0;
            continue;
          }
        float gx = floorf (fx), gy = floorf (fy);
        float wx = fx - gx, wy = fy - gy;
        const float *q = pad + ((int) gy + PAD) * PSIDE + (int) gx + PAD;
        float top = q[0] + wx * (q[1] - q[0]);
        float bot = q[PSIDE] + wx * (q[PSIDE + 1] - q[PSIDE]);
        float val = top + wy * (bot - top);
        out[i] = CLAMP (val, 0.0f, 1.0f);
      }
}

#if defined(__x86_64__)
/* The AVX2 path: the same operations in the same order, 8 floats at a time. target ("avx2")
 * leaves FMA out and fp-contract is off, so no a·b + c is fused; floor, the comparisons, the
 * blends and the conversions are exact. */

/* U (28, 28) from 4 draws a vector: r >> 40 and (r >> 8) & 0xffffff side by side in each 64-bit
 * lane are the two 32-bit integers, in the order make_elastic stores them */
__attribute__ ((target ("avx2"))) static inline __m256
noise_avx2 (__m256i r)
{
  __m256i hi = _mm256_srli_epi64 (r, 40);
  __m256i lo = _mm256_and_si256 (_mm256_srli_epi64 (r, 8), _mm256_set1_epi64x (0xffffff));
  __m256 f = _mm256_cvtepi32_ps (_mm256_or_si256 (hi, _mm256_slli_epi64 (lo, 32)));
  return _mm256_sub_ps (_mm256_mul_ps (f, _mm256_set1_ps (2.0f / 16777216.0f)), _mm256_set1_ps (1));
}

__attribute__ ((target ("avx2"))) static void
make_elastic_avx2 (DpAugmenter *aug, DpRng *rng)
{
  const __m256 zero = _mm256_setzero_ps (), quarter = _mm256_set1_ps (0.25f);
  for (int c = 0; c < 2; c++)
    {
      /* each 64-bit draw stored where its two floats go, then, once all are stored (a load
       * that spans the last few stores would wait for them), converted in place: columns 0-23
       * 8 at a time, 24-27 by the lower half */
      float (*u)[ROW] = aug->noise;
      for (int y = 0; y < SIDE; y++)
        for (int x = 0; x < SIDE; x += 2)
          {
            guint64 r = dp_rng_next (rng);
            memcpy (&u[y][x], &r, sizeof r);
          }
      for (int y = 0; y < SIDE; y++)
        {
          for (int x = 0; x < SIDE - 4; x += 8)
            {
              __m256i r = _mm256_loadu_si256 ((const __m256i *) (u[y] + x));
              _mm256_storeu_ps (u[y] + x, noise_avx2 (r));
            }
          __m128i last = _mm_loadu_si128 ((const __m128i *) (u[y] + SIDE - 4));
          _mm_storeu_ps (u[y] + SIDE - 4,
                         _mm256_castps256_ps128 (noise_avx2 (_mm256_castsi128_si256 (last))));
        }
      for (int j = 0; j < NODES; j++)
        {
          /* tmp = K[j]·U (32: the last 4 columns of U are 0, their sums unused) */
          __m256 t0 = zero, t1 = zero, t2 = zero, t3 = zero;
          for (int y = 0; y < SIDE; y++)
            {
              __m256 w = _mm256_set1_ps (aug->K[j][y]);
              t0 = _mm256_add_ps (t0, _mm256_mul_ps (w, _mm256_loadu_ps (u[y])));
              t1 = _mm256_add_ps (t1, _mm256_mul_ps (w, _mm256_loadu_ps (u[y] + 8)));
              t2 = _mm256_add_ps (t2, _mm256_mul_ps (w, _mm256_loadu_ps (u[y] + 16)));
              t3 = _mm256_add_ps (t3, _mm256_mul_ps (w, _mm256_loadu_ps (u[y] + 24)));
            }
          float tmp[ROW];
          _mm256_storeu_ps (tmp, t0);
          _mm256_storeu_ps (tmp + 8, t1);
          _mm256_storeu_ps (tmp + 16, t2);
          _mm256_storeu_ps (tmp + 24, t3);
          /* nodes[j] = tmp·Kᵀ (16) */
          __m256 n0 = zero, n1 = zero;
          for (int x = 0; x < SIDE; x++)
            {
              __m256 t = _mm256_set1_ps (tmp[x]);
              n0 = _mm256_add_ps (n0, _mm256_mul_ps (t, _mm256_loadu_ps (aug->KT[x])));
              n1 = _mm256_add_ps (n1, _mm256_mul_ps (t, _mm256_loadu_ps (aug->KT[x] + 8)));
            }
          _mm256_storeu_ps (aug->nodes[j], n0);
          _mm256_storeu_ps (aug->nodes[j] + 8, n1);
        }
      centre_nodes (aug);
      /* pixels 2k (on node k) and 2k + 1 (between k and k + 1), k = 0..7 and 8..15, interleaved;
       * k = 14, 15 land in the row's padding (node 16 is the next row's first, or the zero row) */
      for (int y = 0; y < SIDE; y++)
        {
          const float *n0 = aug->nodes[y / 2], *n1 = aug->nodes[(y + 1) / 2];
          float *out = aug->disp[c][y];
          for (int k = 0; k < 16; k += 8)
            {
              __m256 a = _mm256_loadu_ps (n0 + k), b = _mm256_loadu_ps (n0 + k + 1);
              __m256 d = _mm256_loadu_ps (n1 + k), e = _mm256_loadu_ps (n1 + k + 1);
              __m256 even = _mm256_add_ps (_mm256_add_ps (_mm256_add_ps (a, a), d), d);
              __m256 odd = _mm256_add_ps (_mm256_add_ps (_mm256_add_ps (a, b), d), e);
              even = _mm256_mul_ps (quarter, even), odd = _mm256_mul_ps (quarter, odd);
              __m256 lo = _mm256_unpacklo_ps (even, odd), hi = _mm256_unpackhi_ps (even, odd);
              _mm256_storeu_ps (out + 2 * k, _mm256_permute2f128_ps (lo, hi, 0x20));
              _mm256_storeu_ps (out + 2 * k + 8, _mm256_permute2f128_ps (lo, hi, 0x31));
            }
        }
    }
}

/* the pairs base[at[l]], base[at[l] + 1] for the 4 lanes l of at */
__attribute__ ((target ("avx2"))) static inline __m256
gather_pairs (const float *base, __m128i at)
{
  return _mm256_castsi256_ps (_mm256_i32gather_epi64 ((const long long *) base, at, 4));
}

__attribute__ ((target ("avx2"))) static void
sample_avx2 (const DpAugmenter *aug, const Inverse *m, gboolean elastic, float *out)
{
  float ux[SIDE];
  for (int x = 0; x < SIDE; x++)
    ux[x] = x - CENTRE - m->tx;
  const __m256 i00 = _mm256_set1_ps (m->i00), i01 = _mm256_set1_ps (m->i01);
  const __m256 i10 = _mm256_set1_ps (m->i10), i11 = _mm256_set1_ps (m->i11);
  const __m256 centre = _mm256_set1_ps (CENTRE), lo = _mm256_set1_ps (-1.0f);
  const __m256 hi = _mm256_set1_ps (SIDE), zero = _mm256_setzero_ps (), one = _mm256_set1_ps (1);
  const __m256i stride = _mm256_set1_epi32 (PSIDE), origin = _mm256_set1_epi32 (PAD * PSIDE + PAD);
  const __m256i order = _mm256_setr_epi32 (0, 1, 4, 5, 2, 3, 6, 7);
  const float *pad = aug->padded;
  for (int y = 0; y < SIDE; y++)
    {
      const __m256 vy = _mm256_set1_ps (y - CENTRE - m->ty);
      /* columns 0-7, 8-15, 16-23, 20-27: the last overlaps, with the same values */
      for (int k = 0; k < 4; k++)
        {
          int x0 = k < 3 ? 8 * k : SIDE - 8;
          __m256 u = _mm256_loadu_ps (ux + x0), v = vy;
          if (elastic)
            {
              u = _mm256_add_ps (u, _mm256_loadu_ps (aug->disp[0][y] + x0));
              v = _mm256_add_ps (v, _mm256_loadu_ps (aug->disp[1][y] + x0));
            }
          __m256 fx = _mm256_add_ps (_mm256_add_ps (_mm256_mul_ps (i00, u), _mm256_mul_ps (i01, v)),
                                     centre);
          __m256 fy = _mm256_add_ps (_mm256_add_ps (_mm256_mul_ps (i10, u), _mm256_mul_ps (i11, v)),
                                     centre);
          /* inside: fx, fy in (-1, SIDE), false for NaN as in the scalar test */
          __m256 in = _mm256_and_ps (_mm256_and_ps (_mm256_cmp_ps (fx, lo, _CMP_GT_OQ),
                                                    _mm256_cmp_ps (fx, hi, _CMP_LT_OQ)),
                                     _mm256_and_ps (_mm256_cmp_ps (fy, lo, _CMP_GT_OQ),
                                                    _mm256_cmp_ps (fy, hi, _CMP_LT_OQ)));
          __m256 gx = _mm256_floor_ps (fx), gy = _mm256_floor_ps (fy);
          __m256 wx = _mm256_sub_ps (fx, gx), wy = _mm256_sub_ps (fy, gy);
          __m256i at = _mm256_add_epi32 (_mm256_mullo_epi32 (_mm256_cvttps_epi32 (gy), stride),
                                         _mm256_add_epi32 (_mm256_cvttps_epi32 (gx), origin));
          at = _mm256_and_si256 (at, _mm256_castps_si256 (in)); /* outside: pad[0], unused */
          /* each pixel's two neighbours in a row as one 64-bit element: pixels 0, 1, 4, 5 in a,
           * 2, 3, 6, 7 in b, so that taking every other float of a and b gives pixels 0-7 */
          at = _mm256_permutevar8x32_epi32 (at, order);
          __m128i at_a = _mm256_castsi256_si128 (at), at_b = _mm256_extracti128_si256 (at, 1);
          __m256 top_a = gather_pairs (pad, at_a), top_b = gather_pairs (pad, at_b);
          __m256 bot_a = gather_pairs (pad + PSIDE, at_a), bot_b = gather_pairs (pad + PSIDE, at_b);
          __m256 q00 = _mm256_shuffle_ps (top_a, top_b, _MM_SHUFFLE (2, 0, 2, 0));
          __m256 q01 = _mm256_shuffle_ps (top_a, top_b, _MM_SHUFFLE (3, 1, 3, 1));
          __m256 q10 = _mm256_shuffle_ps (bot_a, bot_b, _MM_SHUFFLE (2, 0, 2, 0));
          __m256 q11 = _mm256_shuffle_ps (bot_a, bot_b, _MM_SHUFFLE (3, 1, 3, 1));
          __m256 top = _mm256_add_ps (q00, _mm256_mul_ps (wx, _mm256_sub_ps (q01, q00)));
          __m256 bot = _mm256_add_ps (q10, _mm256_mul_ps (wx, _mm256_sub_ps (q11, q10)));
          __m256 val = _mm256_add_ps (top, _mm256_mul_ps (wy, _mm256_sub_ps (bot, top)));
          /* CLAMP (val, 0, 1): val > 1 ? 1 : val < 0 ? 0 : val (NaN stays NaN) */
          __m256 r = _mm256_blendv_ps (val, zero, _mm256_cmp_ps (val, zero, _CMP_LT_OQ));
          r = _mm256_blendv_ps (r, one, _mm256_cmp_ps (val, one, _CMP_GT_OQ));
          _mm256_storeu_ps (out + y * SIDE + x0, _mm256_and_ps (r, in));
        }
    }
}
#endif

gboolean
dp_augmenter_use_vector (DpAugmenter *aug, gboolean vector)
{
  g_return_val_if_fail (aug != NULL, FALSE);
#if defined(__x86_64__)
  aug->avx2 = vector && __builtin_cpu_supports ("avx2");
#else
  aug->avx2 = FALSE;
#endif
  return aug->avx2;
}

void
dp_augmenter_apply (DpAugmenter *aug, const float *in, float *out, DpRng *rng)
{
  g_return_if_fail (aug != NULL && in != NULL && out != NULL && rng != NULL);
  g_return_if_fail (in != out);
  const DpAugmentParams *p = &aug->p;

  /* the six affine draws happen whichever of their parameters are zero; the elastic field draws
   * 2·28·14 more, only when elastic_alpha > 0 */
  float angle = dp_rng_range (rng, -1, 1) * p->rotate_deg * (float) (G_PI / 180.0);
  float sx = 1 + dp_rng_range (rng, -1, 1) * p->scale;
  float sy = 1 + dp_rng_range (rng, -1, 1) * p->scale;
  float sh = dp_rng_range (rng, -1, 1) * p->shear;
  Inverse m;
  m.tx = dp_rng_range (rng, -1, 1) * p->shift_px;
  m.ty = dp_rng_range (rng, -1, 1) * p->shift_px;
  gboolean elastic = p->elastic_alpha > 0;
  if (elastic)
    {
#if defined(__x86_64__)
      if (aug->avx2)
        make_elastic_avx2 (aug, rng);
      else
#endif
        make_elastic (aug, rng);
    }

  /* forward map A = Rot(angle) · Shear(sh) · Scale(sx, sy) about the centre, then the shift;
   * sampling needs its inverse: src = A⁻¹ (dst + d(dst) − c − t) + c */
  float ca = cosf (angle), sa = sinf (angle);
  /* Shear·Scale = [[sx, sh·sy], [0, sy]] */
  float a00 = ca * sx, a01 = ca * sh * sy - sa * sy;
  float a10 = sa * sx, a11 = sa * sh * sy + ca * sy;
  float det = a00 * a11 - a01 * a10;
  m.i00 = a11 / det, m.i01 = -a01 / det, m.i10 = -a10 / det, m.i11 = a00 / det;

  /* zero-padded copy: every bilinear neighbour of a source point in [-1, 28) exists */
  float *pad = aug->padded;
  memset (pad, 0, sizeof aug->padded);
  for (int y = 0; y < SIDE; y++)
    memcpy (pad + (y + PAD) * PSIDE + PAD, in + y * SIDE, sizeof (float) * SIDE);

#if defined(__x86_64__)
  if (aug->avx2)
    {
      sample_avx2 (aug, &m, elastic, out);
      return;
    }
#endif
  sample_generic (aug, &m, elastic, out);
}

guint
dp_augmenter_draws_per_image (const DpAugmenter *aug)
{
  g_return_val_if_fail (aug != NULL, 0);
  return 6 + (aug->p.elastic_alpha > 0 ? 2 * SIDE * (SIDE / 2) : 0);
}

void
dp_augmenter_apply_batch (DpAugmenter *aug, const float *in, float *out, gsize n, DpRng *rng)
{
  g_return_if_fail (aug != NULL && in != NULL && out != NULL && rng != NULL);
  for (gsize i = 0; i < n; i++)
    dp_augmenter_apply (aug, in + i * N, out + i * N, rng);
}
