/* dp-result-view.h: DpResultView, the panel beside the pad: the predicted digit and its
 * confidence (or an honest "not sure" with the runner-up), ten probability bars, and the 28×28
 * image the network actually read. An empty pad shows a hint, never a prediction.
 *
 * With a result shown, the user can say what the drawing really is: a click on a row of the
 * bars, or "That's Right" for the answer shown, emits
 *   "label-chosen" (int label)   0 … 9, or DP_CLASS_NOT_A_DIGIT for its row */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DP_TYPE_RESULT_VIEW (dp_result_view_get_type ())
G_DECLARE_FINAL_TYPE (DpResultView, dp_result_view, DP, RESULT_VIEW, GtkWidget)

/* unsure when the top probability is below this, or the top two are closer than the margin */
#define DP_UNSURE_THRESHOLD 0.60f
#define DP_UNSURE_MARGIN    0.20f

GtkWidget *dp_result_view_new        (void);

/* input (784): the network's input, 0..1, ink = 1; probs (10). Copies both. */
void       dp_result_view_set_result (DpResultView *self, const float *input, const float *probs);
/* back to the hint */
void       dp_result_view_clear      (DpResultView *self);

/* TRUE when the shown result counts as unsure (see the thresholds above) */
gboolean   dp_result_is_unsure       (const float *probs, int *best, int *runner_up);

G_END_DECLS
