/* augment-private.h: what test-augment.c needs beyond the API, to check the AVX2 path against the
 * baseline one. Not part of the engine's API (engine.h does not include it). */
#pragma once

#include "engine/augment.h"

G_BEGIN_DECLS

/* For tests: vector = FALSE makes aug take the baseline (scalar) path even where the CPU has
 * AVX2; TRUE restores the default. Both paths give the same bits. Returns whether aug now uses
 * the AVX2 path (FALSE for TRUE on a CPU without AVX2, or off x86-64). */
gboolean dp_augmenter_use_vector (DpAugmenter *aug, gboolean vector);

G_END_DECLS
