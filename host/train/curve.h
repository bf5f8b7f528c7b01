// mote trainer — the training curve as a standalone SVG (no dependencies).
//
// Two panels side by side: loss per epoch (training and validation) and, for classifiers, accuracy
// per epoch (training and validation). Series with no values (validation without a validation
// split, accuracy of a regression) are left out. The best epoch (the one kept by early stopping)
// is marked with a vertical dashed line. A panel whose values span more than two decades uses a
// log scale.
//
//   std::vector<CurvePoint> h = ...;          // one per epoch
//   std::string svg = training_curve_svg(h, "fashion-mnist", best_epoch);
#pragma once

#include <string>
#include <vector>

namespace mote::train {

struct CurvePoint {
  double loss = 0, accuracy = -1;          // training (accuracy < 0: none)
  double val_loss = -1, val_accuracy = -1; // validation (< 0: none)
};

// best_epoch < 0: no marker.
std::string training_curve_svg(const std::vector<CurvePoint>& history, const std::string& title, int best_epoch = -1);

}  // namespace mote::train
