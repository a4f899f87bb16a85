/* error.c: the engine's GError domain. */
#include "engine/error.h"

G_DEFINE_QUARK (dp-error-quark, dp_error)
