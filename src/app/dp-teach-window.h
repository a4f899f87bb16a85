/* dp-teach-window.h: DpTeachWindow, "Teach It Your Handwriting": a pad that asks for each digit
 * in turn ("Draw a 7"), DP_TEACH_PER_DIGIT of each, in any order and skippable, with its
 * progress; every drawing kept is a personal sample at once. It ends by offering to
 * personalize (the parent window's "win.personalize"). Its actions: teach.keep (Enter),
 * teach.skip, teach.clear (Delete), teach.digit (i), teach.finish, teach.personalize. */
#pragma once

#include <adwaita.h>

#include "dp-samples.h"

G_BEGIN_DECLS

#define DP_TEACH_PER_DIGIT 3

#define DP_TYPE_TEACH_WINDOW (dp_teach_window_get_type ())
G_DECLARE_FINAL_TYPE (DpTeachWindow, dp_teach_window, DP, TEACH_WINDOW, AdwWindow)

DpTeachWindow *dp_teach_window_new (GtkWindow *parent, DpSamples *samples);

G_END_DECLS
