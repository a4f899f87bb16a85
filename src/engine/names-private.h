/* names-private.h: helpers the engine's modules share and do not export: the case-insensitive
 * name-table lookup behind every dp_*_from_string, and the index of a row's largest value. Not
 * part of the engine's API (engine.h does not include it). */
#pragma once

#include <glib.h>

#include "engine/network.h"

G_BEGIN_DECLS

/* *out = the index of s among names[0..n).id (ASCII case-insensitive); FALSE for NULL or no match */
gboolean dp_names_lookup (const DpName *names, int n, const char *s, int *out);

/* The functions of a name table TABLE (static const DpName[], entry i = enum value i) of enum
 * TYPE, as PREFIX_names (n_out), PREFIX_to_string (value; "unknown" out of range) and
 * PREFIX_from_string (s, out; ASCII case-insensitive). */
#define DP_NAMES_FUNC(PREFIX, TABLE)                                             \
  const DpName *PREFIX##_names (guint *n_out)                                    \
  {                                                                              \
    if (n_out != NULL)                                                           \
      *n_out = G_N_ELEMENTS (TABLE);                                             \
    return TABLE;                                                                \
  }
#define DP_NAME_TO_STRING_FUNC(PREFIX, TYPE, TABLE)                              \
  const char *PREFIX##_to_string (TYPE v)                                        \
  {                                                                              \
    return (unsigned) v < G_N_ELEMENTS (TABLE) ? TABLE[v].id : "unknown";        \
  }
#define DP_NAME_FROM_STRING_FUNC(PREFIX, TYPE, TABLE)                            \
  gboolean PREFIX##_from_string (const char *s, TYPE *out)                       \
  {                                                                              \
    int i;                                                                       \
    if (!dp_names_lookup (TABLE, G_N_ELEMENTS (TABLE), s, &i))                   \
      return FALSE;                                                              \
    *out = (TYPE) i;                                                             \
    return TRUE;                                                                 \
  }
#define DP_NAME_TABLE_FUNCS(PREFIX, TYPE, TABLE)                                 \
  DP_NAMES_FUNC (PREFIX, TABLE)                                                  \
  DP_NAME_TO_STRING_FUNC (PREFIX, TYPE, TABLE)                                   \
  DP_NAME_FROM_STRING_FUNC (PREFIX, TYPE, TABLE)

/* the index of the largest of v[0..n) (the first on ties) */
int      dp_argmax       (const float *v, int n);

G_END_DECLS
