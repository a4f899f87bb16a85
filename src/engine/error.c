/* error.c: the engine's GError domain. */
#include "error.h"

G_DEFINE_QUARK (dp-error-quark, dp_error)
