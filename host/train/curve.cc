#include "host/train/curve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace mote::train {

namespace {

constexpr double kPanelW = 420, kPanelH = 280, kLeft = 56, kTop = 36, kPlotW = 340, kPlotH = 200;

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

std::string label(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

struct Series {
  const char* name;
  const char* color;
  std::function<double(const CurvePoint&)> get;
};

// One panel at x offset `x0`: axes, 5 y ticks, epoch ticks, a polyline per series with values >= 0.
// Values spanning more than two decades (a loss that falls from 0.2 to 1e-4) are drawn on a log scale.
std::string panel(const std::vector<CurvePoint>& h, double x0, const char* title, const std::vector<Series>& series,
                  int best) {
  double lo = 1e300, hi = -1e300;
  for (const Series& s : series)
    for (const CurvePoint& p : h)
      if (s.get(p) >= 0) lo = std::min(lo, s.get(p)), hi = std::max(hi, s.get(p));
  if (lo > hi) return "";
  const bool log_scale = lo > 0 && hi / lo > 100;
  auto f = [log_scale](double v) { return log_scale ? std::log10(std::max(v, 1e-30)) : v; };
  lo = f(lo), hi = f(hi);
  if (hi - lo < 1e-9) hi = lo + 1e-3;
  const double pad = (hi - lo) * 0.05;
  lo = log_scale ? lo - pad : std::max(0.0, lo - pad), hi += pad;
  const int n = static_cast<int>(h.size());
  auto px = [&](int e) { return x0 + kLeft + (n > 1 ? kPlotW * e / (n - 1) : kPlotW / 2); };
  auto py = [&](double v) { return kTop + kPlotH * (1 - (f(v) - lo) / (hi - lo)); };
  std::string s = "<text x=\"" + num(x0 + kLeft + kPlotW / 2) + "\" y=\"22\" text-anchor=\"middle\" font-weight=\"bold\">" +
                  title + "</text>\n";
  s += "<rect x=\"" + num(x0 + kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kPlotW) + "\" height=\"" + num(kPlotH) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double v = lo + (hi - lo) * t / 4, shown = log_scale ? std::pow(10.0, v) : v;
    s += "<text x=\"" + num(x0 + kLeft - 6) + "\" y=\"" + num(py(shown) + 4) + "\" text-anchor=\"end\">" + label(shown) +
         "</text>\n";
  }
  const int step = std::max(1, n / 10);
  for (int e = 0; e < n; e += step)
    s += "<text x=\"" + num(px(e)) + "\" y=\"" + num(kTop + kPlotH + 16) + "\" text-anchor=\"middle\">" +
         std::to_string(e + 1) + "</text>\n";
  s += "<text x=\"" + num(x0 + kLeft + kPlotW / 2) + "\" y=\"" + num(kTop + kPlotH + 34) +
       "\" text-anchor=\"middle\">epoch</text>\n";
  if (best >= 0 && best < n)
    s += "<line x1=\"" + num(px(best)) + "\" y1=\"" + num(kTop) + "\" x2=\"" + num(px(best)) + "\" y2=\"" +
         num(kTop + kPlotH) + "\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n";
  int legend = 0;
  for (const Series& ser : series) {
    std::string pts;
    for (int e = 0; e < n; ++e)
      if (ser.get(h[static_cast<size_t>(e)]) >= 0) pts += num(px(e)) + "," + num(py(ser.get(h[static_cast<size_t>(e)]))) + " ";
    if (pts.empty()) continue;
    s += "<polyline fill=\"none\" stroke=\"" + std::string(ser.color) + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    const double ly = kTop + 14 + 16 * legend++;
    s += "<text x=\"" + num(x0 + kLeft + kPlotW - 8) + "\" y=\"" + num(ly) + "\" text-anchor=\"end\" fill=\"" + ser.color +
         "\">" + ser.name + "</text>\n";
  }
  return s;
}

}  // namespace

std::string training_curve_svg(const std::vector<CurvePoint>& h, const std::string& title, int best_epoch) {
  const bool acc = !h.empty() && h[0].accuracy >= 0;
  const double width = acc ? 2 * kPanelW : kPanelW;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(kPanelH + 20) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"8\" y=\"" + num(kPanelH + 12) + "\" fill=\"#555\">" + escape(title) + "</text>\n";
  s += panel(h, 0, "loss",
             {{"training", "#1f77b4", [](const CurvePoint& p) { return p.loss; }},
              {"validation", "#ff7f0e", [](const CurvePoint& p) { return p.val_loss; }}},
             best_epoch);
  if (acc)
    s += panel(h, kPanelW, "accuracy",
               {{"training", "#1f77b4", [](const CurvePoint& p) { return p.accuracy; }},
                {"validation", "#ff7f0e", [](const CurvePoint& p) { return p.val_accuracy; }}},
               best_epoch);
  return s + "</svg>\n";
}

}  // namespace mote::train
