/* dataset.c: the IDX reader (LeCun's MNIST format), gzipped or raw, and DpDataset.
 *
 * An IDX file is a 4-byte big-endian magic (0x00 0x00 type ndims), ndims big-endian u32
 * dimensions, then the items as unsigned bytes. Images are IDX3 (n, 28, 28), labels IDX1 (n).
 * zlib's gz functions read both gzipped and raw files. Nothing the header claims is trusted
 * before it is checked against what the file can hold: a raw file's size is known, a gzip file's
 * decompressed size is not, so its buffer grows with the data actually read and a header that
 * claims more than deflate could ever expand the file to is refused before reading at all. */
#include "engine/dataset.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <glib/gstdio.h>

#include "engine/error.h"
#include "engine/file-util.h"
#include "engine/network.h"

#define IDX_MAGIC_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_MAGIC_LABELS 0x00000801u /* unsigned bytes, 1 dimension */
#define IDX_IMAGE_BYTES  (DP_IMAGE_SIDE * DP_IMAGE_SIDE)
/* deflate's best ratio is 1032:1; anything beyond that cannot be in the file */
#define DEFLATE_MAX_RATIO 1032
/* gzread takes an unsigned length; keep each call well inside it */
#define READ_CHUNK (64u << 20)

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

/* Reads up to len bytes into buf; returns the count, or -1 with error set (a corrupt stream). */
static gssize
gz_read_full (gzFile gz, guint8 *buf, gsize len, const char *name, GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      unsigned want = (unsigned) MIN (len - done, READ_CHUNK);
      int got = gzread (gz, buf + done, want);
      if (got < 0)
        {
          int errnum = 0;
          const char *msg = gzerror (gz, &errnum);
          if (errnum == Z_ERRNO)
            g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: read error: %s", name,
                         g_strerror (errno));
          else
            {
              /* gzerror prefixes its own name for the stream ("<fd:3>: "); ours is better */
              const char *colon = msg ? strstr (msg, ": ") : NULL;
              g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: corrupt gzip data (%s)", name,
                           colon ? colon + 2 : msg ? msg : "zlib error");
            }
          return -1;
        }
      if (got == 0)
        break;
      done += (gsize) got;
    }
  return (gssize) done;
}

/* A truncated gzip stream reads short with gzerror Z_BUF_ERROR; say so rather than just "short". */
static const char *
gz_short_reason (gzFile gz)
{
  int errnum = 0;
  gzerror (gz, &errnum);
  return errnum == Z_BUF_ERROR ? " (the gzip stream ends early)" : "";
}

/* Reads one IDX file of unsigned bytes. images: IDX3 n×28×28, else IDX1 n.
 * Returns the n × item bytes (owned by the caller) and n. */
static guint8 *
idx_read (const char *path, gboolean images, guint32 *n_out, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  const guint32 want_magic = images ? IDX_MAGIC_IMAGES : IDX_MAGIC_LABELS;
  const gsize header_len = images ? 16 : 8;
  const gsize item = images ? IDX_IMAGE_BYTES : 1;
  const char *what = images ? "images" : "labels";

  struct stat st;
  int fd = dp_file_open (path, name, "an IDX file", &st, error);
  if (fd < 0)
    return NULL;
  gboolean regular = S_ISREG (st.st_mode);
  if (regular && st.st_size == 0)
    {
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: empty file", name);
      return NULL;
    }

  gzFile gz = gzdopen (fd, "rb"); /* owns fd from here */
  if (gz == NULL)
    {
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot open: out of memory", name);
      return NULL;
    }
  gzbuffer (gz, 256 * 1024);
  gboolean compressed = !gzdirect (gz);

  guint8 header[16];
  gssize got = gz_read_full (gz, header, header_len, name, error);
  if (got < 0)
    goto fail;
  if (got == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: empty file%s", name,
                   compressed ? " (no data inside the gzip stream)" : "");
      goto fail;
    }
  if ((gsize) got < 4)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: truncated header (%zd of %zu bytes)%s", name, got, header_len,
                   gz_short_reason (gz));
      goto fail;
    }
  guint32 magic = be32 (header);
  if (magic != want_magic)
    {
      if (magic == (images ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES))
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                     "%s: this is an IDX %s file, expected %s (magic 0x%08x, expected 0x%08x)",
                     name, images ? "label" : "image", what, magic, want_magic);
      else
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                     "%s: not an IDX%d %s file (bad magic number 0x%08x, expected 0x%08x)", name,
                     images ? 3 : 1, images ? "image" : "label", magic, want_magic);
      goto fail;
    }
  if ((gsize) got < header_len)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: truncated header (%zd of %zu bytes)%s", name, got, header_len,
                   gz_short_reason (gz));
      goto fail;
    }
  guint32 n = be32 (header + 4);
  if (images)
    {
      guint32 rows = be32 (header + 8), cols = be32 (header + 12);
      if (rows != DP_IMAGE_SIDE || cols != DP_IMAGE_SIDE)
        {
          g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                       "%s: images are %u×%u, expected %d×%d", name, rows, cols, DP_IMAGE_SIDE,
                       DP_IMAGE_SIDE);
          goto fail;
        }
    }
  if (n == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: holds no %s (count 0)", name, what);
      goto fail;
    }
  /* Check the claim against the file before allocating anything of its size. */
  guint64 need = (guint64) n * item;
  if (regular && !compressed && need > (guint64) st.st_size - header_len)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: truncated: the header claims %u %s (%" G_GUINT64_FORMAT
                   " bytes) but the file holds only %" G_GUINT64_FORMAT " bytes after the header",
                   name, n, what, need, (guint64) st.st_size - header_len);
      goto fail;
    }
  if (regular && compressed && need > (guint64) st.st_size * DEFLATE_MAX_RATIO)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: truncated: the header claims %u %s (%" G_GUINT64_FORMAT
                   " bytes), more than a %" G_GUINT64_FORMAT "-byte gzip file can hold",
                   name, n, what, need, (guint64) st.st_size);
      goto fail;
    }

  if (n > G_MAXINT / DP_INPUT_SIZE)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: header claims %u %s, too many to load",
                   name, n, what);
      goto fail;
    }

  /* Raw files: the size was checked, read in one go. Gzip files: start from a generous guess
   * of the expansion (MNIST's is about 5×) and grow with the data actually there. */
  gsize cap = need;
  if (compressed || !regular)
    cap = (gsize) MIN (need, MAX ((guint64) 1 << 20, (guint64) st.st_size * 8));
  guint8 *data = g_try_malloc (cap);
  if (data == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: out of memory for %u %s", name, n, what);
      goto fail;
    }
  gsize have = 0;
  for (;;)
    {
      got = gz_read_full (gz, data + have, cap - have, name, error);
      if (got < 0)
        {
          g_free (data);
          goto fail;
        }
      have += (gsize) got;
      if (have == need || have < cap) /* all there, or the data ended */
        break;
      cap = (gsize) MIN (need, (guint64) cap * 2);
      guint8 *bigger = g_try_realloc (data, cap);
      if (bigger == NULL)
        {
          g_free (data);
          g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: out of memory for %u %s", name, n,
                       what);
          goto fail;
        }
      data = bigger;
    }
  if (have < need)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: truncated: the header claims %u %s but the data ends after %" G_GSIZE_FORMAT
                   " of them%s",
                   name, n, what, have / item, gz_short_reason (gz));
      g_free (data);
      goto fail;
    }
  /* Anything after the last item means the header and the data disagree. */
  guint8 extra;
  got = gz_read_full (gz, &extra, 1, name, error);
  if (got != 0)
    {
      if (got > 0)
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                     "%s: trailing data after the %u %s the header announces", name, n, what);
      g_free (data);
      goto fail;
    }
  gzclose (gz);
  *n_out = n;
  return data;

fail:
  gzclose (gz);
  return NULL;
}

DpDataset *
dp_dataset_load (const char *images_path, const char *labels_path, GError **error)
{
  return dp_dataset_load_labels_upto (images_path, labels_path, 9, error);
}

DpDataset *
dp_dataset_load_labels_upto (const char *images_path, const char *labels_path, int max_label,
                             GError **error)
{
  g_return_val_if_fail (images_path != NULL && labels_path != NULL, NULL);
  g_return_val_if_fail (max_label >= 0 && max_label < DP_MAX_CLASSES, NULL);

  guint32 n_images = 0, n_labels = 0;
  g_autofree guint8 *pixels = idx_read (images_path, TRUE, &n_images, error); /* (n, 784) */
  if (pixels == NULL)
    return NULL;
  g_autofree guint8 *labels = idx_read (labels_path, FALSE, &n_labels, error); /* (n) */
  if (labels == NULL)
    return NULL;

  g_autofree char *images_name = g_filename_display_name (images_path);
  g_autofree char *labels_name = g_filename_display_name (labels_path);
  if (n_images != n_labels)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s holds %u images but %s holds %u labels", images_name, n_images,
                   labels_name, n_labels);
      return NULL;
    }
  for (guint32 i = 0; i < n_labels; i++)
    if (labels[i] > max_label)
      {
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: label %u at index %u is above %d",
                     labels_name, labels[i], i, max_label);
        return NULL;
      }

  gsize n_px = (gsize) n_images * DP_INPUT_SIZE;
  float *images = g_try_malloc (n_px * sizeof (float)); /* (n, 784) */
  if (images == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: out of memory for %u images", images_name,
                   n_images);
      return NULL;
    }
  float lut[256]; /* byte → ink; exactly byte / 255 */
  for (int v = 0; v < 256; v++)
    lut[v] = (float) v / 255.f;
  for (gsize i = 0; i < n_px; i++)
    images[i] = lut[pixels[i]];

  DpDataset *ds = g_new0 (DpDataset, 1);
  ds->n = (int) n_images;
  ds->images = images;
  ds->labels = g_steal_pointer (&labels);
  return ds;
}

/* dir/base.gz if it exists, else dir/base if it exists, else NULL */
static char *
find_idx (const char *dir, const char *base)
{
  g_autofree char *gz_name = g_strconcat (base, ".gz", NULL);
  char *path = g_build_filename (dir, gz_name, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  path = g_build_filename (dir, base, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_free (path);
  return NULL;
}

DpDataset *
dp_dataset_load_mnist (const char *dir, gboolean train, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);

  const char *bases[2] = {
    train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte",
    train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte",
  };
  char *paths[2] = { NULL, NULL };
  g_autofree char *shown = g_filename_display_name (dir);
  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      /* an MNIST file itself, most likely: its folder is what is wanted */
      g_autofree char *parent = g_path_get_dirname (dir);
      g_autofree char *base = g_path_get_basename (dir);
      g_autofree char *parent_name = g_filename_display_name (parent);
      gboolean mnist_file = g_str_has_prefix (base, "train-") || g_str_has_prefix (base, "t10k-");
      g_autofree char *hint = mnist_file ? g_strdup_printf (": %s, the folder that holds it",
                                                            parent_name)
                                         : g_strdup ("");
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: is a file, not a folder: give the folder "
                   "that holds the MNIST files (%s.gz, …)%s", shown, bases[0], hint);
      return NULL;
    }
  for (int i = 0; i < 2; i++)
    {
      paths[i] = find_idx (dir, bases[i]);
      if (paths[i] == NULL)
        {
          g_autofree char *dir_name = g_filename_display_name (dir);
          g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: no %s.gz or %s (MNIST %s set) there",
                       dir_name, bases[i], bases[i], train ? "training" : "test");
          g_free (paths[0]);
          return NULL;
        }
    }
  DpDataset *ds = dp_dataset_load (paths[0], paths[1], error);
  g_free (paths[0]);
  g_free (paths[1]);
  return ds;
}

/* Appends the gzip stream of data to save. */
static gboolean
gzip_write (DpSaveFile *save, const guint8 *head, gsize head_len, const guint8 *data, gsize len,
            GError **error)
{
  z_stream z = { 0 };
  if (deflateInit2 (&z, 6, Z_DEFLATED, 15 + 16 /* gzip */, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "cannot start gzip: out of memory");
      return FALSE;
    }
  guint8 out[64 * 1024];
  const guint8 *parts[2] = { head, data };
  gsize lens[2] = { head_len, len };
  gboolean ok = TRUE;
  for (int part = 0; part < 2 && ok; part++)
    {
      gsize left = lens[part];
      const guint8 *p = parts[part];
      do
        {
          uInt chunk = (uInt) MIN (left, (gsize) 1 << 30);
          z.next_in = (Bytef *) p;
          z.avail_in = chunk;
          p += chunk;
          left -= chunk;
          int flush = (part == 1 && left == 0) ? Z_FINISH : Z_NO_FLUSH;
          int rc;
          do
            {
              z.next_out = out;
              z.avail_out = sizeof out;
              rc = deflate (&z, flush);
              if (!dp_save_file_write (save, out, sizeof out - z.avail_out, error))
                {
                  ok = FALSE;
                  break;
                }
            }
          while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        }
      while (ok && left > 0);
    }
  deflateEnd (&z);
  return ok;
}

static void
put_be32 (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

gboolean
dp_dataset_save (const DpDataset *ds, const char *images_path, const char *labels_path,
                 GError **error)
{
  g_return_val_if_fail (ds != NULL && ds->n > 0 && images_path != NULL && labels_path != NULL,
                        FALSE);

  gsize n_px = (gsize) ds->n * DP_INPUT_SIZE;
  g_autofree guint8 *pixels = g_try_malloc (n_px);
  if (pixels == NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "out of memory for %d images", ds->n);
      return FALSE;
    }
  for (gsize i = 0; i < n_px; i++)
    pixels[i] = (guint8) lrintf (CLAMP (ds->images[i], 0.f, 1.f) * 255.f);
  guint8 head_images[16], head_labels[8];
  put_be32 (head_images, IDX_MAGIC_IMAGES);
  put_be32 (head_images + 4, (guint32) ds->n);
  put_be32 (head_images + 8, DP_IMAGE_SIDE);
  put_be32 (head_images + 12, DP_IMAGE_SIDE);
  put_be32 (head_labels, IDX_MAGIC_LABELS);
  put_be32 (head_labels + 4, (guint32) ds->n);

  DpSaveFile *a = dp_save_file_begin (images_path, "the images", error);
  if (a == NULL)
    return FALSE;
  DpSaveFile *b = dp_save_file_begin (labels_path, "the labels", error);
  if (b == NULL)
    {
      dp_save_file_abort (a);
      return FALSE;
    }
  if (!gzip_write (a, head_images, sizeof head_images, pixels, n_px, error)
      || !gzip_write (b, head_labels, sizeof head_labels, ds->labels, (gsize) ds->n, error))
    {
      dp_save_file_abort (a);
      dp_save_file_abort (b);
      return FALSE;
    }
  return dp_save_file_commit_pair (a, b, error);
}

DpDataset *
dp_dataset_head (const DpDataset *ds, int n)
{
  g_return_val_if_fail (ds != NULL, NULL);

  if (n <= 0 || n > ds->n)
    n = ds->n;
  DpDataset *head = g_new0 (DpDataset, 1);
  head->n = n;
  head->images = g_memdup2 (ds->images, (gsize) n * DP_INPUT_SIZE * sizeof (float));
  head->labels = g_memdup2 (ds->labels, (gsize) n);
  return head;
}

void
dp_dataset_free (DpDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->images);
  g_free (ds->labels);
  g_free (ds);
}
