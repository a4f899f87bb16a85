/* engine.h: everything the engine offers, for the CLI and the app. */
#pragma once

#include "engine/augment.h"
#include "engine/calibrate.h"
#include "engine/dataset.h"
#include "engine/error.h"
#include "engine/file-util.h"
#include "engine/fp-mode.h"
#include "engine/metrics.h"
#include "engine/model-file.h"
#include "engine/network.h"
#include "engine/personalize.h"
#include "engine/preprocess.h"
#include "engine/rng.h"
#include "engine/synth.h"
#include "engine/train.h"
