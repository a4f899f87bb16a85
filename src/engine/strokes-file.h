/* strokes-file.h: the strokes file, drawings as vectors, one JSON object a line (ndjson):
 *
 *   {"strokes": [[[x, y], [x, y, pressure], …], …], "label": 7, "id": "…", "time": 1764400000,
 *    "canvas": [w, h]}
 *
 * x, y: numbers in any unit, the same on both axes, y growing downward; a point may carry a third
 * number, its pressure (0 … 1). label: 0 … 9, or null for "not a digit"; absent = unknown. id: a
 * string, optional. time: seconds since 1970, optional. canvas: the drawing area's width and
 * height in the points' unit, optional (the pad writes it; without it the drawing's own bounding
 * box, made square, is the canvas). Unknown members are ignored. Blank lines are skipped.
 *
 * Every consumer (predict --strokes, eval --strokes, the Draw page, the personal samples) reads
 * a record into a DpStrokes and sends it through dp_preprocess_strokes: the pad's own path. */
#pragma once

#include <glib.h>

#include "engine/strokes.h"

G_BEGIN_DECLS

#define DP_LABEL_UNKNOWN (-1)

/* The limits of a record and a file: beyond them a record or a file is refused with a message */
#define DP_STROKES_MAX_POINTS  100000      /* points in one record */
#define DP_STROKES_MAX_STROKES 10000       /* strokes in one record */
#define DP_STROKES_MAX_LINE    (8 << 20)   /* bytes in one line */
#define DP_STROKES_MAX_FILE    (256 << 20) /* bytes in one file */

typedef struct
{
  DpStrokes *strokes; /* x in 0 … 1 of the canvas width, y of its height (as on the pad);
                       * aspect = canvas width / height; pressure 0 … 1 (1 when absent);
                       * time_ms 0 (the file keeps no sample times) */
  int label;          /* 0 … 9, DP_CLASS_NOT_A_DIGIT (10) for null, DP_LABEL_UNKNOWN when absent */
  char *id;           /* NULL when absent */
  gint64 time;        /* seconds since 1970, 0 when absent */
  guint line;         /* 1-based line of the file it came from (0 when not from a file) */
} DpStrokesRecord;

DpStrokesRecord *dp_strokes_record_new   (const DpStrokes *strokes, int label, const char *id,
                                          gint64 time); /* copies strokes and id */
void             dp_strokes_record_free  (DpStrokesRecord *record);

/* One line of a strokes file (no newline needed). NULL with DP_ERROR_FORMAT and a message that
 * says what is wrong with the record (not where: the caller adds the file and line). */
DpStrokesRecord *dp_strokes_record_parse (const char *text, gsize length, GError **error);

/* The record as one JSON line, without the newline; points in canvas units × 1000 with one
 * decimal, "canvas" [1000·aspect, 1000]. Parsing it gives back the same drawing. */
char            *dp_strokes_record_to_json (const DpStrokesRecord *record);

/* Reads a whole strokes file: the records in order (DpStrokesRecord*, freed with the array).
 * A bad line does not stop the reading: it is skipped and its message, "FILE:LINE: what is
 * wrong", is added to *bad (an array of strings, created when NULL; may itself be NULL to
 * ignore them). NULL with an error naming the file when the file cannot be read, or is not
 * text, or is over the size limit. */
GPtrArray       *dp_strokes_file_load    (const char *path, GPtrArray **bad, GError **error);

/* Replaces the file with these records (DpStrokesRecord*), atomically (file-util.h). A record
 * without a point is refused (DP_ERROR_EMPTY), here and by dp_strokes_file_append: it would
 * not read back. */
gboolean         dp_strokes_file_save    (const char *path, GPtrArray *records, GError **error);

/* Appends one record as one line with a single write and fsync; creates the file (and its
 * folder) when missing. A crash loses at most this record: a torn last line is reported as a
 * bad line by dp_strokes_file_load and the others still load; the next append starts on a
 * fresh line. */
gboolean         dp_strokes_file_append  (const char *path, const DpStrokesRecord *record,
                                          GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DpStrokesRecord, dp_strokes_record_free)

G_END_DECLS
