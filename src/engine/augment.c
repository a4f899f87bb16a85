/* augment.c: random distortions of 28×28 digits for training: one affine map (rotation, scale
 * per axis, shear, shift, about the centre-of-mass pixel (14, 14)) composed with an elastic
 * displacement field in the manner of Simard, Steinkraus & Platt (2003): a uniform random field
 * in [-1, 1], smoothed by a Gaussian of σ px (separably), times α. Bilinear sampling, 0 outside.
 *
 * The DpAugmenter owns every scratch buffer (the fields, the kernel, a zero-padded copy of the
 * input), so apply() allocates nothing; it is not thread-safe: one augmenter per thread. The
 * number of random draws per image is fixed for given parameters (six for the affine map, plus
 * the elastic field's when α > 0), so a given rng state always gives the same image. */
#include "engine/augment.h"

#include <math.h>
#include <string.h>

#define SIDE   28
#define N      (SIDE * SIDE)
#define PAD    2                 /* zero border of the padded input: bilinear never tests bounds */
#define PSIDE  (SIDE + 2 * PAD)
#define CENTRE 14.0f             /* MNIST's centre of mass, pixel index */
#define NODES  (SIDE / 2 + 1)     /* the elastic field's nodes per axis: pixels 0, 2, …, 28 */
#define NODES_PAD 16

struct _DpAugmenter
{
  DpAugmentParams p;
  float K[NODES][SIDE];               /* (15, 28) Gaussian weight of pixel y for node j (at 2j) */
  float KT[SIDE][NODES_PAD];          /* (28, 16) the same, transposed, zero-padded */
  float noise[SIDE][SIDE];            /* (28, 28) U(-1, 1) */
  float nodes[NODES][NODES_PAD];      /* (15, 16) the smoothed field at the even pixels 0..28 */
  float disp[2][N];                   /* (2, 784) smoothed displacement, x then y */
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
static void
make_elastic (DpAugmenter *aug, DpRng *rng)
{
  for (int c = 0; c < 2; c++)
    {
      float (*u)[SIDE] = aug->noise;
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
      double mean = 0;
      for (int j = 0; j < NODES; j++)
        for (int i = 0; i < NODES; i++)
          mean += aug->nodes[j][i];
      float m = (float) (mean / (NODES * NODES)), a = aug->p.elastic_alpha;
      for (int j = 0; j < NODES; j++)
        for (int i = 0; i < NODES; i++)
          aug->nodes[j][i] = a * (aug->nodes[j][i] - m);
      /* every pixel from its nodes: even coordinates sit on one, odd ones halfway */
      float *out = aug->disp[c];
      for (int y = 0; y < SIDE; y++)
        {
          const float *n0 = aug->nodes[y / 2], *n1 = aug->nodes[(y + 1) / 2];
          for (int x = 0; x < SIDE; x++)
            {
              int i0 = x / 2, i1 = (x + 1) / 2;
              out[y * SIDE + x] = 0.25f * (n0[i0] + n0[i1] + n1[i0] + n1[i1]);
            }
        }
    }
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
  float tx = dp_rng_range (rng, -1, 1) * p->shift_px;
  float ty = dp_rng_range (rng, -1, 1) * p->shift_px;
  gboolean elastic = p->elastic_alpha > 0;
  if (elastic)
    make_elastic (aug, rng);

  /* forward map A = Rot(angle) · Shear(sh) · Scale(sx, sy) about the centre, then the shift;
   * sampling needs its inverse: src = A⁻¹ (dst + d(dst) − c − t) + c */
  float ca = cosf (angle), sa = sinf (angle);
  /* Shear·Scale = [[sx, sh·sy], [0, sy]] */
  float a00 = ca * sx, a01 = ca * sh * sy - sa * sy;
  float a10 = sa * sx, a11 = sa * sh * sy + ca * sy;
  float det = a00 * a11 - a01 * a10;
  float i00 = a11 / det, i01 = -a01 / det, i10 = -a10 / det, i11 = a00 / det;

  /* zero-padded copy: every bilinear neighbour of a source point in [-1, 28) exists */
  float *pad = aug->padded;
  memset (pad, 0, sizeof aug->padded);
  for (int y = 0; y < SIDE; y++)
    memcpy (pad + (y + PAD) * PSIDE + PAD, in + y * SIDE, sizeof (float) * SIDE);

  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        int i = y * SIDE + x;
        float u = x - CENTRE - tx, v = y - CENTRE - ty;
        if (elastic)
          u += aug->disp[0][i], v += aug->disp[1][i];
        float fx = i00 * u + i01 * v + CENTRE;
        float fy = i10 * u + i11 * v + CENTRE;
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
