/* test-dataset.c: the IDX reader reads good files, gzipped or raw, and refuses each kind of bad
 * file with its own message naming the file; the real MNIST loads quickly with the right counts. */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/network.h"
#include "test-util.h"

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (a, b, 4);
}

/* An IDX3 header + n images whose pixel j of image i is (i * 7 + j) % 256. */
static GByteArray *
make_images (guint32 magic, guint32 n_claimed, guint32 rows, guint32 cols, guint32 n_real)
{
  GByteArray *a = g_byte_array_new ();
  put_be32 (a, magic);
  put_be32 (a, n_claimed);
  put_be32 (a, rows);
  put_be32 (a, cols);
  for (guint32 i = 0; i < n_real; i++)
    for (guint32 j = 0; j < rows * cols; j++)
      {
        guint8 v = (i * 7 + j) % 256;
        g_byte_array_append (a, &v, 1);
      }
  return a;
}

static GByteArray *
make_labels (guint32 magic, guint32 n_claimed, const guint8 *labels, guint32 n_real)
{
  GByteArray *a = g_byte_array_new ();
  put_be32 (a, magic);
  put_be32 (a, n_claimed);
  g_byte_array_append (a, labels, n_real);
  return a;
}

static char *
write_raw (const char *dir, const char *name, const guint8 *data, gsize len)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
write_gz (const char *dir, const char *name, const guint8 *data, gsize len)
{
  char *path = g_build_filename (dir, name, NULL);
  gzFile gz = gzopen (path, "wb");
  g_assert_nonnull (gz);
  if (len > 0)
    g_assert_cmpint (gzwrite (gz, data, len), ==, (int) len);
  g_assert_cmpint (gzclose (gz), ==, Z_OK);
  return path;
}

static const guint8 good_labels[3] = { 7, 0, 9 };

typedef struct
{
  char *dir;
  char *images;  /* a good raw image file, 3 images */
  char *labels;  /* a good raw label file, 3 labels */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = dp_test_tmpdir ();
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autoptr (GByteArray) lb = make_labels (0x801, 3, good_labels, 3);
  f->images = write_raw (f->dir, "images-idx3-ubyte", im->data, im->len);
  f->labels = write_raw (f->dir, "labels-idx1-ubyte", lb->data, lb->len);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  dp_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->images);
  g_free (f->labels);
}

static void
check_good (DpDataset *ds)
{
  g_assert_nonnull (ds);
  g_assert_cmpint (ds->n, ==, 3);
  g_assert_cmpmem (ds->labels, 3, good_labels, 3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < DP_INPUT_SIZE; j++)
      g_assert_cmpfloat (ds->images[i * DP_INPUT_SIZE + j], ==, (float) ((i * 7 + j) % 256) / 255.f);
}

/* Loads with the images or the labels replaced by path; expects an error containing each of
 * the NULL-terminated fragments. */
static void
expect_error (const char *images, const char *labels, int code, ...)
{
  GError *error = NULL;
  DpDataset *ds = dp_dataset_load (images, labels, &error);
  g_assert_null (ds);
  g_assert_error (error, DP_ERROR, code);
  va_list ap;
  va_start (ap, code);
  dp_test_assert_message_va (error, ap);
  va_end (ap);
  g_error_free (error);
}

static void
test_good_raw (Fixture *f, gconstpointer data)
{
  GError *error = NULL;
  g_autoptr (DpDataset) ds = dp_dataset_load (f->images, f->labels, &error);
  g_assert_no_error (error);
  check_good (ds);
  /* byte 255 reads as exactly 1.0 and 0 as 0.0 */
  g_assert_cmpfloat (ds->images[255], ==, 1.f);
  g_assert_cmpfloat (ds->images[0], ==, 0.f);
}

static void
test_good_gz (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autoptr (GByteArray) lb = make_labels (0x801, 3, good_labels, 3);
  g_autofree char *images = write_gz (f->dir, "i.gz", im->data, im->len);
  g_autofree char *labels = write_gz (f->dir, "l.gz", lb->data, lb->len);
  GError *error = NULL;
  g_autoptr (DpDataset) ds = dp_dataset_load (images, labels, &error);
  g_assert_no_error (error);
  check_good (ds);
  /* mixed: gz images, raw labels */
  g_autoptr (DpDataset) mixed = dp_dataset_load (images, f->labels, &error);
  g_assert_no_error (error);
  check_good (mixed);
}

static void
test_head (Fixture *f, gconstpointer data)
{
  g_autoptr (DpDataset) ds = dp_dataset_load (f->images, f->labels, NULL);
  g_assert_nonnull (ds);
  g_autoptr (DpDataset) two = dp_dataset_head (ds, 2);
  g_assert_cmpint (two->n, ==, 2);
  g_assert_cmpmem (two->labels, 2, good_labels, 2);
  g_assert_cmpmem (two->images, 2 * DP_INPUT_SIZE * sizeof (float), ds->images,
                   2 * DP_INPUT_SIZE * sizeof (float));
  g_assert_true (two->images != ds->images);
  g_autoptr (DpDataset) all = dp_dataset_head (ds, 0);
  g_assert_cmpint (all->n, ==, 3);
  g_autoptr (DpDataset) more = dp_dataset_head (ds, 99);
  g_assert_cmpint (more->n, ==, 3);
}

static void
test_bad_magic (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x12345678, 3, 28, 28, 3);
  g_autofree char *p = write_raw (f->dir, "bad-magic", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "bad-magic", "bad magic number 0x12345678", NULL);
  /* a label file where the images should be, and the reverse */
  expect_error (f->labels, f->labels, DP_ERROR_FORMAT, "labels-idx1-ubyte",
                "this is an IDX label file, expected images", NULL);
  expect_error (f->images, f->images, DP_ERROR_FORMAT, "images-idx3-ubyte",
                "this is an IDX image file, expected labels", NULL);
}

static void
test_bad_dimensions (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 27, 28, 3);
  g_autofree char *p = write_raw (f->dir, "27x28", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "27x28", "images are 27×28, expected 28×28", NULL);
}

static void
test_count_mismatch (Fixture *f, gconstpointer data)
{
  static const guint8 two[2] = { 1, 2 };
  g_autoptr (GByteArray) lb = make_labels (0x801, 2, two, 2);
  g_autofree char *p = write_raw (f->dir, "two-labels", lb->data, lb->len);
  expect_error (f->images, p, DP_ERROR_FORMAT, "images-idx3-ubyte holds 3 images",
                "two-labels holds 2 labels", NULL);
}

static void
test_label_above_9 (Fixture *f, gconstpointer data)
{
  static const guint8 bad[3] = { 3, 10, 4 }; /* the first label out of range */
  g_autoptr (GByteArray) lb = make_labels (0x801, 3, bad, 3);
  g_autofree char *p = write_gz (f->dir, "t10k-labels-idx1-ubyte.gz", lb->data, lb->len);
  expect_error (f->images, p, DP_ERROR_FORMAT,
                "t10k-labels-idx1-ubyte.gz: label 10 at index 1 is above 9", NULL);
}

static void
test_zero_count (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 0, 28, 28, 0);
  g_autofree char *p = write_raw (f->dir, "none", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "none", "holds no images", NULL);
}

/* A raw file whose header claims a billion images: refused from the file's size, before any
 * allocation of that size (which would abort the test under g_malloc). */
static void
test_truncated_raw_huge_claim (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 1000000000, 28, 28, 2);
  g_autofree char *p = write_raw (f->dir, "billion", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "billion", "truncated",
                "claims 1000000000 images", NULL);
  /* labels as well */
  g_autoptr (GByteArray) lb = make_labels (0x801, 4000000000u, good_labels, 3);
  g_autofree char *q = write_raw (f->dir, "many-labels", lb->data, lb->len);
  expect_error (f->images, q, DP_ERROR_FORMAT, "many-labels", "truncated", NULL);
}

static void
test_truncated_raw_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autofree char *p = write_raw (f->dir, "short", im->data, im->len - 100);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "short", "truncated", NULL);
}

/* gzip: the decompressed size is unknown up front. A claim beyond deflate's best ratio is
 * refused at once; a plausible claim is refused when the data runs out. */
static void
test_truncated_gz_huge_claim (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 2000000, 28, 28, 3);
  g_autofree char *p = write_gz (f->dir, "huge.gz", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "huge.gz", "truncated", "claims 2000000 images",
                NULL);
  g_autoptr (GByteArray) lb = make_labels (0x801, 1000000000, good_labels, 3);
  g_autofree char *q = write_gz (f->dir, "huge-labels.gz", lb->data, lb->len);
  expect_error (f->images, q, DP_ERROR_FORMAT, "huge-labels.gz", "truncated", NULL);
}

static void
test_truncated_gz_data (Fixture *f, gconstpointer data)
{
  /* random-looking pixels barely compress, so the claim passes the ratio check */
  g_autoptr (GByteArray) im = make_images (0x803, 3000, 28, 28, 0);
  guint32 state = 1;
  for (int i = 0; i < 3 * DP_INPUT_SIZE; i++)
    {
      state = state * 1103515245u + 12345u;
      guint8 v = state >> 24;
      g_byte_array_append (im, &v, 1);
    }
  g_autofree char *p = write_gz (f->dir, "short.gz", im->data, im->len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "short.gz", "truncated",
                "data ends after 3 of them", NULL);
}

static void
test_truncated_gz_stream (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autofree char *whole = write_gz (f->dir, "whole.gz", im->data, im->len);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (whole, &bytes, &len, NULL));
  g_autofree char *p = write_raw (f->dir, "cut.gz", (guint8 *) bytes, len / 2);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "cut.gz", "truncated", NULL);
}

static void
test_corrupt_gz (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autofree char *whole = write_gz (f->dir, "whole.gz", im->data, im->len);
  g_autofree char *bytes = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (whole, &bytes, &len, NULL));
  /* garble the deflate data after the 10-byte gzip header */
  for (gsize i = 10; i < 40 && i < len - 8; i++)
    bytes[i] ^= 0x5a;
  g_autofree char *p = write_raw (f->dir, "corrupt.gz", (guint8 *) bytes, len);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "corrupt.gz", "corrupt gzip data", NULL);

  /* a damaged CRC: the data decompresses but the check at the end fails */
  g_free (bytes);
  g_assert_true (g_file_get_contents (whole, &bytes, &len, NULL));
  bytes[len - 8] ^= 0xff;
  g_autofree char *q = write_raw (f->dir, "crc.gz", (guint8 *) bytes, len);
  expect_error (q, f->labels, DP_ERROR_FORMAT, "crc.gz", "corrupt gzip data", NULL);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autofree char *p = write_raw (f->dir, "empty", (const guint8 *) "", 0);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "empty: empty file", NULL);
  g_autofree char *q = write_gz (f->dir, "empty.gz", NULL, 0);
  expect_error (q, f->labels, DP_ERROR_FORMAT, "empty.gz: empty file", NULL);
  expect_error (f->images, p, DP_ERROR_FORMAT, "empty: empty file", NULL);
}

static void
test_truncated_header (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 0);
  g_autofree char *p = write_raw (f->dir, "half-header", im->data, 10);
  expect_error (p, f->labels, DP_ERROR_FORMAT, "half-header", "truncated header (10 of 16 bytes)",
                NULL);
  g_autofree char *q = write_raw (f->dir, "tiny", im->data, 2);
  expect_error (q, f->labels, DP_ERROR_FORMAT, "tiny", "truncated header (2 of 16 bytes)", NULL);
  g_autofree char *r = write_gz (f->dir, "half-header.gz", im->data, 10);
  expect_error (r, f->labels, DP_ERROR_FORMAT, "half-header.gz", "truncated header", NULL);
}

static void
test_trailing_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) lb = make_labels (0x801, 3, good_labels, 3);
  g_byte_array_append (lb, good_labels, 3);
  g_autofree char *p = write_raw (f->dir, "long-labels", lb->data, lb->len);
  expect_error (f->images, p, DP_ERROR_FORMAT, "long-labels", "trailing data", NULL);
}

static void
test_not_a_file (Fixture *f, gconstpointer data)
{
  expect_error (f->dir, f->labels, DP_ERROR_IO, "is a directory", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  expect_error (missing, f->labels, DP_ERROR_IO, "missing: cannot open", NULL);
  /* a file without read permission. Root reads anything, so as root (how CI runs) the read is
   * tried with the effective user nobody, in a folder nobody may enter, and root comes back */
  g_assert_cmpint (g_chmod (f->labels, 0), ==, 0);
  gboolean as_root = geteuid () == 0;
  if (as_root)
    {
      g_assert_cmpint (g_chmod (f->dir, 0755), ==, 0);
      g_assert_cmpint (setegid (65534), ==, 0);
      g_assert_cmpint (seteuid (65534), ==, 0);
    }
  /* the premise: this user may read the images beside it, not the labels */
  g_assert_cmpint (faccessat (AT_FDCWD, f->images, R_OK, AT_EACCESS), ==, 0);
  g_assert_cmpint (faccessat (AT_FDCWD, f->labels, R_OK, AT_EACCESS), !=, 0);
  GError *error = NULL;
  DpDataset *ds = dp_dataset_load (f->images, f->labels, &error);
  if (as_root)
    {
      g_assert_cmpint (seteuid (0), ==, 0);
      g_assert_cmpint (setegid (0), ==, 0);
    }
  g_chmod (f->labels, 0644);
  g_assert_null (ds);
  dp_test_assert_message (error, "labels-idx1-ubyte: cannot open", NULL);
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_error_free (error);
}

static void
test_mnist_names (Fixture *f, gconstpointer data)
{
  GError *error = NULL;
  DpDataset *ds = dp_dataset_load_mnist (f->dir, FALSE, &error);
  g_assert_null (ds);
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "t10k-images-idx3-ubyte.gz"));
  g_clear_error (&error);

  /* raw images beside gzipped labels: both names are looked for */
  g_autoptr (GByteArray) im = make_images (0x803, 3, 28, 28, 3);
  g_autoptr (GByteArray) lb = make_labels (0x801, 3, good_labels, 3);
  g_free (write_raw (f->dir, "t10k-images-idx3-ubyte", im->data, im->len));
  ds = dp_dataset_load_mnist (f->dir, FALSE, &error);
  g_assert_null (ds);
  g_assert_nonnull (strstr (error->message, "t10k-labels-idx1-ubyte"));
  g_clear_error (&error);
  g_free (write_gz (f->dir, "t10k-labels-idx1-ubyte.gz", lb->data, lb->len));
  ds = dp_dataset_load_mnist (f->dir, FALSE, &error);
  g_assert_no_error (error);
  check_good (ds);
  dp_dataset_free (ds);
}

static void
test_real_mnist (void)
{
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    {
      g_test_skip ("MNIST not found (set DIGITPAD_MNIST_DIR)");
      return;
    }
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (DpDataset) train = dp_dataset_load_mnist (dir, TRUE, &error);
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  g_assert_no_error (error);
  g_test_message ("60000 training images loaded in %.3f s", secs);
  g_assert_cmpint (train->n, ==, 60000);
  static const guint8 first_train[10] = { 5, 0, 4, 1, 9, 2, 1, 3, 1, 4 };
  g_assert_cmpmem (train->labels, 10, first_train, 10);
  /* an outright-freeze limit, not a speed figure (that is in the log): a busy machine takes
   * seconds where an idle one takes a fraction */
  g_assert_cmpfloat (secs, <, 60.0);

  g_autoptr (DpDataset) test = dp_dataset_load_mnist (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (test->n, ==, 10000);
  static const guint8 first_test[10] = { 7, 2, 1, 0, 4, 1, 4, 9, 5, 9 };
  g_assert_cmpmem (test->labels, 10, first_test, 10);

  /* ink in 0..1, both ends reached, and about 19 % of the pixels inked (MNIST's mean is 0.13) */
  double sum = 0;
  float lo = 1, hi = 0;
  for (gsize i = 0; i < (gsize) test->n * DP_INPUT_SIZE; i++)
    {
      float v = test->images[i];
      sum += v;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
    }
  g_assert_cmpfloat (lo, ==, 0.f);
  g_assert_cmpfloat (hi, ==, 1.f);
  double mean = sum / ((double) test->n * DP_INPUT_SIZE);
  g_assert_cmpfloat (fabs (mean - 0.1325), <, 0.005);
  /* class counts of the test set (known: 980 zeros … 1009 nines) */
  int counts[10] = { 0 };
  for (int i = 0; i < test->n; i++)
    counts[test->labels[i]]++;
  g_assert_cmpint (counts[0], ==, 980);
  g_assert_cmpint (counts[9], ==, 1009);
}

#define ADD(path, fn) g_test_add ("/engine/dataset/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  ADD ("good/raw", test_good_raw);
  ADD ("good/gz", test_good_gz);
  ADD ("head", test_head);
  ADD ("bad/magic", test_bad_magic);
  ADD ("bad/dimensions", test_bad_dimensions);
  ADD ("bad/count-mismatch", test_count_mismatch);
  ADD ("bad/label-above-9", test_label_above_9);
  ADD ("bad/zero-count", test_zero_count);
  ADD ("bad/truncated-raw-huge-claim", test_truncated_raw_huge_claim);
  ADD ("bad/truncated-raw-data", test_truncated_raw_data);
  ADD ("bad/truncated-gz-huge-claim", test_truncated_gz_huge_claim);
  ADD ("bad/truncated-gz-data", test_truncated_gz_data);
  ADD ("bad/truncated-gz-stream", test_truncated_gz_stream);
  ADD ("bad/corrupt-gz", test_corrupt_gz);
  ADD ("bad/empty", test_empty);
  ADD ("bad/truncated-header", test_truncated_header);
  ADD ("bad/trailing-data", test_trailing_data);
  ADD ("bad/not-a-file", test_not_a_file);
  ADD ("mnist-names", test_mnist_names);
  g_test_add_func ("/engine/dataset/real-mnist", test_real_mnist);
  return g_test_run ();
}
