/* fuzz-image.c: libFuzzer target for the image path of preprocessing: the bytes as an image file
 * through dp_preprocess_image (gdk-pixbuf decodes, then grayscale, inversion, crop, fit, centre),
 * and the same bytes as a raw grayscale raster through dp_preprocess_gray, its width taken from the
 * first byte. Either way the result is 784 values in 0..1, or an error (DP_ERROR_EMPTY for no ink). */
#include "fuzz-util.h"

#include <math.h>
#include <string.h>

#include "engine/error.h"
#include "engine/preprocess.h"

static DpFuzzFile image_file;

static void
check (gboolean ok, const float *out, GError *error, const char *path)
{
  if (!ok)
    {
      if (error == NULL || error->message == NULL)
        abort ();
      if (path != NULL && strstr (error->message, path) == NULL)
        abort (); /* a file's error names the file */
      g_error_free (error);
      return;
    }
  if (error != NULL)
    abort ();
  double ink = 0;
  for (int i = 0; i < 784; i++)
    {
      if (!(out[i] >= 0.f && out[i] <= 1.f))
        abort ();
      ink += out[i];
    }
  if (!(ink > 0))
    abort (); /* success means there was ink */
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  float out[784];
  GError *error = NULL;

  dp_fuzz_file_set (&image_file, "image", data, size);
  gboolean ok = dp_preprocess_image (image_file.path, out, &error);
  check (ok, out, error, image_file.path);

  if (size >= 2)
    {
      int width = 1 + data[0] % 64;
      int height = (int) ((size - 1) / width);
      if (height > 0)
        {
          error = NULL;
          ok = dp_preprocess_gray (data + 1, width, height, width, out, &error);
          check (ok, out, error, NULL);
        }
    }
  return 0;
}
