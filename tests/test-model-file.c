/* test-model-file.c: safetensors models round-trip bit for bit and every corrupt file is refused
 * with its own message; the classic Theta1.txt/Theta2.txt import and export, their bad files, and
 * an imported pair predicting exactly what the tutorial's predict() (double precision) does on
 * all of MNIST's test images. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>

#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/model-file.h"
#include "engine/rng.h"
#include "test-util.h"

/* ---------- helpers ---------- */

static void
assert_same_net (const DpNetwork *a, const DpNetwork *b)
{
  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  for (int l = 0; l <= a->n_layers; l++)
    g_assert_cmpint (a->sizes[l], ==, b->sizes[l]);
  g_assert_cmpint (a->activation, ==, b->activation);
  g_assert_cmpint (a->loss, ==, b->loss);
  g_assert_cmpuint (a->n_params, ==, b->n_params);
  g_assert_cmpmem (a->params, a->n_params * sizeof (float), b->params,
                   b->n_params * sizeof (float));
}

/* A small valid model split into its JSON header and its data, to be edited and packed again. */
typedef struct
{
  char *json;
  GBytes *data;
} Parts;

static Parts
small_model_parts (void)
{
  static const int sizes[3] = { 784, 2, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 3);
  g_autoptr (GBytes) bytes = dp_model_serialize (net);
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  guint64 hl;
  memcpy (&hl, p, 8);
  hl = GUINT64_FROM_LE (hl);
  Parts parts = { g_strndup ((const char *) p + 8, hl), g_bytes_new (p + 8 + hl, len - 8 - hl) };
  g_strchomp (parts.json); /* the padding */
  return parts;
}

static void
parts_clear (Parts *parts)
{
  g_free (parts->json);
  g_bytes_unref (parts->data);
}

static GBytes *
pack (const char *json, const guint8 *data, gsize data_len)
{
  gsize jl = strlen (json);
  guint8 *out = g_malloc (8 + jl + data_len);
  guint64 hl = GUINT64_TO_LE ((guint64) jl);
  memcpy (out, &hl, 8);
  memcpy (out + 8, json, jl);
  if (data_len)
    memcpy (out + 8 + jl, data, data_len);
  return g_bytes_new_take (out, 8 + jl + data_len);
}

/* json with the one occurrence of old replaced by new */
static char *
replace_once (const char *json, const char *old, const char *new)
{
  const char *at = strstr (json, old);
  if (at == NULL)
    g_error ("\"%s\" is not in the header %s", old, json);
  g_assert_null (strstr (at + 1, old));
  return g_strdup_printf ("%.*s%s%s", (int) (at - json), json, new, at + strlen (old));
}

/* edits the small model's header, loads it, expects DP_ERROR_FORMAT with the fragments */
static void
expect_edit_fails (const char *old, const char *new, ...)
{
  Parts parts = small_model_parts ();
  g_autofree char *json = replace_once (parts.json, old, new);
  gsize dl;
  const guint8 *d = g_bytes_get_data (parts.data, &dl);
  g_autoptr (GBytes) bytes = pack (json, d, dl);
  GError *error = NULL;
  DpNetwork *net = dp_model_load_bytes (bytes, "edited.safetensors", &error);
  g_assert_null (net);
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "edited.safetensors: "));
  va_list ap;
  va_start (ap, new);
  dp_test_assert_message_va (error, ap);
  va_end (ap);
  g_error_free (error);
  parts_clear (&parts);
}

static void
expect_bytes_fail (GBytes *bytes, ...)
{
  GError *error = NULL;
  DpNetwork *net = dp_model_load_bytes (bytes, "bad.safetensors", &error);
  g_assert_null (net);
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_true (g_str_has_prefix (error->message, "bad.safetensors: "));
  va_list ap;
  va_start (ap, bytes);
  dp_test_assert_message_va (error, ap);
  va_end (ap);
  g_error_free (error);
}

/* ---------- safetensors: good files ---------- */

static void
test_round_trip (void)
{
  static const int sizes[4] = { 784, 32, 16, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 3, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 1);
  /* awkward but finite values must come back bit for bit */
  net->params[0] = -0.0f;
  net->params[1] = FLT_MIN / 4; /* subnormal */
  net->params[2] = FLT_MAX;
  net->params[3] = -FLT_MAX;
  net->params[4] = 0x1.fffffep-1f;
  dp_network_set_meta (net, DP_META_RECIPE, "digitpad-cli train --preset quick --seed 1");
  dp_network_set_meta (net, DP_META_TEST_ACCURACY, "0.9812");
  dp_network_set_meta (net, "note", "ünïcödé, \"quotes\" and \\ backslashes\n");

  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  GError *error = NULL;
  g_assert_true (dp_model_save (net, path, &error));
  g_assert_no_error (error);
  g_autoptr (DpNetwork) back = dp_model_load (path, &error);
  g_assert_no_error (error);
  assert_same_net (net, back);
  g_assert_cmpstr (dp_network_get_meta (back, DP_META_RECIPE), ==,
                   "digitpad-cli train --preset quick --seed 1");
  g_assert_cmpstr (dp_network_get_meta (back, DP_META_TEST_ACCURACY), ==, "0.9812");
  g_assert_cmpstr (dp_network_get_meta (back, "note"), ==,
                   "ünïcödé, \"quotes\" and \\ backslashes\n");
  g_assert_cmpuint (g_hash_table_size (back->metadata), ==, 3);

  /* the file is what serialize gives, serialize is repeatable, and save(load(f)) == f */
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_autoptr (GBytes) a = dp_model_serialize (net);
  g_autoptr (GBytes) b = dp_model_serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpmem (contents, len, g_bytes_get_data (a, NULL), g_bytes_get_size (a));
  /* the tensors start 8-byte aligned and the header declares them as written */
  guint64 hl;
  memcpy (&hl, contents, 8);
  g_assert_cmpuint (GUINT64_FROM_LE (hl) % 8, ==, 0);
  g_assert_cmpuint (len, ==, 8 + GUINT64_FROM_LE (hl) + net->n_params * 4);
  g_assert_nonnull (g_strstr_len (contents + 8, len - 8, "\"format\":\"digitpad-mlp\""));
  g_assert_nonnull (g_strstr_len (contents + 8, len - 8, "\"activations\":\"relu,relu,softmax\""));
  g_assert_nonnull (g_strstr_len (contents + 8, len - 8, "\"shape\":[32,784]"));

  /* saving again over the file replaces it, and leaves no temporary file behind */
  dp_network_set_meta (net, DP_META_TEST_ACCURACY, "0.99");
  g_assert_true (dp_model_save (net, path, &error));
  g_autoptr (DpNetwork) again = dp_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dp_network_get_meta (again, DP_META_TEST_ACCURACY), ==, "0.99");
  GDir *d = g_dir_open (dir, 0, NULL);
  int n_files = 0;
  while (g_dir_read_name (d))
    n_files++;
  g_dir_close (d);
  g_assert_cmpint (n_files, ==, 1);
  dp_test_rmdir (dir);
}

static void
test_round_trip_kinds (void)
{
  static const int one[2] = { 784, 10 };
  static const int two[3] = { 784, 7, 10 };
  struct { const int *sizes; int n; DpActivation a; DpLoss l; const char *acts; } kinds[] = {
    { one, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, "\"softmax\"" },
    { two, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE, "\"sigmoid,sigmoid\"" },
    { two, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_MSE, "\"sigmoid,sigmoid\"" },
    { two, 2, DP_ACTIVATION_TANH, DP_LOSS_SOFTMAX_CE, "\"tanh,softmax\"" },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr (DpNetwork) net = dp_test_random_net (kinds[k].sizes, kinds[k].n, kinds[k].a, kinds[k].l, k);
      g_autoptr (GBytes) bytes = dp_model_serialize (net);
      g_assert_nonnull (g_strstr_len ((const char *) g_bytes_get_data (bytes, NULL) + 8,
                                      g_bytes_get_size (bytes) - 8,
                                      kinds[k].acts));
      GError *error = NULL;
      g_autoptr (DpNetwork) back = dp_model_load_bytes (bytes, "kind", &error);
      g_assert_no_error (error);
      assert_same_net (net, back);
    }
}

/* A file written by other software: only the tensors and the required metadata, the tensors in
 * another order, no padding, a gap in the data, pretty-printed JSON. */
static void
test_minimal_foreign (void)
{
  static const int sizes[2] = { 784, 10 };
  g_autoptr (DpNetwork) ref = dp_test_random_net (sizes, 1, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 9);
  gsize wbytes = 7840 * 4, bbytes = 10 * 4;
  /* data: 16 bytes of gap, then the bias, then the weights */
  gsize data_len = 16 + bbytes + wbytes;
  guint8 *data = g_malloc0 (data_len);
  for (int i = 0; i < 10; i++)
    {
      guint32 bits;
      memcpy (&bits, &dp_network_bias (ref, 0)[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (data + 16 + 4 * i, &bits, 4);
    }
  for (int i = 0; i < 7840; i++)
    {
      guint32 bits;
      memcpy (&bits, &dp_network_weights (ref, 0)[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (data + 16 + bbytes + 4 * i, &bits, 4);
    }
  g_autofree char *json = g_strdup_printf (
    "{\n  \"layers.0.bias\": {\"dtype\": \"F32\", \"shape\": [10], \"data_offsets\": [16, %zu]},\n"
    "  \"layers.0.weight\": {\"dtype\": \"F32\", \"shape\": [10, 784], \"data_offsets\": [%zu, %zu]},\n"
    "  \"__metadata__\": {\"format\": \"digitpad-mlp\", \"version\": \"1\", \"loss\": \"softmax-ce\",\n"
    "                   \"activations\": \"softmax\"}\n}",
    16 + bbytes, 16 + bbytes, data_len);
  g_autoptr (GBytes) bytes = pack (json, data, data_len);
  g_free (data);
  GError *error = NULL;
  g_autoptr (DpNetwork) net = dp_model_load_bytes (bytes, "foreign", &error);
  g_assert_no_error (error);
  assert_same_net (ref, net);
  g_assert_cmpuint (g_hash_table_size (net->metadata), ==, 0);
}

static void
test_load_bytes_builtin_name (void)
{
  static const int sizes[3] = { 784, 4, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 5);
  g_autoptr (GBytes) bytes = dp_model_serialize (net);
  /* a copy with the last byte cut: the message carries the name given */
  g_autoptr (GBytes) cut = g_bytes_new_from_bytes (bytes, 0, g_bytes_get_size (bytes) - 1);
  GError *error = NULL;
  g_assert_null (dp_model_load_bytes (cut, "built-in model", &error));
  dp_test_assert_message (error, "built-in model: ", "out of bounds", NULL);
  g_error_free (error);
}

/* ---------- safetensors: bad files, one message each ---------- */

static void
test_bad_empty_and_short (void)
{
  g_autoptr (GBytes) empty = g_bytes_new (NULL, 0);
  expect_bytes_fail (empty, "empty file", NULL);
  g_autoptr (GBytes) shrt = g_bytes_new ("\x10\0\0\0\0", 5);
  expect_bytes_fail (shrt, "too short for a safetensors model (5 bytes)", NULL);
}

static void
test_bad_header_length (void)
{
  Parts parts = small_model_parts ();
  g_autoptr (GBytes) good = pack (parts.json, g_bytes_get_data (parts.data, NULL),
                                  g_bytes_get_size (parts.data));
  guint8 *copy = g_memdup2 (g_bytes_get_data (good, NULL), g_bytes_get_size (good));
  guint64 huge = GUINT64_TO_LE ((guint64) 1 << 40);
  memcpy (copy, &huge, 8);
  g_autoptr (GBytes) bad = g_bytes_new_take (copy, g_bytes_get_size (good));
  expect_bytes_fail (bad, "header length 1099511627776 goes beyond the end of the file", NULL);
  /* a PNG is not a model either, and says so (test_bad_image_as_model) */
  g_autoptr (GBytes) png = g_bytes_new ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  expect_bytes_fail (png, "this is a PNG image, not a model", NULL);
  parts_clear (&parts);
}

static void
test_bad_json (void)
{
  g_autoptr (GBytes) b1 = pack ("{\"__metadata__\": {", (const guint8 *) "", 0);
  expect_bytes_fail (b1, "invalid JSON header", NULL);
  g_autoptr (GBytes) b2 = pack ("\xff\xfe garbage", (const guint8 *) "", 0);
  expect_bytes_fail (b2, "invalid JSON header", NULL);
  g_autoptr (GBytes) b3 = pack ("", (const guint8 *) "", 0);
  expect_bytes_fail (b3, "JSON header is empty", NULL);
}

static void
test_bad_not_object (void)
{
  g_autoptr (GBytes) b = pack ("[1, 2, 3]", (const guint8 *) "", 0);
  expect_bytes_fail (b, "the JSON header is not an object", NULL);
  expect_edit_fails ("\"layers.0.bias\":{", "\"layers.0.bias\":[1],\"x\":{",
                     "tensor layers.0.bias is not a JSON object", NULL);
}

static void
test_bad_dtype_f16 (void)
{
  Parts parts = small_model_parts ();
  /* the first dtype belongs to layers.0.weight */
  char *at = strstr (parts.json, "\"dtype\":\"F32\"");
  g_assert_nonnull (at);
  memcpy (at + 9, "F16", 3);
  g_autoptr (GBytes) b = pack (parts.json, g_bytes_get_data (parts.data, NULL),
                               g_bytes_get_size (parts.data));
  expect_bytes_fail (b, "tensor layers.0.weight has dtype F16; only F32 is supported", NULL);
  parts_clear (&parts);
  expect_edit_fails ("\"dtype\":\"F32\",\"shape\":[2]", "\"dtype\":\"I64\",\"shape\":[2]",
                     "tensor layers.0.bias has dtype I64", NULL);
}

static void
test_bad_missing_tensor (void)
{
  expect_edit_fails (",\"layers.1.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[6360,6400]}",
                     "", "missing tensor layers.1.bias", NULL);
  expect_edit_fails ("\"layers.0.weight\"", "\"layers.2.weight\"",
                     "missing tensor layers.0.weight", NULL);
  expect_edit_fails ("\"layers.0.weight\"", "\"conv1.weight\"", "unexpected tensor \"conv1.weight\"",
                     NULL);
}

static void
test_bad_shapes (void)
{
  expect_edit_fails ("\"shape\":[2,784]", "\"shape\":[2,783]", "do not chain 784", NULL);
  expect_edit_fails ("\"shape\":[10,2]", "\"shape\":[10,3]", "layers.1.weight has shape [10, 3]",
                     "do not chain", NULL);
  expect_edit_fails ("\"shape\":[2]", "\"shape\":[3]", "layers.0.bias has shape [3], expected [2]",
                     NULL);
  expect_edit_fails ("\"shape\":[2,784]", "\"shape\":[2,784,1]", "3 dimensions", NULL);
  expect_edit_fails ("\"shape\":[2,784]", "\"shape\":[-2,784]", "invalid shape", NULL);
  expect_edit_fails ("\"shape\":[2,784]", "\"shape\":[2.5,784]", "invalid shape", NULL);
}

static void
test_bad_output_size_message (void)
{
  Parts parts = small_model_parts ();
  g_autofree char *j1 = replace_once (parts.json, "\"shape\":[10,2],\"data_offsets\":[6280,6360]",
                                      "\"shape\":[5,2],\"data_offsets\":[6280,6320]");
  g_autofree char *j2 = replace_once (j1, "\"shape\":[10],\"data_offsets\":[6360,6400]",
                                      "\"shape\":[5],\"data_offsets\":[6320,6340]");
  g_autoptr (GBytes) b = pack (j2, g_bytes_get_data (parts.data, NULL), g_bytes_get_size (parts.data));
  expect_bytes_fail (b, "the last layer has 5 outputs, expected 10 (the digits) or 11", NULL);
  parts_clear (&parts);
}

static void
test_bad_offsets (void)
{
  /* bounds: the file is cut short */
  Parts parts = small_model_parts ();
  g_autoptr (GBytes) cut = pack (parts.json, g_bytes_get_data (parts.data, NULL), 6000);
  expect_bytes_fail (cut, "tensor layers.0.weight", "out of bounds", "holds 6000 bytes", NULL);
  parts_clear (&parts);
  /* overlapping */
  expect_edit_fails ("\"data_offsets\":[6280,6360]", "\"data_offsets\":[6200,6280]",
                     "overlap", NULL);
  /* span not the shape's byte size */
  expect_edit_fails ("\"data_offsets\":[6272,6280]", "\"data_offsets\":[6272,6276]",
                     "tensor layers.0.bias: data_offsets [6272, 6276] span 4 bytes, its shape needs 8",
                     NULL);
  /* reversed, negative, missing */
  expect_edit_fails ("\"data_offsets\":[6272,6280]", "\"data_offsets\":[6280,6272]",
                     "out of order", NULL);
  expect_edit_fails ("\"data_offsets\":[6272,6280]", "\"data_offsets\":[-8,0]", "out of order",
                     NULL);
  expect_edit_fails ("\"data_offsets\":[6272,6280]", "\"data_offsets\":[6272]",
                     "no valid data_offsets", NULL);
}

static void
test_bad_values (void)
{
  static const float bad[3] = { NAN, INFINITY, -INFINITY };
  for (int k = 0; k < 3; k++)
    {
      Parts parts = small_model_parts ();
      gsize len;
      guint8 *data = g_memdup2 (g_bytes_get_data (parts.data, &len), g_bytes_get_size (parts.data));
      guint32 bits;
      memcpy (&bits, &bad[k], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (data + 6280 + 4 * 7, &bits, 4); /* layers.1.weight[7] */
      g_autoptr (GBytes) b = pack (parts.json, data, len);
      expect_bytes_fail (b, "tensor layers.1.weight holds a NaN or infinite value at index 7", NULL);
      g_free (data);
      parts_clear (&parts);
    }
}

static void
test_bad_metadata (void)
{
  expect_edit_fails ("\"format\":\"digitpad-mlp\"", "\"format\":\"pytorch\"",
                     "metadata format is \"pytorch\", expected \"digitpad-mlp\"", NULL);
  expect_edit_fails ("\"format\":\"digitpad-mlp\",", "", "no \"format\"", NULL);
  expect_edit_fails ("\"version\":\"1\"", "\"version\":\"7\"", "version \"7\" is not supported",
                     NULL);
  expect_edit_fails ("\"version\":\"1\",", "", "no \"version\"", NULL);
  expect_edit_fails ("\"loss\":\"softmax-ce\"", "\"loss\":\"hinge\"", "unknown loss \"hinge\"",
                     NULL);
  expect_edit_fails ("\"loss\":\"softmax-ce\",", "", "no \"loss\"", NULL);
  expect_edit_fails ("\"activations\":\"relu,softmax\"", "\"activations\":\"swish,softmax\"",
                     "unknown activation \"swish\"", NULL);
  expect_edit_fails ("\"activations\":\"relu,softmax\"", "\"activations\":\"relu,relu,softmax\"",
                     "name 3 layers, the tensors hold 2", NULL);
  expect_edit_fails ("\"activations\":\"relu,softmax\"", "\"activations\":\"relu,sigmoid\"",
                     "end in \"sigmoid\" but loss softmax-ce needs softmax outputs", NULL);
  expect_edit_fails ("\"activations\":\"relu,softmax\",", "", "no \"activations\"", NULL);
  expect_edit_fails ("\"version\":\"1\"", "\"version\":1", "metadata \"version\" is not a string",
                     NULL);
  expect_edit_fails ("{\"__metadata__\":", "{\"x__metadata__\":", "no __metadata__", NULL);
}

static void
test_bad_no_metadata (void)
{
  Parts parts = small_model_parts ();
  /* drop the whole __metadata__ object */
  char *start = strstr (parts.json, "\"__metadata__\"");
  char *end = strstr (parts.json, "},\"layers.0.weight\"");
  g_assert_true (start && end);
  g_autofree char *json = g_strdup_printf ("{%s", end + 2);
  g_autoptr (GBytes) b = pack (json, g_bytes_get_data (parts.data, NULL), g_bytes_get_size (parts.data));
  expect_bytes_fail (b, "no __metadata__", NULL);
  g_autoptr (GBytes) c = pack ("{\"__metadata__\":\"x\"}", (const guint8 *) "", 0);
  expect_bytes_fail (c, "__metadata__ is not an object", NULL);
  parts_clear (&parts);
}

static void
test_bad_paths (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  GError *error = NULL;
  g_assert_null (dp_model_load (dir, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  dp_test_assert_message (error, dir, "is a directory", NULL);
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "nope.safetensors", NULL);
  g_assert_null (dp_model_load (missing, &error));
  dp_test_assert_message (error, "nope.safetensors: cannot open", NULL);
  g_clear_error (&error);
  /* a zero-byte file on disk */
  g_autofree char *zero = g_build_filename (dir, "zero.safetensors", NULL);
  g_file_set_contents (zero, "", 0, NULL);
  g_assert_null (dp_model_load (zero, &error));
  dp_test_assert_message (error, "zero.safetensors: empty file", NULL);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

/* a file over DP_MODEL_MAX_BYTES (sparse: no disk used) is refused from its size, before reading */
static void
test_bad_too_large (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "big.safetensors", NULL);
  FILE *f = fopen (path, "wb");
  g_assert_nonnull (f);
  g_assert_cmpint (ftruncate (fileno (f), (off_t) DP_MODEL_MAX_BYTES + (1 << 20)), ==, 0);
  fclose (f);
  GError *error = NULL;
  g_assert_null (dp_model_load (path, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  dp_test_assert_message (error, "big.safetensors", "(257 MiB, at most 256 MiB)", NULL);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

static void
test_save_refuses (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  static const int sizes[3] = { 784, 3, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 2);
  GError *error = NULL;

  net->params[5] = NAN;
  g_assert_false (dp_model_save (net, path, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "m.safetensors", "NaN or infinite weight", NULL);
  g_clear_error (&error);
  net->params[5] = 0;

  static const int tiny[3] = { 4, 3, 2 };
  g_autoptr (DpNetwork) small = dp_test_random_net (tiny, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 2);
  g_assert_false (dp_model_save (small, path, &error));
  dp_test_assert_message (error, "cannot save a 4-3-2 network", NULL);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  g_autofree char *nodir = g_build_filename (dir, "no", "such", "dir", "m.safetensors", NULL);
  g_assert_false (dp_model_save (net, nodir, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  dp_test_assert_message (error, "m.safetensors: cannot save the model", NULL);
  g_clear_error (&error);

  /* a model too big for dp_model_load (784-90000-10: 272 MiB of weights; the block is calloc'd
   * and refused before it is touched) is not written */
  static const int huge_sizes[3] = { 784, 90000, 10 };
  g_autoptr (DpNetwork) huge = dp_network_new (huge_sizes, 2, DP_ACTIVATION_RELU,
                                               DP_LOSS_SOFTMAX_CE);
  g_assert_cmpuint (huge->n_params * sizeof (float), >, DP_MODEL_MAX_BYTES);
  g_assert_false (dp_model_save (huge, path, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "cannot save a 784-90000-10 network", "272 MiB",
                          "at most 256 MiB", NULL);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  dp_test_rmdir (dir);
}

/* ---------- Theta text files ---------- */

static char *
write_text (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* rows × cols of value(r, c) in %.18e, one row per line */
static char *
theta_text (int rows, int cols, double (*value) (int r, int c))
{
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int r = 0; r < rows; r++)
    {
      for (int c = 0; c < cols; c++)
        {
          if (c)
            g_string_append_c (s, ' ');
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.18e", value (r, c)));
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

static double
pattern (int r, int c)
{
  return (r + 1) * 0.25 + c * 1e-3 - (c % 3 == 0 ? 0.5 : 0);
}

static void
expect_theta_fails (const char *t1, const char *t2, const char *frag1, const char *frag2)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *p1 = write_text (dir, "Theta1.txt", t1);
  g_autofree char *p2 = write_text (dir, "Theta2.txt", t2);
  GError *error = NULL;
  g_assert_null (dp_theta_import (p1, p2, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  dp_test_assert_message (error, frag1, frag2, NULL);
  g_error_free (error);
  dp_test_rmdir (dir);
}

static void
test_theta_import (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *t1 = theta_text (3, 785, pattern);
  /* numpy's other spellings: short floats, integers, a blank line, a comment, CRLF */
  GString *s2 = g_string_new ("# Theta2 written by hand\n");
  for (int r = 0; r < 10; r++)
    g_string_append_printf (s2, "%d -1.5e-1 +2 0.125\r\n", r);
  g_string_append (s2, "\n");
  g_autofree char *p1 = write_text (dir, "Theta1.txt", t1);
  g_autofree char *p2 = write_text (dir, "Theta2.txt", s2->str);
  g_string_free (s2, TRUE);
  GError *error = NULL;
  g_autoptr (DpNetwork) net = dp_theta_import (p1, p2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (net->n_layers, ==, 2);
  g_assert_cmpint (net->sizes[1], ==, 3);
  g_assert_cmpint (net->activation, ==, DP_ACTIVATION_SIGMOID);
  g_assert_cmpint (net->loss, ==, DP_LOSS_SIGMOID_CE);
  /* the first column is the bias, the rest W row by row */
  for (int r = 0; r < 3; r++)
    {
      g_assert_cmpfloat (dp_network_bias (net, 0)[r], ==, (float) pattern (r, 0));
      for (int c = 1; c < 785; c++)
        g_assert_cmpfloat (dp_network_weights (net, 0)[r * 784 + c - 1], ==, (float) pattern (r, c));
    }
  for (int r = 0; r < 10; r++)
    {
      g_assert_cmpfloat (dp_network_bias (net, 1)[r], ==, (float) r);
      g_assert_cmpfloat (dp_network_weights (net, 1)[r * 3 + 0], ==, -0.15f);
      g_assert_cmpfloat (dp_network_weights (net, 1)[r * 3 + 1], ==, 2.f);
      g_assert_cmpfloat (dp_network_weights (net, 1)[r * 3 + 2], ==, 0.125f);
    }
  dp_test_rmdir (dir);
}

static void
test_theta_export (void)
{
  static const int sizes[3] = { 784, 5, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE, 4);
  dp_network_bias (net, 0)[0] = 0.1f;
  dp_network_weights (net, 0)[0] = -0.0f;
  dp_network_weights (net, 0)[1] = 1e-40f; /* subnormal */
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "out", NULL); /* created by the export */
  GError *error = NULL;
  g_assert_true (dp_theta_can_export (net));
  g_assert_true (dp_theta_export (net, sub, &error));
  g_assert_no_error (error);

  g_autofree char *p1 = g_build_filename (sub, "Theta1.txt", NULL);
  g_autofree char *p2 = g_build_filename (sub, "Theta2.txt", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (p1, &text, NULL, NULL));
  /* numpy.savetxt(fmt='%.18e'): '%.18e' % np.float64(np.float32(0.1)), space-separated */
  g_assert_true (g_str_has_prefix (text, "1.000000014901161194e-01 -0.000000000000000000e+00 "
                                         "9.999946101114759582e-41 "));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_assert_cmpint (g_strv_length (lines), ==, 5 + 1); /* 5 rows, then "" after the last \n */
  g_assert_cmpstr (lines[5], ==, "");
  g_auto (GStrv) fields = g_strsplit (lines[0], " ", -1);
  g_assert_cmpint (g_strv_length (fields), ==, 785);

  g_autoptr (DpNetwork) back = dp_theta_import (p1, p2, &error);
  g_assert_no_error (error);
  assert_same_net (net, back);
  dp_test_rmdir (dir);
}

static void
test_theta_export_refuses (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  static const int relu_sizes[3] = { 784, 5, 10 };
  g_autoptr (DpNetwork) relu = dp_test_random_net (relu_sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 1);
  GError *error = NULL;
  g_assert_false (dp_theta_can_export (relu));
  g_assert_false (dp_theta_export (relu, dir, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "only a 784-h-10 network with sigmoid", "this one is 784-5-10 relu with softmax outputs", NULL);
  g_clear_error (&error);
  static const int deep[4] = { 784, 5, 5, 10 };
  g_autoptr (DpNetwork) three = dp_test_random_net (deep, 3, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE, 1);
  g_assert_false (dp_theta_can_export (three));
  g_assert_false (dp_theta_export (three, dir, &error));
  dp_test_assert_message (error, "784-5-5-10", NULL);
  g_clear_error (&error);
  g_autoptr (DpNetwork) soft = dp_test_random_net (relu_sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SOFTMAX_CE, 1);
  g_assert_false (dp_theta_can_export (soft));
  g_assert_false (dp_theta_export (soft, dir, &error));
  dp_test_assert_message (error, "sigmoid with softmax outputs", NULL);
  g_clear_error (&error);
  g_autofree char *p1 = g_build_filename (dir, "Theta1.txt", NULL);
  g_assert_false (g_file_test (p1, G_FILE_TEST_EXISTS));
  dp_test_rmdir (dir);
}

static void
test_theta_bad_shapes (void)
{
  g_autofree char *t1 = theta_text (3, 785, pattern);
  g_autofree char *t1_784 = theta_text (3, 784, pattern);
  g_autofree char *t2 = theta_text (10, 4, pattern);
  g_autofree char *t2_rows = theta_text (9, 4, pattern);
  g_autofree char *t2_cols = theta_text (10, 6, pattern);
  expect_theta_fails (t1_784, t2, "Theta1.txt: found 3×784, expected h×785", NULL);
  expect_theta_fails (t1, t2_rows, "Theta2.txt: found 9×4, expected 10×4", NULL);
  expect_theta_fails (t1, t2_cols, "Theta2.txt: found 10×6, expected 10×4",
                      "the 3 hidden units of");
  /* Theta2 where Theta1 should be */
  expect_theta_fails (t2, t1, "Theta1.txt: found 10×4, expected h×785", NULL);
}

static void
test_theta_bad_text (void)
{
  g_autofree char *t1 = theta_text (3, 785, pattern);
  g_autofree char *t2 = theta_text (10, 4, pattern);
  /* line 2 (a comment line first), value 3 */
  g_autofree char *word = g_strdup ("# c\n1 2 3 4\n5 6 abc 8\n");
  expect_theta_fails (t1, word, "Theta2.txt: line 3, value 3: \"abc\" is not a number", NULL);
  g_autofree char *comma = g_strdup ("1,2,3,4\n");
  expect_theta_fails (t1, comma, "Theta2.txt: line 1, value 1: \"1,2,3,4\" is not a number", NULL);
  g_autofree char *ragged = g_strdup ("1 2 3 4\n1 2 3 4\n1 2 3\n");
  expect_theta_fails (t1, ragged, "Theta2.txt: line 3 has 3 values but line 1 has 4 (ragged rows)",
                      NULL);
  g_autofree char *nan = g_strdup ("1 2 3 4\n1 nan 3 4\n");
  expect_theta_fails (t1, nan, "Theta2.txt: line 2, value 2: \"nan\" is NaN or infinite", NULL);
  g_autofree char *inf = g_strdup ("1 2 3 -inf\n");
  expect_theta_fails (t1, inf, "line 1, value 4: \"-inf\" is NaN or infinite", NULL);
  g_autofree char *big = g_strdup ("1 2 3 1e999\n");
  expect_theta_fails (t1, big, "line 1, value 4: \"1e999\" is NaN or infinite", NULL);
  /* a double, but beyond float's range */
  g_autofree char *float_big = g_strconcat ("1 2 3 4\n1 2 3 4\n1 2 3 4\n1 2 3 4\n1 2 3 4\n",
                                            "1 2 3 4\n1 2 3 4\n1 2 3 4\n1 2 3 4\n1 2 3 -1e+300\n",
                                            NULL);
  expect_theta_fails (t1, float_big, "Theta2.txt: a value is too large for single precision", NULL);
  expect_theta_fails (t1, "", "Theta2.txt: empty file", NULL);
  expect_theta_fails (t1, "\n# only a comment\n\n", "Theta2.txt: holds no numbers", NULL);
}

static void
test_theta_bad_paths (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *t2 = theta_text (10, 4, pattern);
  g_autofree char *p2 = write_text (dir, "Theta2.txt", t2);
  g_autofree char *missing = g_build_filename (dir, "Theta1.txt", NULL);
  GError *error = NULL;
  g_assert_null (dp_theta_import (missing, p2, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  dp_test_assert_message (error, "Theta1.txt: cannot open", NULL);
  g_clear_error (&error);
  g_assert_null (dp_theta_import (dir, p2, &error));
  dp_test_assert_message (error, "is a directory", NULL);
  g_clear_error (&error);
  g_file_set_contents (missing, "1 2\0 3\n", 8, NULL);
  g_assert_null (dp_theta_import (missing, p2, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  dp_test_assert_message (error, "Theta1.txt: not a text file", NULL);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

/* The tutorial's predict(): a1 = [1 x], a2 = sigmoid(a1·Theta1ᵀ), a3 = sigmoid([1 a2]·Theta2ᵀ),
 * argmax a3, all in double (numpy float64). The Theta pair is made here from MNIST's class means
 * (nearest class mean, so the outputs spread out like a trained net's) plus
 * random units, written in %.18e with values no float can hold exactly. */
static double
sigmoid (double z)
{
  return 1.0 / (1.0 + exp (-z));
}

static void
test_theta_predicts_like_tutorial (void)
{
  const char *mnist = dp_test_mnist_dir ();
  if (mnist == NULL)
    {
      g_test_skip ("MNIST not found (set DIGITPAD_MNIST_DIR)");
      return;
    }
  GError *error = NULL;
  g_autoptr (DpDataset) test = dp_dataset_load_mnist (mnist, FALSE, &error);
  g_assert_no_error (error);
  const int n = test->n, h = 25;
  /* the images in double as numpy has them: byte / 255.0 */
  double *X = g_new (double, (gsize) n * 784); /* (n, 784) */
  for (gsize i = 0; i < (gsize) n * 784; i++)
    X[i] = lrintf (test->images[i] * 255.f) / 255.0;

  double mean[10][784] = { { 0 } };
  int count[10] = { 0 };
  for (int i = 0; i < n; i++)
    {
      count[test->labels[i]]++;
      for (int j = 0; j < 784; j++)
        {
          mean[test->labels[i]][j] += X[(gsize) i * 784 + j];
        }
    }
  double *T1 = g_new0 (double, h * 785); /* (h, 785) */
  double *T2 = g_new0 (double, 10 * (h + 1)); /* (10, h + 1) */
  DpRng rng;
  dp_rng_init (&rng, 2024);
  /* units 0..9: nearest class mean, x·μc − |μc|²/2 (about 80 % right on MNIST); the rest random */
  for (int c = 0; c < h; c++)
    {
      double sq = 0;
      for (int j = 0; j < 784; j++)
        {
          double w = c < 10 ? mean[c][j] / count[c] : 0.05 * dp_rng_normal (&rng);
          T1[c * 785 + 1 + j] = w;
          sq += w * w;
        }
      T1[c * 785] = c < 10 ? -sq / 2 : 0.1 * dp_rng_normal (&rng);
    }
  /* one scale and one shift for the ten class units (so their order is kept) bring their
   * inputs to about N(0, 1.5²) over the images, away from the sigmoid's flat ends */
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < 10; c++)
      {
        double z = T1[c * 785];
        for (int j = 0; j < 784; j++)
          z += T1[c * 785 + 1 + j] * X[(gsize) i * 784 + j];
        sum += z;
        sum2 += z * z;
      }
  double m = sum / (10.0 * n), sd = sqrt (sum2 / (10.0 * n) - m * m);
  for (int c = 0; c < 10; c++)
    {
      for (int j = 1; j < 785; j++)
        T1[c * 785 + j] *= 1.5 / sd;
      T1[c * 785] = (T1[c * 785] - m) * 1.5 / sd;
    }
  for (int o = 0; o < 10; o++)
    {
      T2[o * (h + 1)] = -2.0 + 0.1 * dp_rng_normal (&rng);
      for (int c = 0; c < h; c++)
        T2[o * (h + 1) + 1 + c] = c == o ? 10.0 + 0.1 * dp_rng_normal (&rng)
                                         : 0.02 * dp_rng_normal (&rng);
    }

  g_autofree char *dir = dp_test_tmpdir ();
  GString *s = g_string_new (NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int k = 0; k < 2; k++)
    {
      int rows = k ? 10 : h, cols = k ? h + 1 : 785;
      const double *T = k ? T2 : T1;
      g_string_truncate (s, 0);
      for (int r = 0; r < rows; r++)
        {
          for (int c = 0; c < cols; c++)
            {
              if (c)
                g_string_append_c (s, ' ');
              g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.18e", T[r * cols + c]));
            }
          g_string_append_c (s, '\n');
        }
      g_free (write_text (dir, k ? "Theta2.txt" : "Theta1.txt", s->str));
    }
  g_string_free (s, TRUE);
  g_autofree char *p1 = g_build_filename (dir, "Theta1.txt", NULL);
  g_autofree char *p2 = g_build_filename (dir, "Theta2.txt", NULL);
  g_autoptr (DpNetwork) net = dp_theta_import (p1, p2, &error);
  g_assert_no_error (error);
  /* the text holds the doubles exactly enough to read back the same doubles */
  g_assert_cmpfloat (dp_network_weights (net, 0)[100], ==, (float) T1[1 + 100]);

  guint8 *pred = g_new (guint8, n);
  dp_network_classify (net, test->images, n, pred, NULL);
  int differ = 0, right = 0;
  double widest = 0; /* the largest margin between the two answers among the differing images */
  double min_gap = 1; /* the smallest top-two margin over all images */
  int differ_predict = 0; /* dp_network_predict (one image) against dp_network_classify */
  for (int i = 0; i < n; i++)
    {
      double a2[64], a3[10];
      for (int c = 0; c < h; c++)
        {
          double z = T1[c * 785];
          for (int j = 0; j < 784; j++)
            z += T1[c * 785 + 1 + j] * X[(gsize) i * 784 + j];
          a2[c] = sigmoid (z);
        }
      int best = 0;
      for (int o = 0; o < 10; o++)
        {
          double z = T2[o * (h + 1)];
          for (int c = 0; c < h; c++)
            z += T2[o * (h + 1) + 1 + c] * a2[c];
          a3[o] = sigmoid (z);
          if (a3[o] > a3[best])
            best = o;
        }
      for (int o = 0; o < 10; o++)
        if (o != best)
          min_gap = MIN (min_gap, a3[best] - a3[o]);
      right += best == test->labels[i];
      float probs[DP_MAX_CLASSES];
      int one = dp_network_predict (net, test->images + (gsize) i * 784, probs);
      if (one != pred[i])
        differ_predict++;
      if (best != pred[i])
        {
          differ++;
          widest = MAX (widest, fabs (a3[best] - a3[pred[i]]));
          g_test_message ("image %d: tutorial %d (%.9f), digitpad %d (%.9f)", i, best, a3[best],
                          pred[i], a3[pred[i]]);
        }
    }
  g_test_message ("nearest-mean net: %.2f %% right; %d of %d predictions differ from the "
                  "double-precision reference (closest call: top two outputs %.3g apart)",
                  100.0 * right / n, differ, n, min_gap);
  if (differ)
    g_test_message ("largest margin among the differing images: %.3g", widest);
  /* the pair must be a real classifier, else agreeing would prove little */
  g_assert_cmpint (right, >, n * 7 / 10);
  /* Exact agreement is what this machine gives (0 of 10000, the closest call 3.75e-8 apart).
   * The network computes in float, so a tie closer than float's resolution (about 6e-8 at 1.0)
   * may go either way with another BLAS kernel: tolerate those, and only those (every one of
   * them, so the largest margin among them, is a near-tie). */
  g_assert_cmpint (differ, <=, 3);
  g_assert_cmpfloat (widest, <, 1e-6);
  g_assert_cmpint (differ_predict, ==, 0);
  g_free (pred);
  g_free (T1);
  g_free (T2);
  g_free (X);
  dp_test_rmdir (dir);
}

/* issue 10 item 13: an image loaded as a model says what it is, not "header length 7279…" */
static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
test_bad_image_as_model (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 28, 28);
  g_autoptr (GByteArray) png = g_byte_array_new ();
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0 };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_bytes, png), ==,
                   CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  g_autoptr (GBytes) png_bytes = g_bytes_new (png->data, png->len);
  g_assert_null (dp_model_load_bytes (png_bytes, "seven.png", &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_FORMAT);
  g_assert_cmpstr (error->message, ==, "seven.png: this is a PNG image, not a model");
  g_clear_error (&error);

  g_autoptr (GBytes) jpeg_bytes = g_bytes_new_static (jpeg, sizeof jpeg);
  g_assert_null (dp_model_load_bytes (jpeg_bytes, "seven.jpg", &error));
  g_assert_cmpstr (error->message, ==, "seven.jpg: this is a JPEG image, not a model");
}

/* ---------- "not a digit": 11-output models, the temperature ---------- */

static void
test_refuse_round_trip (void)
{
  static const int sizes[3] = { 784, 8, 11 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 5);
  dp_network_set_meta (net, DP_META_TEMPERATURE, "1.7500");
  dp_network_set_meta (net, DP_META_CALIBRATION_ECE, "0.0123");
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "refuse.safetensors", NULL);
  GError *error = NULL;
  g_assert_true (dp_model_save (net, path, &error));
  g_assert_no_error (error);
  g_autoptr (DpNetwork) back = dp_model_load (path, &error);
  g_assert_no_error (error);
  assert_same_net (net, back);
  g_assert_true (dp_network_can_refuse (back));
  g_assert_cmpfloat (dp_network_temperature (back), ==, 1.75f);
  g_assert_cmpstr (dp_network_get_meta (back, DP_META_CALIBRATION_ECE), ==, "0.0123");
  /* "refuse" is in the file, derived from the output count, not kept as metadata */
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_nonnull (g_strstr_len (contents + 8, MIN (len, 4096) - 8, "\"refuse\":\"class\""));
  g_assert_null (dp_network_get_meta (back, DP_META_REFUSE));
  g_autoptr (GBytes) a = dp_model_serialize (net);
  g_autoptr (GBytes) b = dp_model_serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  /* it answers as before saving */
  float x[784];
  for (int i = 0; i < 784; i++)
    x[i] = (float) (i % 13) / 12.0f;
  DpRecognition r1, r2;
  dp_network_recognise (net, x, &r1);
  dp_network_recognise (back, x, &r2);
  g_assert_cmpmem (&r1, sizeof r1, &r2, sizeof r2);
  /* a 10-output model's file says nothing about refusing */
  static const int ten[3] = { 784, 8, 10 };
  g_autoptr (DpNetwork) digits = dp_test_random_net (ten, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 5);
  g_autoptr (GBytes) d = dp_model_serialize (digits);
  g_assert_null (g_strstr_len ((const char *) g_bytes_get_data (d, NULL) + 8, 4096, "refuse"));
  dp_test_rmdir (dir);
}

/* what the loader refuses about refusing */
static void
test_bad_refuse (void)
{
  /* 10 outputs said to refuse */
  expect_edit_fails ("\"format\":\"digitpad-mlp\"",
                     "\"format\":\"digitpad-mlp\",\"refuse\":\"class\"",
                     "metadata \"refuse\" is \"class\" but the last layer has 10 outputs", NULL);
  /* an unknown way of refusing */
  expect_edit_fails ("\"format\":\"digitpad-mlp\"",
                     "\"format\":\"digitpad-mlp\",\"refuse\":\"threshold\"",
                     "metadata \"refuse\" is \"threshold\"", "knows \"class\"", NULL);
  /* 11 outputs with nothing saying what the eleventh is */
  static const int sizes[3] = { 784, 2, 11 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 3);
  g_autoptr (GBytes) bytes = dp_model_serialize (net);
  gsize len;
  const guint8 *p = g_bytes_get_data (bytes, &len);
  guint64 hl;
  memcpy (&hl, p, 8);
  hl = GUINT64_FROM_LE (hl);
  g_autofree char *json = g_strndup ((const char *) p + 8, hl);
  g_autofree char *edited = replace_once (json, ",\"refuse\":\"class\"", "");
  g_autoptr (GBytes) packed = pack (edited, p + 8 + hl, len - 8 - hl);
  expect_bytes_fail (packed, "the last layer has 11 outputs but no metadata \"refuse\"", NULL);
  /* 12 outputs are no digit model */
  static const int twelve[3] = { 784, 2, 12 };
  g_autoptr (DpNetwork) big = dp_test_random_net (twelve, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 3);
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "m.safetensors", NULL);
  GError *error = NULL;
  g_assert_false (dp_model_save (big, path, &error));
  dp_test_assert_message (error, "cannot save a 784-2-12 network", "or 11", NULL);
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

static void
test_bad_temperature (void)
{
  const char *bad[] = { "0", "-2", "abc", "nan", "1e9", "", "2 " };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *edit = g_strdup_printf ("\"format\":\"digitpad-mlp\",\"temperature\":"
                                               "\"%s\"", bad[i]);
      g_autofree char *want = g_strdup_printf ("metadata \"temperature\" is \"%s\", not a number "
                                               "from 0.01 to 100", bad[i]);
      expect_edit_fails ("\"format\":\"digitpad-mlp\"", edit, want, NULL);
    }
  /* and dp_model_save does not write what the loader would refuse */
  static const int sizes[3] = { 784, 3, 10 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 2);
  dp_network_set_meta (net, DP_META_TEMPERATURE, "hot");
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "t.safetensors", NULL);
  GError *error = NULL;
  g_assert_false (dp_model_save (net, path, &error));
  g_assert_error (error, DP_ERROR, DP_ERROR_INVALID);
  dp_test_assert_message (error, "t.safetensors", "\"temperature\" is \"hot\"", NULL);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  /* a good one loads and is used */
  Parts parts = small_model_parts ();
  g_autofree char *json = replace_once (parts.json, "\"format\":\"digitpad-mlp\"",
                                        "\"format\":\"digitpad-mlp\",\"temperature\":\"2.5\"");
  g_autoptr (GBytes) bytes = pack (json, g_bytes_get_data (parts.data, NULL),
                                   g_bytes_get_size (parts.data));
  g_autoptr (DpNetwork) back = dp_model_load_bytes (bytes, "good.safetensors", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (dp_network_temperature (back), ==, 2.5f);
  parts_clear (&parts);
  dp_test_rmdir (dir);
}

/* the refusal threshold: kept on an 11-output model and followed; refused when it is not a
 * number from 0.5 to 1 or sits on a 10-output model, by the loader and by dp_model_save */
static void
test_refuse_threshold (void)
{
  static const int sizes[3] = { 784, 8, 11 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_RELU, DP_LOSS_SOFTMAX_CE, 7);
  g_autofree char *dir = dp_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "r.safetensors", NULL);
  GError *error = NULL;
  /* an image whose p(not a digit) we read, then thresholds below and above it */
  float x[784];
  for (int i = 0; i < 784; i++)
    x[i] = (float) (i % 7) / 6.0f;
  DpRecognition r;
  dp_network_recognise (net, x, &r);
  float p = r.probs[DP_CLASS_NOT_A_DIGIT];
  g_assert_cmpfloat (dp_network_refuse_threshold (net), ==, 0.0f);
  g_assert_cmpint (r.answer, ==, dp_network_answer (r.probs, 11, 0.0f));
  for (int k = 0; k < 11; k++)
    g_assert_cmpfloat (r.probs[r.answer], >=, r.probs[k]);
  const double at[2] = { 0.5, 1.0 };
  for (int k = 0; k < 2; k++)
    {
      char text[32];
      g_ascii_formatd (text, sizeof text, "%.6f", at[k]);
      dp_network_set_meta (net, DP_META_REFUSE_THRESHOLD, text);
      g_assert_true (dp_model_save (net, path, &error));
      g_assert_no_error (error);
      g_autoptr (DpNetwork) back = dp_model_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (dp_network_refuse_threshold (back), ==, (float) at[k]);
      DpRecognition b;
      dp_network_recognise (back, x, &b);
      g_assert_cmpint (b.answer == DP_CLASS_NOT_A_DIGIT, ==, p >= (float) at[k]);
      if (b.answer != DP_CLASS_NOT_A_DIGIT)
        g_assert_cmpint (b.answer, ==, b.closest_digit);
    }
  const char *bad[] = { "0.4", "1.5", "x", "", "nan" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      dp_network_set_meta (net, DP_META_REFUSE_THRESHOLD, bad[i]);
      g_assert_false (dp_model_save (net, path, &error));
      dp_test_assert_message (error, "r.safetensors", "\"refuse_threshold\"", NULL);
      g_clear_error (&error);
      g_autofree char *edit = g_strdup_printf ("\"format\":\"digitpad-mlp\",\"refuse_threshold\":"
                                               "\"%s\"", bad[i]);
      expect_edit_fails ("\"format\":\"digitpad-mlp\"", edit, "\"refuse_threshold\"",
                         "from 0.5 to 1", NULL);
    }
  /* a 10-output model (small_model_parts) cannot carry one, even a good one */
  expect_edit_fails ("\"format\":\"digitpad-mlp\"",
                     "\"format\":\"digitpad-mlp\",\"refuse_threshold\":\"0.9\"",
                     "\"refuse_threshold\" is \"0.9\"", "\"not a digit\" output", NULL);
  dp_test_rmdir (dir);
}

/* Theta files stay the classic 10-output pair: an 11-output model cannot be exported */
static void
test_theta_refuse_not_exported (void)
{
  static const int sizes[3] = { 784, 5, 11 };
  g_autoptr (DpNetwork) net = dp_test_random_net (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE, 2);
  g_assert_false (dp_theta_can_export (net));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model-file/round-trip", test_round_trip);
  g_test_add_func ("/engine/model-file/round-trip-kinds", test_round_trip_kinds);
  g_test_add_func ("/engine/model-file/minimal-foreign", test_minimal_foreign);
  g_test_add_func ("/engine/model-file/load-bytes-name", test_load_bytes_builtin_name);
  g_test_add_func ("/engine/model-file/bad/empty-and-short", test_bad_empty_and_short);
  g_test_add_func ("/engine/model-file/bad/header-length", test_bad_header_length);
  g_test_add_func ("/engine/model-file/bad/json", test_bad_json);
  g_test_add_func ("/engine/model-file/bad/not-object", test_bad_not_object);
  g_test_add_func ("/engine/model-file/bad/dtype", test_bad_dtype_f16);
  g_test_add_func ("/engine/model-file/bad/missing-tensor", test_bad_missing_tensor);
  g_test_add_func ("/engine/model-file/bad/shapes", test_bad_shapes);
  g_test_add_func ("/engine/model-file/bad/output-size", test_bad_output_size_message);
  g_test_add_func ("/engine/model-file/bad/offsets", test_bad_offsets);
  g_test_add_func ("/engine/model-file/bad/values", test_bad_values);
  g_test_add_func ("/engine/model-file/bad/metadata", test_bad_metadata);
  g_test_add_func ("/engine/model-file/bad/no-metadata", test_bad_no_metadata);
  g_test_add_func ("/engine/model-file/bad/paths", test_bad_paths);
  g_test_add_func ("/engine/model-file/save-refuses", test_save_refuses);
  g_test_add_func ("/engine/model-file/bad/too-large", test_bad_too_large);
  g_test_add_func ("/engine/model-file/bad/image-as-model", test_bad_image_as_model);
  g_test_add_func ("/engine/model-file/refuse/round-trip", test_refuse_round_trip);
  g_test_add_func ("/engine/model-file/refuse/bad", test_bad_refuse);
  g_test_add_func ("/engine/model-file/bad/temperature", test_bad_temperature);
  g_test_add_func ("/engine/model-file/refuse-threshold", test_refuse_threshold);
  g_test_add_func ("/engine/theta/refuse-not-exported", test_theta_refuse_not_exported);
  g_test_add_func ("/engine/theta/import", test_theta_import);
  g_test_add_func ("/engine/theta/export", test_theta_export);
  g_test_add_func ("/engine/theta/export-refuses", test_theta_export_refuses);
  g_test_add_func ("/engine/theta/bad/shapes", test_theta_bad_shapes);
  g_test_add_func ("/engine/theta/bad/text", test_theta_bad_text);
  g_test_add_func ("/engine/theta/bad/paths", test_theta_bad_paths);
  g_test_add_func ("/engine/theta/predicts-like-tutorial", test_theta_predicts_like_tutorial);
  return g_test_run ();
}
