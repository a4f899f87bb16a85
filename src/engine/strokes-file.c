/* strokes-file.c: the strokes file, one JSON record a line (see strokes-file.h). */
#include "engine/strokes-file.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "engine/error.h"
#include "engine/file-util.h"
#include "engine/network.h"

/* a record's nesting is 3 deep ([strokes [stroke [point]]]); unknown members may nest a little
 * more, but json-glib 1.6 parses recursively, so a line of a million "[" must not reach it */
#define MAX_DEPTH 64
/* after this many bad lines, the rest are counted, not listed */
#define MAX_BAD_LISTED 100
/* no coordinate beyond this (in any unit): keeps every bounding box and ratio finite in float */
#define MAX_COORD 1e9
/* a canvas is at most this many times wider than high, or higher than wide */
#define MAX_ASPECT 1000.0
/* no point further from the canvas's origin than this many times its size (so that a record,
 * written in canvas units × 1000, stays within MAX_COORD) */
#define MAX_OUTSIDE 100.0

DpStrokesRecord *
dp_strokes_record_new (const DpStrokes *strokes, int label, const char *id, gint64 time)
{
  g_return_val_if_fail (strokes != NULL, NULL);
  g_return_val_if_fail (label == DP_LABEL_UNKNOWN || (label >= 0 && label <= DP_CLASS_NOT_A_DIGIT),
                        NULL);
  DpStrokesRecord *record = g_new0 (DpStrokesRecord, 1);
  record->strokes = dp_strokes_copy (strokes);
  record->label = label;
  record->id = g_strdup (id);
  record->time = time;
  return record;
}

void
dp_strokes_record_free (DpStrokesRecord *record)
{
  if (record == NULL)
    return;
  dp_strokes_free (record->strokes);
  g_free (record->id);
  g_free (record);
}

/* ---- parsing ------------------------------------------------------------------------------- */

static gboolean
format_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
format_error (GError **error, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, DP_ERROR, DP_ERROR_FORMAT, message);
  g_free (message);
  return FALSE;
}

/* the deepest nesting of arrays and objects in text, outside strings; stops counting past limit */
static guint
nesting_depth (const char *text, gsize length, guint limit)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;
  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];
      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > deepest && (deepest = depth) > limit)
            return deepest;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

/* a JSON number (integer or not) as a double; FALSE for anything else */
static gboolean
node_number (JsonNode *node, double *value)
{
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
    return FALSE;
  GType type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *value = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_label (JsonObject *object, int *label, GError **error)
{
  *label = DP_LABEL_UNKNOWN;
  JsonNode *node = json_object_get_member (object, "label");
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (node))
    {
      *label = DP_CLASS_NOT_A_DIGIT;
      return TRUE;
    }
  double value;
  if (!node_number (node, &value) || !(value >= 0 && value <= 9) || value != floor (value))
    return format_error (error, "label must be 0–9 or null");
  *label = (int) value;
  return TRUE;
}

static gboolean
parse_id_time (JsonObject *object, char **id, gint64 *time, GError **error)
{
  JsonNode *node = json_object_get_member (object, "id");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_STRING)
        return format_error (error, "'id' must be a string");
      *id = g_strdup (json_node_get_string (node));
    }
  node = json_object_get_member (object, "time");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      double value;
      /* up to the year 5000 or so: far beyond any clock, far inside gint64 */
      if (!node_number (node, &value) || !(value >= 0 && value <= 1e11))
        return format_error (error, "'time' must be a number of seconds since 1970");
      *time = (gint64) value;
    }
  return TRUE;
}

static gboolean
parse_canvas (JsonObject *object, double *width, double *height, GError **error)
{
  JsonNode *node = json_object_get_member (object, "canvas");
  *width = *height = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  JsonArray *array = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  if (array == NULL || json_array_get_length (array) != 2
      || !node_number (json_array_get_element (array, 0), width)
      || !node_number (json_array_get_element (array, 1), height)
      || !(*width > 0 && *width <= MAX_COORD) || !(*height > 0 && *height <= MAX_COORD))
    return format_error (error, "'canvas' must be [width, height], two positive numbers");
  if (*width > *height * MAX_ASPECT || *height > *width * MAX_ASPECT)
    return format_error (error, "'canvas' is too narrow: its width / height must be within "
                         "1/%d … %d", (int) MAX_ASPECT, (int) MAX_ASPECT);
  return TRUE;
}

/* Checks every stroke and point of the "strokes" array; fills the bounding box. */
static gboolean
check_strokes (JsonArray *strokes, double box[4], GError **error)
{
  guint n_strokes = json_array_get_length (strokes);
  if (n_strokes > DP_STROKES_MAX_STROKES)
    return format_error (error, "too many strokes (%u, at most %d a record)", n_strokes,
                         DP_STROKES_MAX_STROKES);
  guint64 n_points = 0;
  box[0] = box[1] = INFINITY, box[2] = box[3] = -INFINITY;
  for (guint s = 0; s < n_strokes; s++)
    {
      JsonNode *stroke = json_array_get_element (strokes, s);
      if (!JSON_NODE_HOLDS_ARRAY (stroke))
        return format_error (error, "stroke %u is not an array of points", s + 1);
      JsonArray *points = json_node_get_array (stroke);
      guint n = json_array_get_length (points);
      if (n == 0)
        return format_error (error, "stroke %u has no points", s + 1);
      n_points += n;
      if (n_points > DP_STROKES_MAX_POINTS)
        return format_error (error, "too many points (more than %d a record)",
                             DP_STROKES_MAX_POINTS);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *point = json_array_get_element (points, i);
          JsonArray *xyp = JSON_NODE_HOLDS_ARRAY (point) ? json_node_get_array (point) : NULL;
          guint dims = xyp ? json_array_get_length (xyp) : 0;
          double v[3];
          if (dims < 2 || dims > 3)
            return format_error (error, "point %u of stroke %u is not [x, y] or [x, y, pressure]",
                                 i + 1, s + 1);
          for (guint d = 0; d < dims; d++)
            if (!node_number (json_array_get_element (xyp, d), &v[d]))
              return format_error (error,
                                   "point %u of stroke %u is not [x, y] or [x, y, pressure]",
                                   i + 1, s + 1);
          for (guint d = 0; d < dims; d++)
            if (!isfinite (v[d]) || fabs (v[d]) > MAX_COORD)
              return format_error (error, "point %u of stroke %u: coordinates must be finite "
                                   "numbers (at most 1e9 in size)", i + 1, s + 1);
          box[0] = MIN (box[0], v[0]), box[1] = MIN (box[1], v[1]);
          box[2] = MAX (box[2], v[0]), box[3] = MAX (box[3], v[1]);
        }
    }
  if (n_points == 0)
    return format_error (error, "'strokes' has no points");
  return TRUE;
}

/* The points as a DpStrokes: x / width, y / height with the canvas; otherwise the bounding box,
 * made square by its longer side and centred, is the canvas. */
static DpStrokes *
build_strokes (JsonArray *strokes, const double box[4], double width, double height)
{
  double ox = 0, oy = 0;
  if (width <= 0)
    {
      double side = MAX (box[2] - box[0], box[3] - box[1]);
      if (side <= 0)
        side = 1; /* one dot: any square around it */
      width = height = side;
      ox = (box[0] + box[2]) / 2 - side / 2;
      oy = (box[1] + box[3]) / 2 - side / 2;
    }
  DpStrokes *out = dp_strokes_new ();
  dp_strokes_set_aspect (out, width / height);
  guint n_strokes = json_array_get_length (strokes);
  for (guint s = 0; s < n_strokes; s++)
    {
      JsonArray *points = json_array_get_array_element (strokes, s);
      dp_strokes_begin (out);
      guint n = json_array_get_length (points);
      for (guint i = 0; i < n; i++)
        {
          JsonArray *xyp = json_array_get_array_element (points, i);
          double x = 0, y = 0, pressure = 1;
          node_number (json_array_get_element (xyp, 0), &x);
          node_number (json_array_get_element (xyp, 1), &y);
          if (json_array_get_length (xyp) == 3)
            node_number (json_array_get_element (xyp, 2), &pressure);
          DpPoint p = {
            .x = (float) ((x - ox) / width),
            .y = (float) ((y - oy) / height),
            .pressure = (float) CLAMP (pressure, 0.0, 1.0),
            .time_ms = 0,
          };
          dp_strokes_add_point (out, &p);
        }
    }
  return out;
}

DpStrokesRecord *
dp_strokes_record_parse (const char *text, gsize length, GError **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  if (length > DP_STROKES_MAX_LINE)
    {
      format_error (error, "the line is too long (%" G_GSIZE_FORMAT " KiB, at most %d MiB)",
                    length >> 10, DP_STROKES_MAX_LINE >> 20);
      return NULL;
    }
  if (!g_utf8_validate_len (text, length, NULL))
    {
      format_error (error, "not UTF-8 text");
      return NULL;
    }
  if (nesting_depth (text, length, MAX_DEPTH) > MAX_DEPTH)
    {
      format_error (error, "not a strokes record: JSON nested more than %d deep", MAX_DEPTH);
      return NULL;
    }
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  GError *json_error = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize) length, &json_error))
    {
      /* json-glib says "<data>:1:12: Parse error: …": keep the column and what */
      const char *what = json_error->message;
      char *rest = NULL;
      guint64 column = 0;
      if (g_str_has_prefix (what, "<data>:1:"))
        column = g_ascii_strtoull (what + strlen ("<data>:1:"), &rest, 10);
      if (column > 0 && g_str_has_prefix (rest, ": Parse error: "))
        format_error (error, "not valid JSON at column %" G_GUINT64_FORMAT ": %s", column,
                      rest + strlen (": Parse error: "));
      else
        format_error (error, "not valid JSON: %s", what);
      g_error_free (json_error);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      format_error (error, "not a strokes record: a JSON object {\"strokes\": …} is expected");
      return NULL;
    }
  JsonObject *object = json_node_get_object (root);
  JsonNode *strokes_node = json_object_get_member (object, "strokes");
  if (strokes_node == NULL)
    {
      format_error (error, "'strokes' is missing");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (strokes_node))
    {
      format_error (error, "'strokes' must be an array of strokes");
      return NULL;
    }
  JsonArray *strokes = json_node_get_array (strokes_node);
  int label;
  g_autofree char *id = NULL;
  gint64 time = 0;
  double width, height, box[4] = { 0 };
  if (!parse_label (object, &label, error) || !parse_id_time (object, &id, &time, error)
      || !parse_canvas (object, &width, &height, error) || !check_strokes (strokes, box, error))
    return NULL;
  if (width > 0 && (MAX (fabs (box[0]), fabs (box[2])) > width * MAX_OUTSIDE
                    || MAX (fabs (box[1]), fabs (box[3])) > height * MAX_OUTSIDE))
    {
      format_error (error, "the points lie far outside the 'canvas' (over a hundred times its size)");
      return NULL;
    }

  DpStrokesRecord *record = g_new0 (DpStrokesRecord, 1);
  record->strokes = build_strokes (strokes, box, width, height);
  record->label = label;
  record->id = g_steal_pointer (&id);
  record->time = time;
  return record;
}

/* ---- writing ------------------------------------------------------------------------------- */

static void
append_number (GString *out, const char *format, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* the locale's decimal comma never reaches the file */
  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
append_json_string (GString *out, const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_string_append_c (out, '"');
  for (const char *c = valid; *c; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (out, "\\%c", *c);
      else if ((guchar) *c < 0x20)
        g_string_append_printf (out, "\\u%04x", (guchar) *c);
      else
        g_string_append_c (out, *c);
    }
  g_string_append_c (out, '"');
}

static void
append_record (GString *out, const DpStrokesRecord *record)
{
  const DpStrokes *strokes = record->strokes;
  double aspect = dp_strokes_get_aspect (strokes);
  double width = 1000 * aspect;
  g_string_append (out, "{\"strokes\":[");
  guint n_strokes = dp_strokes_get_n_strokes (strokes), written = 0;
  for (guint s = 0; s < n_strokes; s++)
    {
      guint n;
      const DpPoint *p = dp_strokes_get_stroke (strokes, s, &n);
      if (n == 0)
        continue; /* a stroke begun but never drawn: not a stroke of the file */
      g_string_append (out, written++ ? ",[" : "[");
      for (guint i = 0; i < n; i++)
        {
          g_string_append (out, i ? ",[" : "[");
          append_number (out, "%.1f", p[i].x * width);
          g_string_append_c (out, ',');
          append_number (out, "%.1f", p[i].y * 1000.0);
          if (p[i].pressure != 1.0f)
            {
              g_string_append_c (out, ',');
              append_number (out, "%.3g", p[i].pressure);
            }
          g_string_append_c (out, ']');
        }
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, ']');
  if (record->label == DP_CLASS_NOT_A_DIGIT)
    g_string_append (out, ",\"label\":null");
  else if (record->label >= 0)
    g_string_append_printf (out, ",\"label\":%d", record->label);
  if (record->id != NULL)
    {
      g_string_append (out, ",\"id\":");
      append_json_string (out, record->id);
    }
  if (record->time != 0)
    g_string_append_printf (out, ",\"time\":%" G_GINT64_FORMAT, record->time);
  g_string_append (out, ",\"canvas\":[");
  append_number (out, "%.3f", width);
  g_string_append (out, ",1000]}");
}

char *
dp_strokes_record_to_json (const DpStrokesRecord *record)
{
  g_return_val_if_fail (record != NULL && record->strokes != NULL, NULL);
  GString *out = g_string_new (NULL);
  append_record (out, record);
  return g_string_free (out, FALSE);
}

/* ---- files --------------------------------------------------------------------------------- */

static void
add_bad (GPtrArray *bad, guint *n_bad, const char *name, guint line, const char *message)
{
  if (bad != NULL && ++*n_bad <= MAX_BAD_LISTED)
    g_ptr_array_add (bad, g_strdup_printf ("%s:%u: %s", name, line, message));
}

GPtrArray *
dp_strokes_file_load (const char *path, GPtrArray **bad, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autoptr (GBytes) bytes = dp_file_read_all (path, "a strokes file", DP_STROKES_MAX_FILE, error);
  if (bytes == NULL)
    return NULL;
  g_autofree char *name = g_filename_display_name (path);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  if (data != NULL && memchr (data, '\0', size) != NULL)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_FORMAT,
                   "%s: not a strokes file (binary data, not one JSON record a line)", name);
      return NULL;
    }
  if (bad != NULL && *bad == NULL)
    *bad = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *bad_list = bad ? *bad : NULL;

  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
  guint n_bad = 0, line = 0;
  const char *end = data + size, *p = data;
  if (size >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3; /* a byte order mark, as some editors write */
  while (p < end)
    {
      line++;
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl ? nl : end;
      gsize length = (gsize) (stop - p);
      if (length > 0 && p[length - 1] == '\r')
        length--;
      gboolean blank = TRUE;
      for (gsize i = 0; i < length && blank; i++)
        blank = g_ascii_isspace (p[i]);
      if (!blank)
        {
          GError *line_error = NULL;
          DpStrokesRecord *record = dp_strokes_record_parse (p, length, &line_error);
          if (record != NULL)
            {
              record->line = line;
              g_ptr_array_add (records, record);
            }
          else
            {
              add_bad (bad_list, &n_bad, name, line, line_error->message);
              g_error_free (line_error);
            }
        }
      p = nl ? nl + 1 : end;
    }
  if (bad_list != NULL && n_bad > MAX_BAD_LISTED)
    g_ptr_array_add (bad_list, g_strdup_printf ("%s: %u more bad lines not listed", name,
                                                n_bad - MAX_BAD_LISTED));
  return records;
}

/* a record without a point would be written as a line that does not read back */
static gboolean
check_not_empty (const char *path, const DpStrokesRecord *record, GError **error)
{
  if (!dp_strokes_is_empty (record->strokes))
    return TRUE;
  g_autofree char *name = g_filename_display_name (path);
  g_set_error (error, DP_ERROR, DP_ERROR_EMPTY, "%s: cannot save an empty drawing", name);
  return FALSE;
}

gboolean
dp_strokes_file_save (const char *path, GPtrArray *records, GError **error)
{
  g_return_val_if_fail (path != NULL && records != NULL, FALSE);
  for (guint i = 0; i < records->len; i++)
    if (!check_not_empty (path, g_ptr_array_index (records, i), error))
      return FALSE;
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < records->len; i++)
    {
      append_record (out, g_ptr_array_index (records, i));
      g_string_append_c (out, '\n');
    }
  gboolean ok = dp_file_save_atomic (path, out->str, out->len, "the strokes", error);
  g_string_free (out, TRUE);
  return ok;
}

gboolean
dp_strokes_file_append (const char *path, const DpStrokesRecord *record, GError **error)
{
  g_return_val_if_fail (path != NULL && record != NULL, FALSE);
  if (!check_not_empty (path, record, error))
    return FALSE;
  g_autofree char *name = g_filename_display_name (path);
  g_autofree char *folder = g_path_get_dirname (path);
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot create the folder: %s", name,
                   g_strerror (e));
      return FALSE;
    }
  gboolean existed = g_file_test (path, G_FILE_TEST_EXISTS);
  /* O_NONBLOCK: a FIFO in its place must not hang us; it is refused below */
  int fd = open (path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot open for appending: %s", name,
                   g_strerror (e));
      return FALSE;
    }
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot append to it: not a regular file",
                   name);
      return FALSE;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);

  GString *out = g_string_new (NULL);
  char last;
  /* a torn last line (a crash in the middle of an append) stays a line of its own */
  if (st.st_size > 0 && pread (fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
    g_string_append_c (out, '\n');
  append_record (out, record);
  g_string_append_c (out, '\n');

  /* one write: concurrent appenders never interleave inside a line */
  ssize_t written = write (fd, out->str, out->len);
  int e = errno;
  gboolean ok = written == (ssize_t) out->len;
  if (!ok)
    g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot append the record: %s", name,
                 written < 0 ? g_strerror (e) : "the disk is full");
  else if (fsync (fd) != 0)
    {
      e = errno;
      ok = FALSE;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, "%s: cannot append the record: %s", name,
                   g_strerror (e));
    }
  g_string_free (out, TRUE);
  close (fd);
  if (ok && !existed)
    {
      /* the new file's name survives a crash too */
      int dir = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0)
        {
          fsync (dir);
          close (dir);
        }
    }
  return ok;
}
