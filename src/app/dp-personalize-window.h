/* dp-personalize-window.h: DpPersonalizeWindow, "Personalize": the personal samples and the
 * base, Start; the run with its progress and Stop (DpPersonalizer, a worker thread); then
 * before → after on the user's held-out samples and on MNIST. An accepted personal model becomes
 * the model in use (DpModelStore, remembered as the last model, so it is restored at start-up);
 * a refused one leaves the model as it was and says why. Without MNIST it says where to get it.
 * Its actions: personalize.start, personalize.stop. */
#pragma once

#include <adwaita.h>

#include "dp-application.h"

G_BEGIN_DECLS

#define DP_TYPE_PERSONALIZE_WINDOW (dp_personalize_window_get_type ())
G_DECLARE_FINAL_TYPE (DpPersonalizeWindow, dp_personalize_window, DP, PERSONALIZE_WINDOW,
                      AdwWindow)

/* settings (nullable): where the Train page remembered MNIST's folder */
DpPersonalizeWindow *dp_personalize_window_new (GtkWindow *parent, DpModelStore *models,
                                                DpSamples *samples, GSettings *settings);

G_END_DECLS
