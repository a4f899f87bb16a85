/* fuzz-theta.c: libFuzzer target for the classic tutorial's text weights (dp_theta_import). One
 * input holds Theta1.txt and Theta2.txt (see fuzz-util.h). A pair that imports must be a
 * 784-h-10 sigmoid network with finite weights that predicts a digit. */
#include "fuzz-util.h"

#include <math.h>

#include "engine/error.h"
#include "engine/model-file.h"

static DpFuzzFile theta1_file, theta2_file;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *t1, *t2;
  size_t t1_size, t2_size;
  dp_fuzz_split (data, size, &t1, &t1_size, &t2, &t2_size);
  dp_fuzz_file_set (&theta1_file, "Theta1.txt", t1, t1_size);
  dp_fuzz_file_set (&theta2_file, "Theta2.txt", t2, t2_size);

  GError *error = NULL;
  DpNetwork *net = dp_theta_import (theta1_file.path, theta2_file.path, &error);
  if (net == NULL)
    {
      if (error == NULL || error->message == NULL
          || strstr (error->message, "/proc/self/fd/") == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  if (net->n_layers != 2 || net->sizes[0] != 784 || net->sizes[2] != 10)
    abort ();
  for (gsize i = 0; i < net->n_params; i++)
    if (!isfinite (net->params[i]))
      abort ();
  float x[784] = { 0 }, probs[DP_MAX_CLASSES];
  x[300] = 1.f;
  int digit = dp_network_predict (net, x, probs);
  if (digit < 0 || digit > 9)
    abort ();
  dp_network_free (net);
  return 0;
}
