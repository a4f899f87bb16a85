/* test-augment.c: distortions for training: identity parameters give the input back, the same
 * seed gives the same image and another seed another, values stay in [0, 1], the ink's mass is
 * roughly kept, rotation and scale do what they say (checked against the rng's own draws), and
 * the speed for an epoch of 60000 images is printed, not asserted. */
#include <math.h>
#include <string.h>

#include <zlib.h>

#include "engine/augment.h"
#include "engine/augment-private.h"
#include "engine/rng.h"
#include "test-util.h"

#define N 784

/* a thick bar through the centre, along angle a (radians, image coordinates: y down) */
static void
make_bar (float *img, double a, double half_len, double half_width)
{
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        double u = (x - 14) * cos (a) + (y - 14) * sin (a);
        double v = -(x - 14) * sin (a) + (y - 14) * cos (a);
        double in_u = CLAMP (half_len + 0.5 - fabs (u), 0, 1);
        double in_v = CLAMP (half_width + 0.5 - fabs (v), 0, 1);
        img[y * 28 + x] = (float) (in_u * in_v);
      }
}

/* a ring plus a stem, like a '9' */
static void
make_digit (float *img)
{
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        double r = hypot (x - 14, y - 10);
        double ring = CLAMP (1.6 - fabs (r - 5), 0, 1);
        double stem = (y >= 10 && y <= 23) ? CLAMP (1.6 - fabs (x - 19 + (y - 10) * 0.2), 0, 1) : 0;
        img[y * 28 + x] = (float) MAX (ring, stem);
      }
}

typedef struct
{
  double mass, cx, cy, sxx, syy, sxy;
} Moments;

static Moments
moments (const float *img)
{
  Moments m = { 0 };
  for (int i = 0; i < N; i++)
    m.mass += img[i], m.cx += img[i] * (i % 28), m.cy += img[i] * (i / 28);
  m.cx /= m.mass, m.cy /= m.mass;
  for (int i = 0; i < N; i++)
    {
      double dx = i % 28 - m.cx, dy = i / 28 - m.cy;
      m.sxx += img[i] * dx * dx, m.syy += img[i] * dy * dy, m.sxy += img[i] * dx * dy;
    }
  m.sxx /= m.mass, m.syy /= m.mass, m.sxy /= m.mass;
  return m;
}

/* up to 1000 MNIST test digits, or NULL */
static float *
load_mnist (int *n)
{
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    return NULL;
  g_autofree char *path = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  gzFile f = gzopen (path, "rb");
  if (f == NULL)
    return NULL;
  guint8 header[16];
  *n = 1000;
  g_autofree guint8 *raw = g_malloc ((gsize) *n * N);
  if (gzread (f, header, 16) != 16 || gzread (f, raw, *n * N) != *n * N)
    {
      gzclose (f);
      return NULL;
    }
  gzclose (f);
  float *x = g_new (float, (gsize) *n * N);
  for (int i = 0; i < *n * N; i++)
    x[i] = raw[i] / 255.0f;
  return x;
}

static void
test_identity (void)
{
  DpAugmentParams p = { 0 };
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  float in[N], out[N];
  DpRng rng;
  dp_rng_init (&rng, 42);
  for (int i = 0; i < N; i++)
    in[i] = dp_rng_uniform (&rng);
  for (int k = 0; k < 5; k++)
    {
      dp_augmenter_apply (aug, in, out, &rng);
      g_assert_cmpmem (in, sizeof in, out, sizeof out);
    }
}

static void
test_deterministic (void)
{
  DpAugmentParams p;
  dp_augment_params_default (&p);
  g_autoptr (DpAugmenter) a1 = dp_augmenter_new (&p);
  g_autoptr (DpAugmenter) a2 = dp_augmenter_new (&p);
  float in[N], o1[N], o2[N], o3[N];
  make_digit (in);
  DpRng r1, r2, r3;
  dp_rng_init (&r1, 1234);
  dp_rng_init (&r2, 1234);
  dp_rng_init (&r3, 1235);
  for (int k = 0; k < 10; k++)
    {
      dp_augmenter_apply (a1, in, o1, &r1);
      dp_augmenter_apply (a2, in, o2, &r2);
      dp_augmenter_apply (a1, in, o3, &r3); /* scratch reused between seeds: no leftovers */
      g_assert_cmpmem (o1, sizeof o1, o2, sizeof o2);
      double diff = 0;
      for (int i = 0; i < N; i++)
        diff += fabs (o1[i] - o3[i]);
      g_assert_cmpfloat (diff, >, 1.0);
      /* and the distortion did something */
      double change = 0;
      for (int i = 0; i < N; i++)
        change += fabs (o1[i] - in[i]);
      g_assert_cmpfloat (change, >, 1.0);
    }
  /* the batch form is the same stream of apply() calls */
  float batch_in[3 * N], batch_out[3 * N], single[N];
  for (int b = 0; b < 3; b++)
    memcpy (batch_in + b * N, in, sizeof in);
  dp_rng_init (&r1, 99);
  dp_rng_init (&r2, 99);
  dp_augmenter_apply_batch (a1, batch_in, batch_out, 3, &r1);
  for (int b = 0; b < 3; b++)
    {
      dp_augmenter_apply (a2, in, single, &r2);
      g_assert_cmpmem (single, sizeof single, batch_out + b * N, sizeof single);
    }
}

static void
test_range_and_mass (void)
{
  int n = 0;
  g_autofree float *x = load_mnist (&n);
  if (x == NULL)
    {
      n = 50;
      x = g_new (float, (gsize) n * N);
      for (int k = 0; k < n; k++)
        make_digit (x + k * N);
    }
  DpAugmentParams p;
  dp_augment_params_default (&p);
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  DpRng rng;
  dp_rng_init (&rng, 5);
  double ratio_sum = 0, com_worst = 0;
  float out[N];
  for (int k = 0; k < n; k++)
    {
      dp_augmenter_apply (aug, x + k * N, out, &rng);
      for (int i = 0; i < N; i++)
        g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
      Moments mi = moments (x + k * N), mo = moments (out);
      double ratio = mo.mass / mi.mass;
      g_assert_cmpfloat (ratio, >, 0.5);
      g_assert_cmpfloat (ratio, <, 1.7);
      ratio_sum += ratio;
      com_worst = MAX (com_worst, hypot (mo.cx - mi.cx, mo.cy - mi.cy));
    }
  g_test_message ("%d digits: mean mass ratio %.3f, worst centre-of-mass move %.2f px", n,
                  ratio_sum / n, com_worst);
  g_assert_cmpfloat (fabs (ratio_sum / n - 1), <, 0.1);
  g_assert_cmpfloat (com_worst, <, 6);
}

/* Rotation only: a horizontal bar comes out along the drawn angle (+ is clockwise on screen). */
static void
test_rotation (void)
{
  DpAugmentParams p = { .rotate_deg = 40 };
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  float in[N], out[N];
  make_bar (in, 0, 9, 1.5);
  DpRng rng;
  dp_rng_init (&rng, 11);
  for (int k = 0; k < 20; k++)
    {
      DpRng peek = rng;
      double expect = dp_rng_range (&peek, -1, 1) * 40 * G_PI / 180;
      dp_augmenter_apply (aug, in, out, &rng);
      Moments m = moments (out);
      double got = 0.5 * atan2 (2 * m.sxy, m.sxx - m.syy); /* principal axis */
      g_assert_cmpfloat (fabs (got - expect), <, 0.05);
    }
}

/* Scale only: the spread along each axis follows that axis's scale factor. */
static void
test_scale (void)
{
  DpAugmentParams p = { .scale = 0.3f };
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  float in[N], out[N];
  make_digit (in);
  Moments mi = moments (in);
  DpRng rng;
  dp_rng_init (&rng, 12);
  for (int k = 0; k < 20; k++)
    {
      DpRng peek = rng;
      dp_rng_next (&peek); /* the angle */
      double sx = 1 + dp_rng_range (&peek, -1, 1) * 0.3, sy = 1 + dp_rng_range (&peek, -1, 1) * 0.3;
      dp_augmenter_apply (aug, in, out, &rng);
      Moments mo = moments (out);
      g_assert_cmpfloat (fabs (sqrt (mo.sxx / mi.sxx) - sx), <, 0.05);
      g_assert_cmpfloat (fabs (sqrt (mo.syy / mi.syy) - sy), <, 0.05);
    }
}

/* Elastic only: the image changes, smoothly (no pixel jumps far), the digit stays put. */
static void
test_elastic (void)
{
  DpAugmentParams p = { .elastic_alpha = 34, .elastic_sigma = 5 };
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  float in[N], out[N];
  make_digit (in);
  Moments mi = moments (in);
  DpRng rng;
  dp_rng_init (&rng, 13);
  double change = 0, ratio_sum = 0;
  for (int k = 0; k < 20; k++)
    {
      dp_augmenter_apply (aug, in, out, &rng);
      Moments mo = moments (out);
      g_assert_cmpfloat (hypot (mo.cx - mi.cx, mo.cy - mi.cy), <, 1.5); /* no net shift */
      /* sampling through a stretched field thins or thickens strokes locally */
      g_assert_cmpfloat (fabs (mo.mass / mi.mass - 1), <, 0.5);
      ratio_sum += mo.mass / mi.mass;
      for (int i = 0; i < N; i++)
        change += fabs (out[i] - in[i]);
    }
  g_assert_cmpfloat (change / 20, >, 5);
  g_assert_cmpfloat (fabs (ratio_sum / 20 - 1), <, 0.1);

  /* odd parameters are tamed, not crashed on: negative, NaN, σ beyond the kernel's reach */
  DpAugmentParams odd = { .rotate_deg = -10, .scale = NAN, .elastic_alpha = 50, .elastic_sigma = 40 };
  g_autoptr (DpAugmenter) a2 = dp_augmenter_new (&odd);
  dp_augmenter_apply (a2, in, out, &rng);
  for (int i = 0; i < N; i++)
    g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
}

static void
test_speed (void)
{
  int n = 0;
  g_autofree float *x = load_mnist (&n);
  if (x == NULL)
    {
      n = 1;
      x = g_new (float, N);
      make_digit (x);
    }
  DpAugmentParams p;
  dp_augment_params_default (&p);
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
  DpRng rng;
  dp_rng_init (&rng, 1);
  float out[N];
  int total = 60000;
  if (!g_test_perf ())
    total = 20000; /* `-m perf` runs the full epoch */
  double sink = 0;
  gint64 t0 = g_get_monotonic_time ();
  for (int k = 0; k < total; k++)
    {
      dp_augmenter_apply (aug, x + (k % n) * N, out, &rng);
      sink += out[k % N];
    }
  double s = (g_get_monotonic_time () - t0) / 1e6;
  g_test_message ("augment: %.2f us per image, %.2f s per 60000 (one core, measured on %d; %g)",
                  1e6 * s / total, s * 60000 / total, total, sink > 0 ? 1.0 : 0.0);
}

/* ---------- the exact bits ---------- */

/* Deterministic inputs without libm, and without a product followed by a sum (which a compiler
 * could fuse): a diamond ring (a '0'), a random field, a soft diamond whose centre moves with k,
 * and a field with values outside [0, 1] for the clamp. */
static void
golden_input (float *img, int k, DpRng *rng)
{
  float cx = 10.0f + (float) (k % 9), cy = 9.0f + (float) (k % 11);
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        float r = fabsf ((float) x - cx) + fabsf ((float) y - cy);
        float v;
        switch (k % 4)
          {
          case 0: v = CLAMP (1.6f - fabsf (r - 5.0f), 0.0f, 1.0f); break;
          case 1: v = dp_rng_uniform (rng); break;
          case 2: v = CLAMP (4.0f - r, 0.0f, 1.0f) * dp_rng_uniform (rng); break;
          default: v = (dp_rng_uniform (rng) - 0.2f) * 1.5f; break;
          }
        img[y * 28 + x] = v;
      }
}

/* FNV-1a over the bit patterns of the floats */
static guint64
fnv_floats (guint64 h, const float *v, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      guint32 b;
      memcpy (&b, v + i, 4);
      for (int k = 0; k < 4; k++)
        h = (h ^ ((b >> (8 * k)) & 0xff)) * 1099511628211ull;
    }
  return h;
}

typedef struct
{
  const char *name;
  DpAugmentParams p;
  guint64 expect;
} GoldenCase;

#define GOLDEN_IMAGES 40

/* The augmented images' bits for given parameters, rng state and input: pinned. The built-in
 * model (weights/) is reproduced bit for bit by its documented training command, whose every
 * epoch augments every image (preset best: affine + elastic); any change in one output float
 * (a reordered sum, a fused multiply-add, another rounding, another draw order) breaks that.
 * The expected checksums were computed with the scalar code as it was when the model was
 * trained (before the AVX2 path); every code path must give exactly these on every CPU. x86-64
 * only: elsewhere the compiler may fuse a*b+c (GCC's default -ffp-contract=fast), and the
 * model's reproducibility is claimed for x86-64. */
static const GoldenCase golden_cases[] = {
  { "defaults", { 12, 0.12f, 0.15f, 1.5f, 34, 5 }, G_GUINT64_CONSTANT (0x1baa607d561b0a50) },
  { "elastic off", { 12, 0.12f, 0.15f, 1.5f, 0, 5 }, G_GUINT64_CONSTANT (0x53ad0c4a421083c2) },
  { "large affine", { 180, 0.9f, 1.0f, 10, 34, 5 }, G_GUINT64_CONSTANT (0x64097b8a9be2cf89) },
  { "small sigma", { 20, 0.2f, 0.3f, 2, 8, 0.5f }, G_GUINT64_CONSTANT (0x9f429ea3e987d06e) },
  { "sigma 0", { 5, 0.05f, 0.05f, 1, 3, 0 }, G_GUINT64_CONSTANT (0xb3385c0d43e234a5) },
  { "huge alpha", { 0, 0, 0, 0, 300, 3 }, G_GUINT64_CONSTANT (0x51a938b8cced806f) },
};

static guint64
golden_checksum (const DpAugmentParams *p, guint64 seed)
{
  g_autoptr (DpAugmenter) aug = dp_augmenter_new (p);
  DpRng rng, in_rng;
  dp_rng_init (&rng, seed);
  dp_rng_init (&in_rng, seed + 1000);
  float in[N], out[N];
  guint64 h = 14695981039346656037ull;
  for (int k = 0; k < GOLDEN_IMAGES; k++)
    {
      golden_input (in, k, &in_rng);
      dp_augmenter_apply (aug, in, out, &rng);
      h = fnv_floats (h, out, N);
    }
  return h;
}

static void
test_golden (void)
{
#if !defined(__x86_64__)
  g_test_skip ("the pinned bits are x86-64's");
  return;
#endif
  gboolean ok = TRUE;
  for (guint c = 0; c < G_N_ELEMENTS (golden_cases); c++)
    {
      guint64 got = golden_checksum (&golden_cases[c].p, 7 + c);
      g_test_message ("%s: %016" G_GINT64_MODIFIER "x", golden_cases[c].name, got);
      if (got != golden_cases[c].expect)
        {
          g_test_message ("  expected %016" G_GINT64_MODIFIER "x", golden_cases[c].expect);
          ok = FALSE;
        }
    }
  g_assert_true (ok);
}

/* The AVX2 path (where the CPU has it) against the baseline one: the same bits for the same
 * input, parameters and rng state, over random parameters (large and small, elastic on and off,
 * σ 0 and small, shifts that push the digit out) and inputs (values outside [0, 1], ±∞ now and
 * then), and the same draws taken. NaN inputs are not compared: where two NaNs meet, which one's
 * payload survives depends on the order of a sum's operands, which the compiler may choose. */
static void
test_paths_agree (void)
{
  DpRng meta;
  dp_rng_init (&meta, 2024);
  int images = 0;
  for (int trial = 0; trial < 80; trial++)
    {
      DpAugmentParams p = {
        .rotate_deg = dp_rng_range (&meta, 0, trial % 4 == 0 ? 360 : 30),
        .scale = dp_rng_range (&meta, 0, 0.9f),
        .shear = dp_rng_range (&meta, 0, trial % 4 == 1 ? 2 : 0.3f),
        .shift_px = dp_rng_range (&meta, 0, trial % 4 == 2 ? 30 : 3),
        .elastic_alpha = trial % 5 == 0 ? 0 : dp_rng_range (&meta, 0, trial % 3 == 0 ? 400 : 40),
        .elastic_sigma = trial % 7 == 0 ? 0 : dp_rng_range (&meta, 0, trial % 2 ? 1.5f : 12),
      };
      g_autoptr (DpAugmenter) vec = dp_augmenter_new (&p);
      g_autoptr (DpAugmenter) base = dp_augmenter_new (&p);
      if (!dp_augmenter_use_vector (vec, TRUE))
        {
          g_test_skip ("the CPU has no AVX2: one path only");
          return;
        }
      g_assert_false (dp_augmenter_use_vector (base, FALSE));
      DpRng rv, rb;
      dp_rng_init (&rv, dp_rng_next (&meta));
      rb = rv;
      for (int k = 0; k < 16; k++, images++)
        {
          float in[N], ov[N], ob[N];
          for (int i = 0; i < N; i++)
            {
              float r = dp_rng_uniform (&meta);
              in[i] = r < 0.5f ? 0 : r < 0.9f ? dp_rng_uniform (&meta) : (r - 0.95f) * 40;
              if (k == 15 && r > 0.999f)
                in[i] = r > 0.9995f ? INFINITY : -INFINITY;
            }
          dp_augmenter_apply (vec, in, ov, &rv);
          dp_augmenter_apply (base, in, ob, &rb);
          if (memcmp (ov, ob, sizeof ov) != 0)
            for (int i = 0; i < N; i++)
              if (memcmp (ov + i, ob + i, sizeof (float)) != 0)
                g_error ("trial %d image %d pixel %d: AVX2 %.9g, baseline %.9g", trial, k, i,
                         ov[i], ob[i]);
          g_assert_cmpmem (&rv, sizeof rv, &rb, sizeof rb);
        }
    }
  g_test_message ("%d images: the AVX2 and the baseline paths agree bit for bit", images);
}

/* one apply() takes exactly dp_augmenter_draws_per_image() draws, with and without the elastic
 * field: train.c starts a thread at row r of a batch by skipping r times as many */
static void
test_draws_per_image (void)
{
  for (int elastic = 0; elastic < 2; elastic++)
    {
      DpAugmentParams p;
      dp_augment_params_default (&p);
      if (!elastic)
        p.elastic_alpha = 0;
      g_autoptr (DpAugmenter) aug = dp_augmenter_new (&p);
      float in[784] = { 0 }, out[784];
      DpRng applied, skipped;
      dp_rng_init (&applied, 99);
      skipped = applied;
      dp_augmenter_apply (aug, in, out, &applied);
      guint n = dp_augmenter_draws_per_image (aug);
      g_assert_cmpuint (n, ==, elastic ? 6 + 2 * 28 * 14 : 6);
      for (guint i = 0; i < n; i++)
        dp_rng_next (&skipped);
      g_assert_cmpmem (&applied, sizeof applied, &skipped, sizeof skipped);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/augment/identity", test_identity);
  g_test_add_func ("/engine/augment/deterministic", test_deterministic);
  g_test_add_func ("/engine/augment/range-and-mass", test_range_and_mass);
  g_test_add_func ("/engine/augment/rotation", test_rotation);
  g_test_add_func ("/engine/augment/scale", test_scale);
  g_test_add_func ("/engine/augment/elastic", test_elastic);
  g_test_add_func ("/engine/augment/speed", test_speed);
  g_test_add_func ("/engine/augment/draws-per-image", test_draws_per_image);
  g_test_add_func ("/engine/augment/golden", test_golden);
  g_test_add_func ("/engine/augment/paths-agree", test_paths_agree);
  return g_test_run ();
}
