/* dp-train-form.h: DpTrainForm, the Train page's settings: a preset fills the rows, every row
 * stays editable, and each edit re-reads the whole form into one DpTrainConfig. It says whether
 * that config is valid (notify::valid) and marks the row that is not. */
#pragma once

#include <adwaita.h>

#include "engine/train.h"

G_BEGIN_DECLS

#define DP_TYPE_TRAIN_FORM (dp_train_form_get_type ())
G_DECLARE_FINAL_TYPE (DpTrainForm, dp_train_form, DP, TRAIN_FORM, AdwBin)

/* the config the rows say (meaningful when valid); config->preset is "" once it differs from
 * its preset */
const DpTrainConfig *dp_train_form_get_config (DpTrainForm *self);
/* notify::valid */
gboolean             dp_train_form_get_valid  (DpTrainForm *self);
/* while a run trains, its recipe cannot be swapped */
void                 dp_train_form_set_locked (DpTrainForm *self, gboolean locked);

G_END_DECLS
