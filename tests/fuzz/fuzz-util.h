/* fuzz-util.h: what the fuzz targets share. The readers take paths, so each input goes into an
 * anonymous in-memory file (memfd) and the reader opens /proc/self/fd/N: no disk traffic, nothing
 * left behind, and parallel fuzzing jobs never share a file. Also the split of one input into two
 * files (IDX images + labels, Theta1 + Theta2): a 4-byte little-endian length of the first part,
 * the first part, then the second. */
#pragma once

#define _GNU_SOURCE
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct
{
  int fd;
  char path[64];
} DpFuzzFile;

/* created once per process and reused, so that a run of millions of inputs opens no new fds */
static inline void
dp_fuzz_file_set (DpFuzzFile *f, const char *name, const uint8_t *data, size_t size)
{
  if (f->fd <= 0)
    {
      f->fd = memfd_create (name, 0);
      if (f->fd < 0)
        abort ();
      g_snprintf (f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
    }
  if (ftruncate (f->fd, 0) != 0)
    abort ();
  size_t done = 0;
  while (done < size)
    {
      ssize_t w = pwrite (f->fd, data + done, size - done, (off_t) done);
      if (w <= 0)
        abort ();
      done += (size_t) w;
    }
}

/* splits data into a (a_size) and b (b_size) by the 4-byte length prefix; a short input is all b */
static inline void
dp_fuzz_split (const uint8_t *data, size_t size, const uint8_t **a, size_t *a_size,
               const uint8_t **b, size_t *b_size)
{
  if (size < 4)
    {
      *a = data, *a_size = 0, *b = data, *b_size = size;
      return;
    }
  guint32 n = (guint32) data[0] | (guint32) data[1] << 8 | (guint32) data[2] << 16
              | (guint32) data[3] << 24;
  size -= 4, data += 4;
  if (n > size)
    n = (guint32) size;
  *a = data, *a_size = n;
  *b = data + n, *b_size = size - n;
}
