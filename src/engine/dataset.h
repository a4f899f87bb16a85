/* dataset.h: DpDataset, images and labels read from IDX files (gzipped or raw). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int n;           /* number of images */
  float *images;   /* (n, 784) ink 0..1 (IDX byte / 255) */
  guint8 *labels;  /* (n) 0..9; 0..10 in a mix (10 = DP_CLASS_NOT_A_DIGIT, network.h) */
} DpDataset;

/* Reads an IDX3 image file and an IDX1 label file, each gzipped or raw (zlib reads both).
 * Validates magic numbers, 28×28, equal counts, labels ≤ 9, and that the counts in the headers
 * fit the real size of the data before allocating. Errors name the file and the problem. */
DpDataset *dp_dataset_load        (const char *images_path, const char *labels_path,
                                   GError **error);
/* The same with labels up to max_label (9: MNIST; DP_CLASS_NOT_A_DIGIT: a mix, engine/synth.h). */
DpDataset *dp_dataset_load_labels_upto (const char *images_path, const char *labels_path,
                                        int max_label, GError **error);

/* Writes ds as a gzipped IDX pair (images: ink × 255 rounded to bytes; labels), replaced
 * together atomically (file-util.h: dp_save_file_commit_pair); both in one folder. */
gboolean   dp_dataset_save        (const DpDataset *ds, const char *images_path,
                                   const char *labels_path, GError **error);

/* The MNIST pair in dir: train = TRUE for train-images-idx3-ubyte[.gz] + train-labels-…,
 * FALSE for t10k-…. The .gz and the raw name are both looked for. */
DpDataset *dp_dataset_load_mnist  (const char *dir, gboolean train, GError **error);

/* the first n images (or all, if n <= 0 or n >= the size), copied */
DpDataset *dp_dataset_head        (const DpDataset *ds, int n);

void       dp_dataset_free        (DpDataset *ds);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpDataset, dp_dataset_free)

G_END_DECLS
