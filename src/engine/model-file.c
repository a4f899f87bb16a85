/* model-file.c: DpNetwork ⇄ safetensors, so a model opens in Python/PyTorch as well.
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON (padded with spaces to a
 * multiple of 8 so the tensors are aligned), then the raw little-endian tensors. Header:
 *   {"__metadata__": {"format": "digitpad-mlp", "version": "1", "activations": "relu,softmax",
 *                     "loss": "softmax-ce", "input": "…", "recipe": "…", …},
 *    "layers.0.weight": {"dtype": "F32", "shape": [out, in], "data_offsets": [begin, end]},
 *    "layers.0.bias":   {"dtype": "F32", "shape": [out], "data_offsets": [begin, end]}, …}
 * Offsets count from the first byte after the header. The tensors are written in the order of
 * DpNetwork's params block (W0, b0, W1, b1, …), so the data section is that block, byte for byte.
 *
 * Loading trusts nothing: every size, offset and value is checked against the file before use,
 * and each problem has its own message naming the file. */
#include "engine/model-file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "engine/error.h"
#include "engine/file-util.h"

#define MODEL_FORMAT  "digitpad-mlp"
#define MODEL_VERSION "1"
#define MODEL_INPUT   "28x28 grayscale, ink = 1.0 on background = 0.0, MNIST-style: digit fitted " \
                      "to 20 px, centre of mass at pixel (14, 14)"
/* the safetensors reference implementation's own limit on the header */
#define MAX_HEADER_LEN (100u << 20)

/* keys the writer derives from the network itself; anything else in metadata is kept as is */
static const char *const derived_keys[] = {
  DP_META_FORMAT, DP_META_VERSION, DP_META_ACTIVATIONS, DP_META_LOSS, DP_META_INPUT,
};

static gboolean
is_derived_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (derived_keys); i++)
    if (strcmp (key, derived_keys[i]) == 0)
      return TRUE;
  /* written for an 11-output network only, from its output count */
  return strcmp (key, DP_META_REFUSE) == 0;
}

/* a digit model's output count: the ten digits, or them and "not a digit" */
static gboolean
is_output_count (int n)
{
  return n == DP_N_CLASSES || n == DP_CLASS_NOT_A_DIGIT + 1;
}

/* the output activation that goes with each loss */
static const char *
output_activation_name (DpLoss loss)
{
  return loss == DP_LOSS_SOFTMAX_CE ? "softmax" : "sigmoid";
}

static char *
describe_activations (const DpNetwork *net)
{
  GString *s = g_string_new (NULL);
  for (int l = 0; l < net->n_layers - 1; l++)
    g_string_append_printf (s, "%s,", dp_activation_to_string (net->activation));
  g_string_append (s, output_activation_name (net->loss));
  return g_string_free (s, FALSE);
}

/* ---------- writing ---------- */

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void
add_tensor (JsonBuilder *b, const char *name, int out, int in, gsize *offset)
{
  gsize bytes = (gsize) out * (in > 0 ? in : 1) * sizeof (float);
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dtype");
  json_builder_add_string_value (b, "F32");
  json_builder_set_member_name (b, "shape");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, out);
  if (in > 0)
    json_builder_add_int_value (b, in);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "data_offsets");
  json_builder_begin_array (b);
  json_builder_add_int_value (b, (gint64) *offset);
  json_builder_add_int_value (b, (gint64) (*offset + bytes));
  json_builder_end_array (b);
  json_builder_end_object (b);
  *offset += bytes;
}

GBytes *
dp_model_serialize (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, NULL);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);

  /* metadata: the derived keys, then the network's own in sorted order (repeatable bytes) */
  json_builder_set_member_name (b, "__metadata__");
  json_builder_begin_object (b);
  g_autofree char *activations = describe_activations (net);
  const char *derived_values[] = {
    MODEL_FORMAT, MODEL_VERSION, activations, dp_loss_to_string (net->loss), MODEL_INPUT,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (derived_keys); i++)
    {
      json_builder_set_member_name (b, derived_keys[i]);
      json_builder_add_string_value (b, derived_values[i]);
    }
  if (dp_network_can_refuse (net))
    {
      json_builder_set_member_name (b, DP_META_REFUSE);
      json_builder_add_string_value (b, DP_REFUSE_CLASS);
    }
  if (net->metadata != NULL)
    {
      g_autoptr (GPtrArray) keys = g_ptr_array_new ();
      GHashTableIter it;
      gpointer key;
      g_hash_table_iter_init (&it, net->metadata);
      while (g_hash_table_iter_next (&it, &key, NULL))
        g_ptr_array_add (keys, key);
      g_ptr_array_sort (keys, compare_strings);
      for (guint i = 0; i < keys->len; i++)
        {
          const char *key = keys->pdata[i];
          if (is_derived_key (key))
            continue;
          /* JSON is UTF-8; a stray byte must not make the whole file unreadable */
          g_autofree char *k = g_utf8_make_valid (key, -1);
          g_autofree char *v = g_utf8_make_valid (g_hash_table_lookup (net->metadata, key), -1);
          json_builder_set_member_name (b, k);
          json_builder_add_string_value (b, v);
        }
    }
  json_builder_end_object (b);

  gsize offset = 0;
  for (int l = 0; l < net->n_layers; l++)
    {
      char name[32];
      g_snprintf (name, sizeof name, "layers.%d.weight", l);
      add_tensor (b, name, net->sizes[l + 1], net->sizes[l], &offset);
      g_snprintf (name, sizeof name, "layers.%d.bias", l);
      add_tensor (b, name, net->sizes[l + 1], 0, &offset);
    }
  json_builder_end_object (b);
  g_assert (offset == net->n_params * sizeof (float));

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  gsize json_len = 0;
  g_autofree char *json = json_generator_to_data (gen, &json_len);

  gsize header_len = (json_len + 7) & ~(gsize) 7;
  gsize total = 8 + header_len + offset;
  guint8 *out = g_malloc (total);
  guint64 le_len = GUINT64_TO_LE ((guint64) header_len);
  memcpy (out, &le_len, 8);
  memcpy (out + 8, json, json_len);
  memset (out + 8 + json_len, ' ', header_len - json_len);
  guint8 *data = out + 8 + header_len;
  for (gsize i = 0; i < net->n_params; i++)
    {
      guint32 bits;
      memcpy (&bits, &net->params[i], 4);
      bits = GUINT32_TO_LE (bits);
      memcpy (data + 4 * i, &bits, 4);
    }
  return g_bytes_new_take (out, total);
}

gboolean
dp_model_save (const DpNetwork *net, const char *path, GError **error)
{
  g_return_val_if_fail (net != NULL && path != NULL, FALSE);

  g_autofree char *name = g_filename_display_name (path);
  /* refuse to write what dp_model_load would refuse to read */
  if (net->n_layers < 1 || net->sizes[0] != DP_INPUT_SIZE
      || !is_output_count (net->sizes[net->n_layers]))
    {
      g_autofree char *sizes = dp_network_describe_sizes (net);
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "%s: cannot save a %s network: a digit model takes %d inputs and gives %d "
                   "outputs (the digits) or %d (and \"not a digit\")", name, sizes,
                   DP_INPUT_SIZE, DP_N_CLASSES, DP_CLASS_NOT_A_DIGIT + 1);
      return FALSE;
    }
  const char *temperature = dp_network_get_meta (net, DP_META_TEMPERATURE);
  if (temperature != NULL && !dp_temperature_parse (temperature, NULL))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "%s: cannot save: metadata \"%s\" is \"%s\", not a number from %g to %g",
                   name, DP_META_TEMPERATURE, temperature, DP_TEMPERATURE_MIN,
                   DP_TEMPERATURE_MAX);
      return FALSE;
    }
  const char *threshold = dp_network_get_meta (net, DP_META_REFUSE_THRESHOLD);
  if (threshold != NULL && (!dp_network_can_refuse (net)
                            || !dp_refuse_threshold_parse (threshold, NULL)))
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "%s: cannot save: metadata \"%s\" is \"%s\", not a number from 0.5 to 1 on "
                   "a model with a \"not a digit\" output", name, DP_META_REFUSE_THRESHOLD,
                   threshold);
      return FALSE;
    }
  if (net->n_params > DP_MODEL_MAX_PARAM_BYTES / sizeof (float))
    {
      g_autofree char *sizes = dp_network_describe_sizes (net);
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "%s: cannot save a %s network: its weights take %" G_GSIZE_FORMAT " MiB, and "
                   "a model file holds at most %" G_GSIZE_FORMAT " MiB", name, sizes,
                   (net->n_params * sizeof (float)) >> 20, DP_MODEL_MAX_BYTES >> 20);
      return FALSE;
    }
  for (gsize i = 0; i < net->n_params; i++)
    if (!isfinite (net->params[i]))
      {
        g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                     "%s: cannot save: the network has a NaN or infinite weight (parameter %"
                     G_GSIZE_FORMAT "); did training diverge?", name, i);
        return FALSE;
      }

  g_autoptr (GBytes) bytes = dp_model_serialize (net);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  if (len > DP_MODEL_MAX_BYTES)
    {
      /* weights within the cap but a huge metadata header */
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "%s: cannot save: the model file would take %" G_GSIZE_FORMAT " MiB, at most %"
                   G_GSIZE_FORMAT " MiB", name, len >> 20, DP_MODEL_MAX_BYTES >> 20);
      return FALSE;
    }
  /* a temporary file beside path, fsync, rename: a crash leaves the old file or the new */
  return dp_file_save_atomic (path, data, len, "the model", error);
}

/* ---------- reading ---------- */

typedef struct
{
  gint64 shape[2];
  int n_dims;
  guint64 begin, end; /* data_offsets */
  const char *name;
  gboolean seen;
} Tensor;

static gboolean
fail (GError **error, const char *name, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *name, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: %s", name, msg);
  return FALSE;
}

/* "layers.N.weight" / "layers.N.bias" → N and which; FALSE for anything else */
static gboolean
parse_tensor_name (const char *key, int *layer, gboolean *is_bias)
{
  if (!g_str_has_prefix (key, "layers."))
    return FALSE;
  const char *p = key + 7;
  if (!g_ascii_isdigit (*p) || (p[0] == '0' && g_ascii_isdigit (p[1])))
    return FALSE;
  int n = 0;
  while (g_ascii_isdigit (*p))
    {
      n = n * 10 + (*p++ - '0');
      if (n >= DP_MAX_LAYERS)
        return FALSE;
    }
  if (strcmp (p, ".weight") == 0)
    *is_bias = FALSE;
  else if (strcmp (p, ".bias") == 0)
    *is_bias = TRUE;
  else
    return FALSE;
  *layer = n;
  return TRUE;
}

static gboolean
read_int (JsonNode *node, gint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_tensor (JsonNode *node, Tensor *t, const char *name, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, name, "tensor %s is not a JSON object", t->name);
  JsonObject *o = json_node_get_object (node);

  JsonNode *dtype = json_object_get_member (o, "dtype");
  if (dtype == NULL || !JSON_NODE_HOLDS_VALUE (dtype)
      || json_node_get_value_type (dtype) != G_TYPE_STRING)
    return fail (error, name, "tensor %s has no dtype", t->name);
  if (strcmp (json_node_get_string (dtype), "F32") != 0)
    return fail (error, name, "tensor %s has dtype %s; only F32 is supported", t->name,
                 json_node_get_string (dtype));

  JsonNode *shape = json_object_get_member (o, "shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    return fail (error, name, "tensor %s has no shape", t->name);
  JsonArray *sa = json_node_get_array (shape);
  t->n_dims = (int) json_array_get_length (sa);
  if (t->n_dims < 1 || t->n_dims > 2)
    return fail (error, name, "tensor %s has %d dimensions", t->name, t->n_dims);
  for (int i = 0; i < t->n_dims; i++)
    if (!read_int (json_array_get_element (sa, i), &t->shape[i]) || t->shape[i] <= 0
        || t->shape[i] > G_MAXINT)
      return fail (error, name, "tensor %s has an invalid shape", t->name);

  JsonNode *offsets = json_object_get_member (o, "data_offsets");
  gint64 begin, end;
  if (offsets == NULL || !JSON_NODE_HOLDS_ARRAY (offsets)
      || json_array_get_length (json_node_get_array (offsets)) != 2
      || !read_int (json_array_get_element (json_node_get_array (offsets), 0), &begin)
      || !read_int (json_array_get_element (json_node_get_array (offsets), 1), &end))
    return fail (error, name, "tensor %s has no valid data_offsets [begin, end]", t->name);
  if (begin < 0 || end < begin)
    return fail (error, name, "tensor %s has data_offsets [%" G_GINT64_FORMAT ", %"
                 G_GINT64_FORMAT "] out of order", t->name, begin, end);
  t->begin = (guint64) begin;
  t->end = (guint64) end;
  return TRUE;
}

static int
compare_tensor_begin (gconstpointer a, gconstpointer b)
{
  const Tensor *x = *(const Tensor *const *) a, *y = *(const Tensor *const *) b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

DpNetwork *
dp_model_load_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  if (name == NULL)
    name = "model";

  gsize size;
  const guint8 *file = g_bytes_get_data (bytes, &size);
  if (size == 0)
    return fail (error, name, "empty file"), NULL;
  /* draw (issue 10 item 13): an image picked by mistake says so, not "header length 7279…" */
  if (size >= 8 && memcmp (file, "\x89PNG\r\n\x1a\n", 8) == 0)
    return fail (error, name, "this is a PNG image, not a model"), NULL;
  if (size >= 3 && memcmp (file, "\xff\xd8\xff", 3) == 0)
    return fail (error, name, "this is a JPEG image, not a model"), NULL;
  if (size < 8)
    return fail (error, name, "too short for a safetensors model (%" G_GSIZE_FORMAT " bytes)",
                 size), NULL;
  guint64 header_len;
  memcpy (&header_len, file, 8);
  header_len = GUINT64_FROM_LE (header_len);
  if (header_len > size - 8)
    return fail (error, name, "the header length %" G_GUINT64_FORMAT " goes beyond the end of "
                 "the file (%" G_GSIZE_FORMAT " bytes); not a safetensors file, or truncated",
                 header_len, size), NULL;
  if (header_len > MAX_HEADER_LEN)
    return fail (error, name, "the header is too long (%" G_GUINT64_FORMAT " bytes)",
                 header_len), NULL;
  if (header_len == 0)
    return fail (error, name, "the JSON header is empty"), NULL;

  const char *json = (const char *) file + 8;
  if (memchr (json, '\0', header_len) != NULL || !g_utf8_validate (json, (gssize) header_len, NULL))
    return fail (error, name, "invalid JSON header: not UTF-8 text"), NULL;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) json_error = NULL;
  if (!json_parser_load_from_data (parser, json, (gssize) header_len, &json_error))
    return fail (error, name, "invalid JSON header: %s", json_error->message), NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, name, "the JSON header is not an object"), NULL;
  JsonObject *header = json_node_get_object (root);

  /* metadata: every value a string; the four keys the loader needs present and valid. What is
   * missing or wrong, and tensors named otherwise (a PyTorch state_dict's "0.weight"), are told
   * in one message with everything a model needs, so one fix makes the file load. */
  JsonNode *meta_node = json_object_get_member (header, "__metadata__");
  if (meta_node != NULL && !JSON_NODE_HOLDS_OBJECT (meta_node))
    return fail (error, name, "__metadata__ is not an object"), NULL;
  JsonObject *meta = meta_node != NULL ? json_node_get_object (meta_node) : NULL;
  g_autoptr (GHashTable) strings = g_hash_table_new (g_str_hash, g_str_equal);
  if (meta != NULL)
    {
      JsonObjectIter it;
      const char *key;
      JsonNode *value;
      json_object_iter_init (&it, meta);
      while (json_object_iter_next (&it, &key, &value))
        {
          if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
            return fail (error, name, "metadata \"%s\" is not a string", key), NULL;
          g_hash_table_insert (strings, (gpointer) key, (gpointer) json_node_get_string (value));
        }
    }
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  if (meta == NULL)
    g_ptr_array_add (problems, g_strdup ("no __metadata__"));
  const char *format = g_hash_table_lookup (strings, DP_META_FORMAT);
  const char *version = g_hash_table_lookup (strings, DP_META_VERSION);
  const char *loss_name = g_hash_table_lookup (strings, DP_META_LOSS);
  const char *activations = g_hash_table_lookup (strings, DP_META_ACTIVATIONS);
  DpLoss loss = DP_LOSS_SOFTMAX_CE;
  if (format == NULL)
    g_ptr_array_add (problems, g_strdup ("no \"format\""));
  else if (strcmp (format, MODEL_FORMAT) != 0)
    g_ptr_array_add (problems, g_strdup_printf ("metadata format is \"%s\", expected \"%s\"",
                                                format, MODEL_FORMAT));
  if (version == NULL)
    g_ptr_array_add (problems, g_strdup ("no \"version\""));
  else if (strcmp (version, MODEL_VERSION) != 0)
    g_ptr_array_add (problems, g_strdup_printf ("model format version \"%s\" is not supported "
                                                "(this program reads version %s)", version,
                                                MODEL_VERSION));
  if (loss_name == NULL)
    g_ptr_array_add (problems, g_strdup ("no \"loss\""));
  else if (!dp_loss_from_string (loss_name, &loss))
    g_ptr_array_add (problems, g_strdup_printf ("unknown loss \"%s\"", loss_name));
  if (activations == NULL)
    g_ptr_array_add (problems, g_strdup ("no \"activations\""));
  g_autoptr (GString) renames = g_string_new (NULL);
  {
    JsonObjectIter it;
    const char *key;
    json_object_iter_init (&it, header);
    int n_linear = 0;
    const char *last_prefix = NULL;
    gsize last_len = 0;
    JsonNode *value;
    while (json_object_iter_next (&it, &key, &value))
      {
        int layer;
        gboolean is_bias;
        if (strcmp (key, "__metadata__") == 0)
          continue;
        if (parse_tensor_name (key, &layer, &is_bias))
          {
            if (!JSON_NODE_HOLDS_OBJECT (value))
              return fail (error, name, "tensor %s is not a JSON object", key), NULL;
            continue;
          }
        g_ptr_array_add (problems, g_strdup_printf ("unexpected tensor \"%s\"", key));
        /* "P.weight" / "P.bias" of PyTorch's Linear layers, in the file's order */
        const char *dot = strrchr (key, '.');
        if (dot != NULL && (strcmp (dot, ".weight") == 0 || strcmp (dot, ".bias") == 0))
          {
            gsize len = (gsize) (dot - key);
            if (last_prefix == NULL || len != last_len || strncmp (key, last_prefix, len) != 0)
              n_linear++;
            last_prefix = key, last_len = len;
            g_string_append_printf (renames, "%s%s → layers.%d%s", renames->len ? ", " : "",
                                    key, n_linear - 1, dot);
          }
      }
  }
  if (problems->len > 0)
    {
      g_autoptr (GString) m = g_string_new (NULL);
      for (guint i = 0; i < problems->len; i++)
        g_string_append_printf (m, "%s%s", i ? "; " : "", (char *) problems->pdata[i]);
      g_string_append_printf (m, ". Not a Digitpad model as it is: a Digitpad model has "
                              "__metadata__ \"format\": \"%s\", \"version\": \"%s\", \"loss\": ",
                              MODEL_FORMAT, MODEL_VERSION);
      for (int l = DP_LOSS_SOFTMAX_CE; l <= DP_LOSS_MSE; l++)
        g_string_append_printf (m, "%s\"%s\"", l == DP_LOSS_SOFTMAX_CE ? "" : l == DP_LOSS_MSE
                                ? " or " : ", ", dp_loss_to_string ((DpLoss) l));
      g_string_append (m, ", \"activations\": the hidden layers' (one of ");
      for (int a = 0; a <= DP_ACTIVATION_RELU; a++)
        g_string_append_printf (m, "%s%s", a ? ", " : "", dp_activation_to_string ((DpActivation) a));
      g_string_append (m, ") once per hidden layer, then softmax with loss softmax-ce or sigmoid "
                          "with the others, e.g. \"relu,relu,softmax\"; and F32 tensors "
                          "layers.N.weight [out, in] and layers.N.bias [out]");
      if (renames->len > 0)
        g_string_append_printf (m, "; rename %s (the README shows how, under \"Models from "
                                "PyTorch\")", renames->str);
      return fail (error, name, "%s", m->str), NULL;
    }

  /* tensors: exactly layers.0 … layers.L-1, weight and bias each */
  Tensor tensors[DP_MAX_LAYERS][2]; /* [layer][is_bias] */
  memset (tensors, 0, sizeof tensors);
  int n_layers = 0;
  {
    JsonObjectIter it;
    const char *key;
    JsonNode *value;
    json_object_iter_init (&it, header);
    while (json_object_iter_next (&it, &key, &value))
      {
        if (strcmp (key, "__metadata__") == 0)
          continue;
        int layer;
        gboolean is_bias;
        if (!parse_tensor_name (key, &layer, &is_bias))
          continue; /* told above */
        Tensor *t = &tensors[layer][is_bias];
        t->name = key;
        t->seen = TRUE;
        if (!parse_tensor (value, t, name, error))
          return NULL;
        n_layers = MAX (n_layers, layer + 1);
      }
  }
  if (n_layers == 0)
    return fail (error, name, "no tensors: missing tensor layers.0.weight"), NULL;
  for (int l = 0; l < n_layers; l++)
    for (int k = 0; k < 2; k++)
      if (!tensors[l][k].seen)
        return fail (error, name, "missing tensor layers.%d.%s", l, k ? "bias" : "weight"), NULL;

  /* shapes chain 784 → … → 10 */
  int sizes[DP_MAX_LAYERS + 1];
  sizes[0] = DP_INPUT_SIZE;
  for (int l = 0; l < n_layers; l++)
    {
      Tensor *w = &tensors[l][0], *bias = &tensors[l][1];
      if (w->n_dims != 2)
        return fail (error, name, "layers.%d.weight has shape of %d dimension, expected [out, in]",
                     l, w->n_dims), NULL;
      if (bias->n_dims != 1)
        return fail (error, name, "layers.%d.bias has %d dimensions, expected [out]", l,
                     bias->n_dims), NULL;
      if (w->shape[1] != sizes[l])
        return fail (error, name, "layers.%d.weight has shape [%" G_GINT64_FORMAT ", %"
                     G_GINT64_FORMAT "], expected [out, %d]: the shapes do not chain 784→…→10",
                     l, w->shape[0], w->shape[1], sizes[l]), NULL;
      if (bias->shape[0] != w->shape[0])
        return fail (error, name, "layers.%d.bias has shape [%" G_GINT64_FORMAT "], expected [%"
                     G_GINT64_FORMAT "] like its weight", l, bias->shape[0], w->shape[0]), NULL;
      sizes[l + 1] = (int) w->shape[0];
    }
  /* 10 outputs, or 11 with the metadata saying how the eleventh refuses */
  const char *refuse = g_hash_table_lookup (strings, DP_META_REFUSE);
  if (!is_output_count (sizes[n_layers]))
    return fail (error, name, "the last layer has %d outputs, expected %d (the digits) or %d "
                 "(the digits and \"not a digit\")", sizes[n_layers], DP_N_CLASSES,
                 DP_CLASS_NOT_A_DIGIT + 1), NULL;
  if (refuse != NULL && strcmp (refuse, DP_REFUSE_CLASS) != 0)
    return fail (error, name, "metadata \"%s\" is \"%s\"; this program knows \"%s\" (an "
                 "eleventh output for \"not a digit\")", DP_META_REFUSE, refuse,
                 DP_REFUSE_CLASS), NULL;
  if (sizes[n_layers] == DP_CLASS_NOT_A_DIGIT + 1 && refuse == NULL)
    return fail (error, name, "the last layer has %d outputs but no metadata \"%s\": \"%s\" "
                 "says that the last is \"not a digit\"", sizes[n_layers], DP_META_REFUSE,
                 DP_REFUSE_CLASS), NULL;
  if (sizes[n_layers] == DP_N_CLASSES && refuse != NULL)
    return fail (error, name, "metadata \"%s\" is \"%s\" but the last layer has %d outputs, "
                 "no \"not a digit\" output", DP_META_REFUSE, refuse, DP_N_CLASSES), NULL;
  const char *temperature = g_hash_table_lookup (strings, DP_META_TEMPERATURE);
  if (temperature != NULL && !dp_temperature_parse (temperature, NULL))
    return fail (error, name, "metadata \"%s\" is \"%s\", not a number from %g to %g (the "
                 "calibration temperature)", DP_META_TEMPERATURE, temperature,
                 DP_TEMPERATURE_MIN, DP_TEMPERATURE_MAX), NULL;

  const char *threshold = g_hash_table_lookup (strings, DP_META_REFUSE_THRESHOLD);
  if (threshold != NULL && (sizes[n_layers] != DP_CLASS_NOT_A_DIGIT + 1
                            || !dp_refuse_threshold_parse (threshold, NULL)))
    return fail (error, name, "metadata \"%s\" is \"%s\": it must be a number from 0.5 to 1, on "
                 "a model with a \"not a digit\" output", DP_META_REFUSE_THRESHOLD, threshold),
           NULL;

  /* activations "h,h,…,out": one per layer, the hidden ones alike, the last the loss's */
  g_auto (GStrv) acts = g_strsplit (activations, ",", -1);
  if ((int) g_strv_length (acts) != n_layers)
    return fail (error, name, "activations \"%s\" name %u layers, the tensors hold %d",
                 activations, g_strv_length (acts), n_layers), NULL;
  DpActivation hidden = DP_ACTIVATION_RELU;
  for (int l = 0; l < n_layers - 1; l++)
    {
      DpActivation a;
      if (!dp_activation_from_string (g_strstrip (acts[l]), &a))
        return fail (error, name, "unknown activation \"%s\" in \"%s\"", acts[l],
                     activations), NULL;
      if (l > 0 && a != hidden)
        return fail (error, name, "activations \"%s\": every hidden layer must use the same one",
                     activations), NULL;
      hidden = a;
    }
  if (g_ascii_strcasecmp (g_strstrip (acts[n_layers - 1]), output_activation_name (loss)) != 0)
    return fail (error, name, "activations \"%s\" end in \"%s\" but loss %s needs %s outputs",
                 activations, acts[n_layers - 1], loss_name, output_activation_name (loss)), NULL;

  /* data: each tensor exactly its shape's bytes, inside the data section, no two overlapping */
  guint64 data_len = size - 8 - header_len;
  const guint8 *data = file + 8 + header_len;
  Tensor *order[2 * DP_MAX_LAYERS];
  int n_tensors = 0;
  for (int l = 0; l < n_layers; l++)
    for (int k = 0; k < 2; k++)
      {
        Tensor *t = &tensors[l][k];
        guint64 want = (guint64) t->shape[0] * (t->n_dims == 2 ? (guint64) t->shape[1] : 1) * 4;
        if (t->end - t->begin != want)
          return fail (error, name, "tensor %s: data_offsets [%" G_GUINT64_FORMAT ", %"
                       G_GUINT64_FORMAT "] span %" G_GUINT64_FORMAT " bytes, its shape needs %"
                       G_GUINT64_FORMAT, t->name, t->begin, t->end, t->end - t->begin,
                       want), NULL;
        if (t->end > data_len)
          return fail (error, name, "tensor %s: data_offsets [%" G_GUINT64_FORMAT ", %"
                       G_GUINT64_FORMAT "] out of bounds: the data section holds %"
                       G_GUINT64_FORMAT " bytes (truncated file?)", t->name, t->begin, t->end,
                       data_len), NULL;
        order[n_tensors++] = t;
      }
  qsort (order, n_tensors, sizeof order[0], compare_tensor_begin);
  for (int i = 1; i < n_tensors; i++)
    if (order[i]->begin < order[i - 1]->end)
      return fail (error, name, "tensors %s and %s overlap in the data section",
                   order[i - 1]->name, order[i]->name), NULL;

  g_autoptr (DpNetwork) net = dp_network_new (sizes, n_layers, hidden, loss);
  for (int l = 0; l < n_layers; l++)
    for (int k = 0; k < 2; k++)
      {
        Tensor *t = &tensors[l][k];
        float *dst = k ? dp_network_bias (net, l) : dp_network_weights (net, l);
        gsize count = (t->end - t->begin) / 4;
        const guint8 *src = data + t->begin;
        for (gsize i = 0; i < count; i++)
          {
            guint32 bits;
            memcpy (&bits, src + 4 * i, 4);
            bits = GUINT32_FROM_LE (bits);
            memcpy (&dst[i], &bits, 4);
            if (!isfinite (dst[i]))
              return fail (error, name, "tensor %s holds a NaN or infinite value at index %"
                           G_GSIZE_FORMAT, t->name, i), NULL;
          }
      }

  /* keep what the network cannot rebuild itself: recipe, accuracy, anything else */
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, strings);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (!is_derived_key (key))
      dp_network_set_meta (net, key, value);
  return g_steal_pointer (&net);
}

DpNetwork *
dp_model_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  g_autoptr (GBytes) bytes = dp_file_read_all (path, "a model file", DP_MODEL_MAX_BYTES, error);
  if (bytes == NULL)
    return NULL;
  g_autofree char *name = g_filename_display_name (path);
  return dp_model_load_bytes (bytes, name, error);
}
