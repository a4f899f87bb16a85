/* dp-result-view.h: DpResultView, the panel beside the pad: the predicted digit and its
 * confidence (or an honest "not sure" with the runner-up, or "Not a digit" with the closest
 * digit as a hint), a probability bar per output (ten, and "Not a digit" when the model has it),
 * and the 28×28 image the network actually read. An empty pad shows a hint, never a prediction.
 *
 * With a result shown, the user can say what the drawing really is: a click on a row of the
 * bars, or "That's Right" for the answer shown, emits
 *   "label-chosen" (int label)   0 … 9, or DP_CLASS_NOT_A_DIGIT for its row */
#pragma once

#include <gtk/gtk.h>

#include "engine/network.h"

G_BEGIN_DECLS

#define DP_TYPE_RESULT_VIEW (dp_result_view_get_type ())
G_DECLARE_FINAL_TYPE (DpResultView, dp_result_view, DP, RESULT_VIEW, GtkWidget)

/* unsure when the top probability is below this, or the top two are closer than the margin */
#define DP_UNSURE_THRESHOLD 0.60f
#define DP_UNSURE_MARGIN    0.20f

GtkWidget *dp_result_view_new        (void);

/* What the view shows. */
typedef enum
{
  DP_RESULT_EMPTY,       /* the hint: nothing to show */
  DP_RESULT_DIGIT,       /* a digit, confidently */
  DP_RESULT_UNSURE,      /* a digit, and an honest "not sure" with the runner-up */
  DP_RESULT_NOT_A_DIGIT, /* the model's answer is "not a digit"; the closest digit as a hint */
} DpResultState;

/* input (784): the network's input, 0..1, ink = 1; r: its recognition (10 or 11 outputs, one
 * bar each). Copies both. */
void       dp_result_view_set_result (DpResultView *self, const float *input,
                                      const DpRecognition *r);
/* back to the hint */
void       dp_result_view_clear      (DpResultView *self);
DpResultState dp_result_view_get_state (DpResultView *self);

/* TRUE when a digit answer counts as unsure (see the thresholds above): probs (n outputs), *best
 * = the most probable output, *runner_up = the next (either may be DP_CLASS_NOT_A_DIGIT) */
gboolean   dp_result_is_unsure       (const float *probs, int n, int *best, int *runner_up);
/* the most probable digit other than r's answer (a digit always) */
int        dp_result_runner_up_digit (const DpRecognition *r);

G_END_DECLS
