/* names-private.h: helpers the engine's modules share and do not export: the case-insensitive
 * name-table lookup behind every dp_*_from_string, and the index of a row's largest value. Not
 * part of the engine's API (engine.h does not include it). */
#pragma once

#include <glib.h>

#include "engine/network.h"

G_BEGIN_DECLS

/* *out = the index of s among names[0..n).id (ASCII case-insensitive); FALSE for NULL or no match */
gboolean dp_names_lookup (const DpName *names, int n, const char *s, int *out);

/* the index of the largest of v[0..n) (the first on ties) */
int      dp_argmax       (const float *v, int n);

G_END_DECLS
