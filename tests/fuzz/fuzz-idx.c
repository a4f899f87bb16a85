/* fuzz-idx.c: libFuzzer target for the IDX reader (dp_dataset_load), gzipped or raw. One input
 * holds both files (see fuzz-util.h): an images IDX3 and a labels IDX1. Whatever the bytes, the
 * reader must return a dataset that keeps its promises or an error that names the file, and never
 * read out of bounds nor allocate what the header claims before checking the file holds it. */
#include "fuzz-util.h"

#include "engine/dataset.h"
#include "engine/error.h"

static DpFuzzFile images_file, labels_file;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *img, *lab;
  size_t img_size, lab_size;
  dp_fuzz_split (data, size, &img, &img_size, &lab, &lab_size);
  dp_fuzz_file_set (&images_file, "images", img, img_size);
  dp_fuzz_file_set (&labels_file, "labels", lab, lab_size);

  GError *error = NULL;
  DpDataset *ds = dp_dataset_load (images_file.path, labels_file.path, &error);
  if (ds == NULL)
    {
      /* every failure explains itself and names a file */
      if (error == NULL || error->domain != DP_ERROR || error->message == NULL
          || strstr (error->message, "/proc/self/fd/") == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  if (error != NULL || ds->n <= 0)
    abort ();
  /* the promises of a loaded dataset: labels 0..9, ink 0..1; touching all of it lets ASan check
   * that every buffer is as long as n says */
  for (int i = 0; i < ds->n; i++)
    if (ds->labels[i] > 9)
      abort ();
  for (gsize i = 0; i < (gsize) ds->n * 784; i++)
    if (!(ds->images[i] >= 0.f && ds->images[i] <= 1.f))
      abort ();
  DpDataset *head = dp_dataset_head (ds, 1);
  if (head == NULL || head->n != 1 || head->labels[0] != ds->labels[0])
    abort ();
  dp_dataset_free (head);
  dp_dataset_free (ds);
  return 0;
}
