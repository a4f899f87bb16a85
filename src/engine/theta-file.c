/* theta-file.c: the classic tutorial's weights (Andrew Ng's machine-learning course, ex4) as
 * numpy.savetxt writes them: Theta1.txt (h × 785) and Theta2.txt (10 × (h + 1)), one row per
 * line, values separated by spaces, the bias in the first column. Both layers are sigmoid and the
 * prediction is the argmax of the sigmoid outputs, so the network is 784-h-10 sigmoid with
 * DP_LOSS_SIGMOID_CE.
 *
 * Import reads what numpy.loadtxt reads (blank lines and '#' comments skipped) and names the file,
 * the line and the problem for anything else. Export writes %.18e like numpy's default, which
 * holds every float exactly, so export → import gives back the same weights bit for bit.
 *
 * The two files are one model: export replaces them together (dp_save_file_commit_pair), and
 * import first finishes an export that was killed after its commit point. The files themselves
 * stay plain numbers, as the tutorial's readers expect. */
#include "engine/model-file.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "engine/error.h"
#include "engine/file-util.h"

typedef struct
{
  int rows, cols;
  GArray *values; /* (rows, cols) double, as numpy reads them */
} Matrix;


static void
matrix_clear (Matrix *m)
{
  g_clear_pointer (&m->values, g_array_unref);
}

/* Parses a whole numpy savetxt file. Errors name the file and the line (1-based). */
static gboolean
matrix_read (const char *path, Matrix *m, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *text = NULL;
  gsize len = 0;

  m->rows = m->cols = 0;
  m->values = NULL;
  /* numpy's %.18e text of a 784-1000-10 network is 20 MB; a bigger file is not read into memory */
  g_autoptr (GBytes) bytes = dp_file_read_all (path, "a Theta text file", 256u << 20, error);
  if (bytes == NULL)
    return FALSE;
  const char *data = g_bytes_get_data (bytes, &len);
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: not a text file (holds NUL bytes)", name);
      return FALSE;
    }
  text = g_strndup (data, len);

  m->values = g_array_new (FALSE, FALSE, sizeof (double));
  int first_line = 0; /* the line that set the column count */
  int line_no = 0;
  char *line = text;
  while (line != NULL && *line != '\0')
    {
      line_no++;
      char *next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      char *hash = strchr (line, '#');
      if (hash != NULL)
        *hash = '\0';

      int cols = 0;
      char *p = line;
      for (;;)
        {
          while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
          if (*p == '\0')
            break;
          char *tok = p;
          while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
          char keep = *p;
          *p = '\0';
          char *end = NULL;
          double v = g_ascii_strtod (tok, &end);
          if (end == tok || *end != '\0')
            {
              g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                           "%s: line %d, value %d: \"%.40s\" is not a number", name, line_no,
                           cols + 1, tok);
              goto fail;
            }
          if (!isfinite (v))
            {
              g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                           "%s: line %d, value %d: \"%.40s\" is NaN or infinite", name, line_no,
                           cols + 1, tok);
              goto fail;
            }
          g_array_append_val (m->values, v);
          cols++;
          *p = keep;
        }
      if (cols > 0)
        {
          if (m->rows == 0)
            {
              m->cols = cols;
              first_line = line_no;
            }
          else if (cols != m->cols)
            {
              g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                           "%s: line %d has %d values but line %d has %d (ragged rows)", name,
                           line_no, cols, first_line, m->cols);
              goto fail;
            }
          m->rows++;
        }
      line = next;
    }
  if (m->rows == 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT, "%s: %s", name,
                   len == 0 ? "empty file" : "holds no numbers");
      goto fail;
    }
  return TRUE;

fail:
  matrix_clear (m);
  return FALSE;
}

DpNetwork *
dp_theta_import (const char *theta1_path, const char *theta2_path, GError **error)
{
  g_return_val_if_fail (theta1_path != NULL && theta2_path != NULL, NULL);

  g_autofree char *name1 = g_filename_display_name (theta1_path);
  g_autofree char *name2 = g_filename_display_name (theta2_path);
  Matrix t1 = { 0 }, t2 = { 0 };
  DpNetwork *net = NULL;

  /* an export of this pair killed after its commit point is finished first */
  if (!dp_file_recover_pair (theta1_path, error))
    goto out;
  if (!matrix_read (theta1_path, &t1, error))
    goto out;
  if (t1.cols != DP_INPUT_SIZE + 1)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: found %d×%d, expected h×%d (a bias column + %d pixels per hidden unit)",
                   name1, t1.rows, t1.cols, DP_INPUT_SIZE + 1, DP_INPUT_SIZE);
      goto out;
    }
  int h = t1.rows;
  if (!matrix_read (theta2_path, &t2, error))
    goto out;
  if (t2.rows != DP_N_CLASSES || t2.cols != h + 1)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: found %d×%d, expected %d×%d (%d digits × a bias column + the %d hidden "
                   "units of %s)",
                   name2, t2.rows, t2.cols, DP_N_CLASSES, h + 1, DP_N_CLASSES, h, name1);
      goto out;
    }

  const int sizes[3] = { DP_INPUT_SIZE, h, DP_N_CLASSES };
  net = dp_network_new (sizes, 2, DP_ACTIVATION_SIGMOID, DP_LOSS_SIGMOID_CE);
  const Matrix *theta[2] = { &t1, &t2 };
  for (int l = 0; l < 2; l++)
    {
      const double *T = (const double *) theta[l]->values->data; /* (out, in + 1) */
      float *W = dp_network_weights (net, l);                    /* (out, in) */
      float *b = dp_network_bias (net, l);                       /* (out) */
      int out = sizes[l + 1], in = sizes[l];
      for (int o = 0; o < out; o++)
        {
          b[o] = (float) T[(gsize) o * (in + 1)];
          for (int i = 0; i < in; i++)
            W[(gsize) o * in + i] = (float) T[(gsize) o * (in + 1) + 1 + i];
        }
    }
  /* a double beyond float's range became ±inf above */
  for (gsize i = 0; i < net->n_params; i++)
    if (!isfinite (net->params[i]))
      {
        gsize off2 = dp_network_layer_offset (net, 1);
        g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                     "%s: a value is too large for single precision (beyond ±3.4e38)",
                     i < off2 ? name1 : name2);
        g_clear_pointer (&net, dp_network_free);
        goto out;
      }
  dp_network_set_meta (net, DP_META_RECIPE, "imported from Theta1.txt/Theta2.txt");

out:
  matrix_clear (&t1);
  matrix_clear (&t2);
  return net;
}

/* one numpy savetxt file: rows of "%.18e" joined by spaces, "\n" after each row; written to a
 * temporary file beside path */
static DpSaveFile *
write_matrix (const char *path, const float *W, const float *b, int out,
              int in, GError **error)
{
  g_autoptr (DpSaveFile) save = dp_save_file_begin (path, "the weights", error);
  if (save == NULL)
    return NULL;
  GString *s = g_string_sized_new ((gsize) out * (in + 1) * 25);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int o = 0; o < out; o++)
    {
      for (int i = -1; i < in; i++)
        {
          double v = i < 0 ? b[o] : W[(gsize) o * in + i];
          if (i >= 0)
            g_string_append_c (s, ' ');
          /* the C locale's decimal point whatever the user's locale */
          g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.18e", v));
        }
      g_string_append_c (s, '\n');
    }
  gboolean ok = dp_save_file_write (save, s->str, s->len, error);
  g_string_free (s, TRUE);
  return ok ? g_steal_pointer (&save) : NULL;
}

gboolean
dp_theta_can_export (const DpNetwork *net)
{
  g_return_val_if_fail (net != NULL, FALSE);
  return net->n_layers == 2 && net->sizes[0] == DP_INPUT_SIZE && net->sizes[2] == DP_N_CLASSES
         && net->activation == DP_ACTIVATION_SIGMOID
         && (net->loss == DP_LOSS_SIGMOID_CE || net->loss == DP_LOSS_MSE);
}

gboolean
dp_theta_export (const DpNetwork *net, const char *dir, GError **error)
{
  g_return_val_if_fail (net != NULL && dir != NULL, FALSE);

  if (!dp_theta_can_export (net))
    {
      g_autofree char *sizes = dp_network_describe_sizes (net);
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "only a 784-h-10 network with sigmoid hidden units and sigmoid outputs can be "
                   "written as Theta1.txt/Theta2.txt; this one is %s %s with %s outputs",
                   sizes, dp_activation_to_string (net->activation),
                   net->loss == DP_LOSS_SOFTMAX_CE ? "softmax" : "sigmoid");
      return FALSE;
    }
  g_autofree char *dir_name = g_filename_display_name (dir);
  if (*dir == '\0')
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                   "\"\": an empty folder name; give the folder to write Theta1.txt and "
                   "Theta2.txt in");
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot create the directory: %s", dir_name,
                   g_strerror (e));
      return FALSE;
    }
  g_autofree char *p1 = g_build_filename (dir, "Theta1.txt", NULL);
  g_autofree char *p2 = g_build_filename (dir, "Theta2.txt", NULL);
  /* both paths checked before anything is written; an earlier export killed midway finished */
  if (!dp_file_check_output (p1, "the weights", NULL, error)
      || !dp_file_check_output (p2, "the weights", NULL, error)
      || !dp_file_recover_pair (p1, error))
    return FALSE;
  g_autoptr (DpSaveFile) a = write_matrix (p1, dp_network_weights (net, 0),
                                           dp_network_bias (net, 0), net->sizes[1],
                                           net->sizes[0], error);
  if (a == NULL)
    return FALSE;
  g_autoptr (DpSaveFile) b = write_matrix (p2, dp_network_weights (net, 1),
                                           dp_network_bias (net, 1), net->sizes[2],
                                           net->sizes[1], error);
  if (b == NULL)
    return FALSE;
  return dp_save_file_commit_pair (g_steal_pointer (&a), g_steal_pointer (&b), error);
}
